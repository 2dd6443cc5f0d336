"""Pasokh: a Persian-first omnichannel customer-care hub."""

__version__ = "0.1.0"

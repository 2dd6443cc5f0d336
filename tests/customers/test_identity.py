"""Identities are stored in one canonical form, so a customer is recognised everywhere."""

from __future__ import annotations

import pytest

from pasokh.customers.identity import normalise_email, normalise_identity, normalise_phone
from pasokh.errors import Unprocessable


@pytest.mark.parametrize("raw", [
    "09121234567", "0912 123 4567", "0912-123-4567", "+989121234567", "+98 912 123 4567",
    "00989121234567", "989121234567", "9121234567", "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧",
    "+۹۸۹۱۲۱۲۳۴۵۶۷", "(0912) 123-4567", "\u200e09121234567\u200f",
])
def test_iranian_mobile_forms_become_one_e164_number(raw: str) -> None:
    assert normalise_phone(raw) == "+989121234567"


@pytest.mark.parametrize(("raw", "expected"), [
    ("02188776655", "+982188776655"),          # Tehran landline
    ("+44 20 7946 0958", "+442079460958"),    # a foreign number keeps its country
    ("001 415 555 2671", "+14155552671"),
])
def test_landlines_and_foreign_numbers(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "hello", "0912", "+98912123", "0912123456789", "۰۹۱۲abc"])
def test_what_is_not_a_phone_number_is_refused_with_a_sentence(raw: str) -> None:
    with pytest.raises(Unprocessable, match="phone number"):
        normalise_phone(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Sara.Ahmadi@Example.COM ", "sara.ahmadi@example.com"),
    ("reza@narenj.ir", "reza@narenj.ir"),
])
def test_emails_are_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["sara", "sara@", "@example.com", "a b@example.com"])
def test_malformed_emails_are_refused(raw: str) -> None:
    with pytest.raises(Unprocessable, match="e-mail"):
        normalise_email(raw)


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("instagram", "@Sara_M", "sara_m"),
    ("telegram", "Reza1370", "reza1370"),
    ("webchat", "visitor-8f2a", "visitor-8f2a"),
    ("phone", "۰۹۱۲ ۱۲۳ ۴۵۶۷", "+989121234567"),
])
def test_channel_handles_are_canonical(kind: str, raw: str, expected: str) -> None:
    assert normalise_identity(kind, raw) == expected

"""Canonical forms of identities, so the same person is recognised on every channel."""

from __future__ import annotations

import re

from pasokh.errors import Unprocessable

# Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_PHONE_NOISE = re.compile(r"[\s\-().\u200c\u200e\u200f\u202a-\u202e]")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")


def ascii_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits by ASCII digits."""
    return text.translate(_DIGITS)


def normalise_phone(raw: str, *, default_country: str = "98") -> str:
    """Return a phone number in E.164 (+989121234567), reading Iranian local forms.

    Accepts 0912 123 4567, 09121234567, 9121234567, 989121234567, +98 912…, 0098 912…,
    in ASCII, Persian or Arabic-Indic digits. Raises Unprocessable when it is not a number.
    """
    digits = _PHONE_NOISE.sub("", ascii_digits(raw.strip()))
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = default_country + digits[1:]
    elif default_country == "98" and len(digits) == 10 and digits.startswith("9"):
        digits = "98" + digits  # an Iranian mobile written without its leading zero
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise Unprocessable(f"'{raw[:40]}' is not a phone number (expected e.g. 09121234567).",
                            fa=f"«{raw[:40]}» شمارهٔ تلفن نیست (نمونه: 09121234567).")
    if digits.startswith("98") and len(digits) != 12:
        raise Unprocessable(
            f"'{raw[:40]}' is not an Iranian phone number: after +98 come 10 digits.",
            fa=f"«{raw[:40]}» شمارهٔ تلفن ایران نیست: پس از ‎+98 باید ۱۰ رقم بیاید.")
    return "+" + digits


def normalise_email(raw: str) -> str:
    """Return an e-mail address trimmed and lower-cased; raise Unprocessable if malformed."""
    email = raw.strip().lower()
    if not _EMAIL.match(email):
        raise Unprocessable(f"'{raw[:60]}' is not an e-mail address.",
                            fa=f"«{raw[:60]}» نشانی ایمیل نیست.")
    return email


def normalise_identity(kind: str, value: str) -> str:
    """Canonical value of an identity of `kind` (phone, email, or a channel's user id)."""
    if kind == "phone":
        return normalise_phone(value)
    if kind == "email":
        return normalise_email(value)
    value = value.strip()
    if not value:
        raise Unprocessable(f"The {kind} identity is empty.", fa=f"شناسهٔ {kind} خالی است.")
    # Handles are case-insensitive on the social networks we serve; '@sara' == 'sara'.
    return value.removeprefix("@").lower() if kind in ("instagram", "telegram") else value

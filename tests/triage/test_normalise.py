"""Normalisation: one canonical form for every way a customer types the same thing."""

from __future__ import annotations

import pytest

from pasokh.triage.normalise import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Arabic letter variants fold to Persian
        ("كتاب ميخواهم", "کتاب میخواهم"),
        ("پرداخت ناموفق بود ى", "پرداخت ناموفق بود ی"),
        ("مسئله ۀ مهم", "مسئله ه مهم"),
        ("مؤسسه", "موسسه"),
        ("أرسل إلى مشتري", "ارسل الی مشتری"),
        ("ة", "ه"),
        # Persian and Arabic-Indic digits become ASCII
        ("سایز ۴۱ دارید؟", "سایز 41 دارید ?"),
        ("سایز ٤١", "سایز 41"),
        # ZWNJ: spaced, joined and ZWNJ spellings of the verb prefix become one form
        ("می خوام", "میخوام"),
        ("میخوام", "میخوام"),
        ("می\u200cخوام", "میخوام"),
        ("نمی تونم پرداخت کنم", "نمیتونم پرداخت کنم"),
        ("نمی‌تونم", "نمیتونم"),
        # ... and the plural suffix
        ("کتاب ها", "کتابها"),
        ("کتاب‌ها", "کتابها"),
        ("سفارش های من", "سفارشهای من"),
        ("بزرگ ترین", "بزرگترین"),
        # diacritics, kashida, held letters
        ("بَرای سَفارِشَم", "برای سفارشم"),
        ("خیلـــــی", "خیلی"),
        ("خیلیییی", "خیلی"),
        ("عاااالی بود", "عالی بود"),
        ("sooo good", "soo good"),
        ("cool", "cool"),
        ("khoob", "khoob"),
        ("1000 و 2222", "1000 و 2222"),  # digits are never collapsed as held letters
        # zero-width and bidi controls go; a zero-width *space* separates words
        ("سلام\u200f\u202bخوبی", "سلامخوبی"),
        ("سلام\u200bخوبی", "سلام خوبی"),
        ("\ufeffhi", "hi"),
        # Arabic presentation forms
        ("ﻻ", "لا"),
    ],
)
def test_letters_digits_spacing(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@sara_m ببین اینو", "<mention> ببین اینو"),
        ("check https://example.com/x?y=1 now", "check <url> now"),
        ("site ما www.shop.ir هست", "site ما <url> هست"),
        ("mail me at a.b@gmail.com", "mail me at <email>"),
        ("۰۹۱۲۱۲۳۴۵۶۷ زنگ بزنید", "<phone> زنگ بزنید"),
        ("call 0912 123 4567", "call <phone>"),
        ("+98 912 123 4567", "<phone>"),
        ("card 6037 9911 2345 6789 blocked", "card <card> blocked"),
        ("از حسابم ۴۸۰ هزار تومن کم شد", "از حسابم <amount> کم شد"),
        ("۲۳۵,۰۰۰ تومن اضافه", "<amount> اضافه"),
        ("$30 a flight", "<amount> a flight"),
        ("paid 64.90 dollars", "paid <amount>"),
        ("سفارش ۱۲۳۴۵۶۷ کجاست؟", "سفارش <id> کجاست ?"),
        ("order #48213", "order <id>"),
    ],
)
def test_placeholders(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("عالی بود 😍😍", "عالی بود 😍 😍"),
        ("👍🏽", "👍"),  # skin tone dropped, the signal kept
        ("❤️", "❤"),
        ("مرسی از این همه سرعت😒", "مرسی از این همه سرعت 😒"),
    ],
)
def test_emoji_are_kept_as_tokens(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_latin_is_lower_cased_and_punctuation_split() -> None:
    assert normalise("Hello, My ORDER!!!") == "hello , my order ! !"
    assert normalise("چرا؟؟؟") == "چرا ? ?"


def test_normalise_is_idempotent_on_corpus_like_text() -> None:
    text = "سلام، سفارش ۱۲۳۴۵ رو دو بار از کارتم کشیدید!!! https://x.ir/a 😡"
    once = normalise(text)
    assert normalise(once) == once

"""Language: fa, en, ar, fa-latn (Finglish), other — decided on the raw text."""

from __future__ import annotations

import pytest

from pasokh.triage.language import detect_language
from pasokh.triage.normalise import fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Persian, including text typed on an Arabic keyboard (ي ك) and mixed with English
        ("سلام سفارشم کجاست؟", "fa"),
        ("اين سفارش من است كه نرسيده", "fa"),
        ("كتاب ميخواهم يك دفتر", "fa"),
        ("سلام my order هنوز نرسیده", "fa"),
        ("اپ رو آپدیت کردم crash میکنه", "fa"),
        ("@sara_m ببین اینو 😂", "fa"),
        # Arabic, including text without any letter Persian lacks
        ("مرحبا، أين طلبي؟ لم يصل حتى الآن", "ar"),
        ("شكرا جزيلا على الخدمة الممتازة", "ar"),
        ("هل يمكنني الدفع عند الاستلام", "ar"),
        ("لماذا لم يصل الطلب", "ar"),
        # English
        ("Where is my order?", "en"),
        ("The app keeps crashing after the update", "en"),
        ("ok", "en"),
        # Finglish
        ("salam sefaresham kojast", "fa-latn"),
        ("mamnoon kheili khoob bood", "fa-latn"),
        ("pizza sard bood, nooshabe garm 😒 merci az servicetoon", "fa-latn"),
        ("ye saat posht khat bodam akharesham ghat shod", "fa-latn"),
        ("chera hanooz pool e man bargasht nakhorde?", "fa-latn"),
        # other languages and scripts
        ("Sehr geehrte Damen und Herren, ich habe eine Frage", "other"),
        ("Привет, где мой заказ?", "other"),
    ],
)
def test_detects_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("hint", "expected"), [(None, "other"), ("fa", "fa"), ("en", "en"), ("xx", "other")]
)
def test_text_without_letters_takes_the_channel_hint(hint: str | None, expected: str) -> None:
    assert detect_language("😍😍😍 !!", hint) == expected


def test_folding_first_would_hide_arabic_so_detection_uses_raw_text() -> None:
    arabic = "شكرا لكم على الخدمة"
    assert detect_language(arabic) == "ar"
    assert fold(arabic) != arabic  # ك → ک: the folded text carries a Persian-only letter
    assert detect_language(fold(arabic)) == "fa"

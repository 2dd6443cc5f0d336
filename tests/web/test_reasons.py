"""Priority reasons are stored in English and said in Persian on a Persian page."""

from __future__ import annotations

import pytest

from pasokh.web.reasons import say_reason


@pytest.mark.parametrize(("stored", "said"), [
    ("model rates it urgent (74%): negative complaint",
     "مدل آن را فوری می‌داند (۷۴٪): شکایت، منفی"),
    ('money taken but no order or service: "پول کم شد ولی سفارش ثبت نشد"',
     "پول کسر شده ولی سفارش یا خدمتی ثبت نشده: «پول کم شد ولی سفارش ثبت نشد»"),
    ("VIP customer", "مشتری ویژه"),
    ("public post, 1,340 likes", "پست عمومی با ۱٬۳۴۰ پسند"),
    ("waiting 3 h", "۳ ساعت در انتظار"),
    ("waiting 45 min", "۴۵ دقیقه در انتظار"),
    ("2nd contact in 7 days", "دومین تماس در ۷ روز"),
    # a supervisor's own rule is shown as they wrote it
    ('مشتری عمده: "عمده"', "مشتری عمده: «عمده»"),
    ("something new", "something new"),
])
def test_each_form_of_reason_is_said_in_persian(stored: str, said: str) -> None:
    assert say_reason(stored, "fa") == said


def test_english_readers_read_them_as_stored() -> None:
    reason = "model rates it high (96%): negative technical"
    assert say_reason(reason, "en") == reason


def test_every_shipped_rule_has_a_persian_reason() -> None:
    import json
    from pathlib import Path

    import pasokh.triage as triage
    from pasokh.web.reasons import RULE_REASONS_FA

    rules = json.loads((Path(triage.__file__).parent / "default_rules.json").read_text("utf-8"))
    reasons = {r["reason"] for r in rules["phrase_rules"]}
    assert reasons and reasons <= set(RULE_REASONS_FA), reasons - set(RULE_REASONS_FA)


def test_levels_are_the_words_the_badges_use() -> None:
    from pasokh import i18n

    said = say_reason("model rates it high (58%): negative technical", "fa")
    assert f"مدل آن را {i18n.word('fa', 'high')} می‌داند" in said  # «زیاد», as on the badge

"""Survey replies: Persian and Latin digits, words, emoji; the rest kept as comments."""

from __future__ import annotations

import pytest

from pasokh.surveys.parse import Answer, parse_answer

CASES = [
    # (kind, reply, score, kept as comment?)
    ("csat", "5", 5, False),
    ("csat", "۵", 5, False),
    ("csat", "٤", 4, False),
    ("csat", " ۳ ", 3, False),
    ("csat", "۴ از ۵", 4, False),
    ("csat", "4/5", 4, False),
    ("csat", "5 stars", 5, False),
    ("csat", "عالی", 5, False),
    ("csat", "عالی بود", 5, True),
    ("csat", "خیلی بد", 1, False),
    ("csat", "خیلی‌بد", 1, False),
    ("csat", "بد", 2, False),
    ("csat", "Excellent", 5, False),
    ("csat", "very bad", 1, False),
    ("csat", "😍", 5, False),
    ("csat", "👎", 2, False),
    ("csat", "⭐⭐⭐⭐", 4, False),
    ("csat", "۵، ممنون از پیگیری", 5, True),
    ("csat", "5 thanks a lot", 5, True),
    ("nps", "10", 10, False),
    ("nps", "۰", 0, False),
    ("nps", "۹ از ۱۰", 9, False),
    ("ces", "۷", 7, False),
    ("ces", "خیلی راحت", 7, False),
    ("ces", "very hard", 1, False),
    # Not guessed: kept as a comment.
    ("csat", "عالی نبود", None, True),
    ("csat", "not good", None, True),
    ("csat", "سفارش 12345 هنوز نرسیده", None, True),
    ("csat", "4 یا 5", None, True),
    ("csat", "4.5", None, True),
    ("csat", "عالی ولی 2", None, True),
    ("csat", "6", None, True),
    ("nps", "11", None, True),
    ("nps", "عالی", None, True),
    ("ces", "😍", None, True),
    ("csat", "کی پولم رو برمی‌گردونید؟", None, True),
    ("csat", "when will I get my refund?", None, True),
    ("csat", "4 از 10", None, True),
]


@pytest.mark.parametrize(("kind", "reply", "score", "comment"), CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_parse_answer(kind: str, reply: str, score: int | None, comment: bool) -> None:
    answer = parse_answer(reply, kind)
    assert answer.score == score
    assert (answer.comment == reply.strip()) if comment else answer.comment is None


def test_an_empty_reply_is_nothing() -> None:
    assert parse_answer("   ", "csat") == Answer(None, None)

"""Lexicon features: negation, softened gripes, intensifiers and overall verdicts."""

from __future__ import annotations

import pytest

from pasokh.triage.normalise import normalise
from pasokh.triage.sentiment_lexicon import lexicon_features


def feats(text: str) -> list[str]:
    return lexicon_features(normalise(text).split())


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("غذا خوب نبود", {"§not_pos", "§bal:-1"}, {"§pos"}),
        ("not good at all", {"§not_pos"}, {"§pos"}),
        # the نداشت of «حرف نداشت» (praise) does not negate the word before it
        ("بسیار تازه و خوشمزه حرف نداشت", {"§pos", "§int_pos"}, {"§not_pos"}),
        # a negator in the next clause is about something else
        ("غذا خوب بود نوشابه نبود", {"§pos", "§negverb"}, {"§not_pos"}),
        # «یه کم» softens; its کم is not a complaint about quantity
        ("عالی بود فقط یه کم شور بود", {"§pos", "§soft_neg", "§bal:+1"}, set()),
        ("a bit cold but tasty", {"§soft_neg", "§pos", "§bal:+1"}, set()),
        ("واقعا افتضاح بود", {"§neg", "§int_neg"}, set()),
        ("کمی دیر رسید ولی در کل راضی بودم", {"§overall_pos", "§soft_neg"}, set()),
        # v3: litotes, a negated praise, a first-person negator, "no problem" as praise
        ("در کل بدک نبود", {"§not_neg", "§overall_pos", "§bal:+1"}, {"§neg"}),
        ("زیاد جالب نبود", {"§not_pos", "§bal:-1"}, {"§pos"}),
        ("اصلا راضی نبودم", {"§not_pos"}, {"§pos"}),
        ("غذا مشکلی نداشت", {"§pos", "§bal:+1"}, {"§negverb"}),
        # v4: a scale word is read against its aspect: low quality is bad, a low price good
        ("یه پیتزای با کیفیت خیلی پایین فرستادن", {"§neg", "§bal:-1"}, {"§pos"}),
        ("کیفیت کباب فوق العاده پایین بود", {"§neg", "§bal:-1"}, {"§pos"}),
        ("قیمت این پک خیلی بالا بود", {"§neg", "§bal:-1"}, {"§pos"}),
        ("قیمتش پایین بود", {"§pos", "§bal:+1"}, {"§neg"}),
        ("the quality was really low", {"§neg"}, {"§pos"}),
        # «فوق العاده» before a polar word intensifies it; alone it is praise
        ("سوپ فوق العاده بد بود", {"§neg"}, {"§pos"}),
        ("غذا فوق العاده بود", {"§pos"}, {"§neg"}),
        # praise of an earlier order is a complaint about this one, unless «مثل قبل»
        ("دفعه قبل عالی بود", {"§past_pos", "§bal:-1"}, {"§pos"}),
        ("قبلا کیفیت نونش خیلی بهتر بود", {"§past_pos", "§bal:-1"}, set()),
        ("مثل قبل عالی بود", {"§pos", "§bal:+1"}, {"§past_pos"}),
        ("بهتر بود سس هم میذاشتید", set(), {"§past_pos", "§pos"}),
        ("قبلا دیر میفرستاد الان خوب شده", {"§past_neg", "§pos", "§bal:+2"}, set()),
        # a missing item said with a negated verb, and "not enjoyable"
        ("سس رو نذاشته بودن", {"§negverb"}, set()),
        ("از این کیک هیچ لذت نبردیم", {"§neg"}, {"§pos"}),
        ("برنج غیر قابل خوردن بود", {"§neg"}, set()),
    ],
)
def test_lexicon_features(text: str, present: set[str], absent: set[str]) -> None:
    got = set(feats(text))
    assert present <= got, got
    assert not absent & got, got


def test_a_message_without_polar_words_has_no_lexicon_features() -> None:
    assert feats("سفارش ۱۲۳۴۵ کجاست") == []

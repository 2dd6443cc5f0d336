"""Routing rules: ordered conditions, first match wins, a default rule catches the rest."""

from __future__ import annotations

import pytest

from pasokh.routing.rules import Facts, Rule, match_rules

RULES = [
    Rule(id=1, name="VIP", conditions={"is_vip": True}, team_id=10, priority_override="high",
         handling="agent"),
    Rule(id=2, name="payment failures",
         conditions={"keywords": ["پرداخت ناموفق", "payment failed"]}, team_id=20,
         priority_override="urgent", tags=("payments",), handling="ticket"),
    Rule(id=3, name="public complaints",
         conditions={"categories": ["complaint"], "is_public": True}, team_id=30,
         handling="invite_private"),
    Rule(id=4, name="technical", conditions={"categories": ["technical"]}, team_id=20,
         handling="ticket"),
    Rule(id=5, name="English questions", conditions={"categories": ["question"],
                                                     "languages": ["en"]}, handling="bot"),
    Rule(id=9, name="everything else", handling="agent", is_default=True),
]


def facts(**overrides: object) -> Facts:
    base: dict[str, object] = dict(category="question", priority="normal", sentiment="neutral",
                                   language="fa", channel="instagram")
    base.update(overrides)
    return Facts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("case", "given", "rule_id", "handling"), [
    ("VIP first / مشتری ویژه", facts(is_vip=True, category="technical"), 1, "agent"),
    ("keyword fa / کلیدواژه", facts(text="سلام، پرداخت ناموفق بود و پولم کم شد"), 2, "ticket"),
    ("keyword en, any case", facts(text="My PAYMENT FAILED twice", language="en"), 2, "ticket"),
    ("public complaint / شکایت عمومی", facts(category="complaint", is_public=True), 3,
     "invite_private"),
    ("private complaint falls through / شکایت خصوصی", facts(category="complaint"), 9, "agent"),
    ("technical / فنی", facts(category="technical"), 4, "ticket"),
    ("English question → bot", facts(language="en"), 5, "bot"),
    ("Persian question → default / سؤال فارسی", facts(), 9, "agent"),
])
def test_first_matching_rule_wins(case: str, given: Facts, rule_id: int, handling: str) -> None:
    match = match_rules(RULES, given)
    assert (match.rule.id, match.rule.handling) == (rule_id, handling), case
    assert match.reasons, "every routing decision comes with reasons"


def test_reasons_name_the_rule_and_each_condition() -> None:
    match = match_rules(RULES, facts(category="complaint", is_public=True))
    assert match.reasons == ("rule 'public complaints': category is complaint, public: yes",)


def test_the_default_rule_is_tried_last_wherever_it_sits() -> None:
    rules = [RULES[-1], *RULES[:-1]]
    assert match_rules(rules, facts(category="technical")).rule.id == 4


def test_without_rules_an_agent_handles_it() -> None:
    match = match_rules([], facts())
    assert (match.rule.id, match.rule.handling) == (None, "agent")


@pytest.mark.parametrize(("conditions", "given", "matches"), [
    ({"priorities": ["urgent", "high"]}, facts(priority="high"), True),
    ({"priorities": ["urgent"]}, facts(priority="low"), False),
    ({"sentiments": ["negative"]}, facts(sentiment="negative"), True),
    ({"channels": ["email"]}, facts(channel="instagram"), False),
    ({"is_public": False}, facts(is_public=False), True),
    ({"keywords": ["كارت"]}, facts(text="کارت بانکی"), True),  # Arabic kaf folds to Persian
])
def test_each_condition(conditions: dict[str, object], given: Facts, matches: bool) -> None:
    rule = Rule(id=1, name="r", conditions=conditions)
    assert (match_rules([rule], given).rule.id == 1) is matches

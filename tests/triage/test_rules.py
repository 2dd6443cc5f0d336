"""Priority rules are data: shipped defaults, workspace overrides, a small phrase syntax."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pasokh.triage.errors import RulesError
from pasokh.triage.normalise import normalise
from pasokh.triage.rules import PriorityRules, latin_key


def rules_with(phrases: dict[str, list[str]], **extra: Any) -> PriorityRules:
    return PriorityRules.model_validate(
        {
            "version": "ws-1",
            "phrase_rules": [{"id": "x", "reason": "test rule", "phrases": phrases}],
            **extra,
        }
    )


def matches(rules: PriorityRules, text: str) -> list[str]:
    return [hit.matched for hit in rules.matcher.find(normalise(text))]


def test_default_rules_load_and_validate() -> None:
    rules = PriorityRules.default()
    assert rules.version.startswith("default-")
    ids = {r.id for r in rules.phrase_rules}
    assert {
        "money_taken_no_order",
        "cannot_pay",
        "account_hacked",
        "card_blocked",
        "unauthorised_transaction",
        "health_harm",
    } <= ids
    assert all(set(r.phrases) <= {"fa", "en", "fa-latn"} for r in rules.phrase_rules)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("پول رو زدم ولی بسته اینترنت فعال نشد", "money_taken_no_order"),
        ("I paid and the app shows no order", "money_taken_no_order"),
        ("یه برداشت ناشناس از حسابم شده", "unauthorised_transaction"),
        ("they opened a second line in my name without my consent", "unauthorised_transaction"),
        ("تو غذا خرده شیشه بود", "health_harm"),
        ("the pasta made me sick all night", "health_harm"),
        ("we're still on the plane after 3 hours", "stranded"),
        ("کل تیم از صبح نمیتونن وارد پنل بشن", "business_down"),
        ("اینترنت قطعه و کارمون خوابیده", "business_down"),
        ("you sent my invoice to another client", "data_exposed"),
        ("اطلاعات شخصی من لو رفته", "data_exposed"),
    ],
)
def test_shipped_urgent_rules_cover_each_kind_of_emergency(text: str, rule: str) -> None:
    hits = PriorityRules.default().matcher.find(normalise(text))
    assert rule in {hit.rule.id for hit in hits}


@pytest.mark.parametrize(
    "text",
    [
        "Your rep promised me a credit for the outage, still not on my bill",
        "the phone you sold me as new has someone else's photos on it",
        "ordered for the whole office today and everyone loved it",
    ],
)
def test_shipped_urgent_rules_do_not_fire_on_mentions(text: str) -> None:
    hits = PriorityRules.default().matcher.find(normalise(text))
    assert not [hit for hit in hits if hit.rule.level == "urgent"]


def test_workspace_rules_round_trip_through_json() -> None:
    rules = PriorityRules.default()
    again = PriorityRules.model_validate(rules.model_dump(mode="json"))
    assert again == rules


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"vip_boost": 9}, "vip_boost"),
        (
            {"phrase_rules": [{"id": "a", "reason": "r", "level": "critical", "phrases": {}}]},
            "level",
        ),
        (
            {"phrase_rules": [{"id": "a", "reason": "r", "phrases": {"de": ["x"]}}]},
            "phrase languages",
        ),
        ({"waiting": [{"at": -1}]}, "waiting"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(data: dict[str, Any], complaint: str) -> None:
    with pytest.raises(RulesError, match=complaint):
        PriorityRules.parse(data)


@pytest.mark.parametrize(
    ("phrase", "text", "hit"),
    [
        ("کارت* مسدود", "کارتم مسدود شده", True),  # * is a word prefix
        ("کارت مسدود", "کارتم مسدود شده", False),  # without it the word is exact
        ("پول* ... کم شد*", "پولم همین الان از حساب کم شده", True),  # ... allows a gap
        ("پول* ... کم شد*", "پول " + "یک " * 7 + "کم شد", False),  # ... but at most 6 words
        ("card blocked|frozen", "my card frozen again", True),  # a|b alternatives
        ("can't pay", "I CAN'T PAY!!!", True),  # phrases are normalised like messages
        ("می خوام", "میخوام", True),  # ZWNJ / spacing variants meet in one form
        ("نمی‌تونم پرداخت", "نمی تونم پرداخت کنم", True),
        ("كارت مسدود", "کارت مسدود", True),  # Arabic ك in the phrase, Persian ک in the text
    ],
)
def test_phrase_syntax(phrase: str, text: str, hit: bool) -> None:
    lang = "en" if phrase.isascii() else "fa"
    assert bool(matches(rules_with({lang: [phrase]}), text)) is hit


@pytest.mark.parametrize(
    ("spelling_a", "spelling_b"),
    [
        ("pool", "pul"),
        ("shod", "shode"),
        ("naresideh", "naresid"),
        ("kheili", "kheyli"),
        ("hanooz", "hanuz"),
    ],
)
def test_finglish_spellings_share_a_key(spelling_a: str, spelling_b: str) -> None:
    assert latin_key(spelling_a) == latin_key(spelling_b)


def test_finglish_phrases_match_other_spellings_and_report_the_customer_words() -> None:
    rules = rules_with({"fa-latn": ["pool* ... kam shod*"]})
    assert matches(rules, "salam pul kam shode vali sefaresh nayoomad") == ["pul kam shode"]
    assert matches(rules, "hast kasi?") == []


# --- `unless`: phrases that stop a rule firing (a hypothetical question, a fault that is over)


def card_rule(**unless: list[str]) -> PriorityRules:
    rule: dict[str, Any] = {
        "id": "card_blocked",
        "reason": "card blocked",
        "phrases": {
            "fa": ["کارت* ... مسدود"],
            "en": ["card blocked"],
            "fa-latn": ["kart* ... masdood"],
        },
    }
    if unless:
        rule["unless"] = {k.replace("_", "-"): v for k, v in unless.items()}
    return PriorityRules.parse({"version": "ws-1", "phrase_rules": [rule]})


UNLESS = {
    "fa": ["اگه ... مسدود* میشه|بشه", "درست شد"],
    "en": ["what happens if", "working now"],
    "fa_latn": ["age ... masdood* mishe|beshe", "dorost shod"],
}


@pytest.mark.parametrize(
    "text",
    [
        "اگه کارتم مسدود بشه چیکار کنم؟",  # a hypothetical question
        "what happens if my card blocked at the airport?",
        "age kartam masdood beshe chikar konam?",
        "کارتم مسدود شده بود ولی الان درست شد، ممنون",  # a fault that is over
        "my card blocked yesterday but it's working now, thanks",
        "kartam masdood shode bood, dorost shod",
    ],
)
def test_a_rule_does_not_fire_when_an_unless_phrase_occurs(text: str) -> None:
    assert card_rule(**UNLESS).matcher.find(normalise(text)) == []
    assert len(card_rule().matcher.find(normalise(text))) == 1  # without unless it fires


@pytest.mark.parametrize(
    "text",
    [
        "کارتم مسدود شده و پول ندارم بلیط بخرم",
        "my card blocked at the till, please help",
        "kartam masdood shode, komak konid",
    ],
)
def test_the_real_urgent_message_still_fires(text: str) -> None:
    hits = card_rule(**UNLESS).matcher.find(normalise(text))
    assert [h.rule.id for h in hits] == ["card_blocked"]


def test_unless_vetoes_only_its_own_rule() -> None:
    rules = PriorityRules.parse(
        {
            "phrase_rules": [
                {
                    "id": "a",
                    "reason": "a",
                    "phrases": {"en": ["card blocked"]},
                    "unless": {"en": ["what if"]},
                },
                {"id": "b", "reason": "b", "phrases": {"en": ["card blocked"]}},
            ]
        }
    )
    hits = rules.matcher.find(normalise("what if my card blocked"))
    assert [h.rule.id for h in hits] == ["b"]


def test_rules_without_unless_load_as_before_and_unless_round_trips() -> None:
    assert card_rule().phrase_rules[0].unless == {}
    rules = card_rule(**UNLESS)
    again = PriorityRules.model_validate(json.loads(json.dumps(rules.model_dump(mode="json"))))
    assert again == rules and again.phrase_rules[0].unless["fa-latn"] == UNLESS["fa_latn"]


@pytest.mark.parametrize(
    ("bad", "complaint"),
    [
        ("... درست شد", "needs a word on both sides of '...'"),
        ("fixed|", "needs a word on both sides of '|'"),
        ("* now", "'\\*' that does not end a word"),
        ("   ", "is empty"),
    ],
)
def test_a_malformed_unless_phrase_is_a_clear_error(bad: str, complaint: str) -> None:
    lang = "en" if bad.isascii() else "fa"
    with pytest.raises(RulesError, match="card_blocked") as info:
        card_rule(**{lang: [bad]})
    assert bad in str(info.value)
    assert info.match(complaint)


def test_unless_languages_are_checked_like_phrases() -> None:
    with pytest.raises(RulesError, match="phrase languages"):
        card_rule(de=["wenn"])


def urgent_ids(text: str) -> set[str]:
    hits = PriorityRules.default().matcher.find(normalise(text))
    return {h.rule.id for h in hits if h.rule.level == "urgent"}


@pytest.mark.parametrize(
    "text",
    [
        # hypothetical questions (corpus README N1)
        "اگه کارتم مسدود بشه چیکار کنم؟",
        "اگر رمز رو سه بار اشتباه بزنم حسابم مسدود میشه؟",
        "what happens if my card is blocked abroad?",
        "if I enter the wrong PIN three times is the card blocked for good?",
        "اگه پرداخت ناموفق باشه پولم برمیگرده؟",
        "if my payment fails at checkout do I lose the discount?",
        "age kartam masdood beshe chikar konam?",
        # rules default-2026.12f: "what should I do" with «باید» / "bayad" in it
        "age kartam to atm gir kone chikar bayad konam?",
        "اگه کارتم تو خودپرداز گیر کنه چیکار باید بکنم؟",
        # faults that are over (N2)
        "دیشب درگاه خطا داد، صبح دوباره زدم اوکی شد",
        "کارتم تو خودپرداز گیر کرد ولی بعد از ده دقیقه درست شد، ممنون",
        "payment failed twice last night but it went through on the second try this morning",
        "my card was blocked yesterday, it's working now, thanks",
        "dishab dargah error dad, emrooz dobare zadam anjam shod",
    ],
)
def test_shipped_urgent_rules_skip_hypothetical_questions_and_faults_that_are_over(
    text: str,
) -> None:
    assert urgent_ids(text) == set()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("کارتم مسدود شده و تو فرودگاه گیر کردم", "card_blocked"),
        ("my card got blocked at the till and I can't pay for the medicine", "card_blocked"),
        ("درگاه پرداخت کار نمیکنه و نمیتونم بلیط بخرم، پرواز امشبه", "cannot_pay"),
        ("payment keeps failing and the sale ends in an hour", "cannot_pay"),
        ("اگه تا شب پولم برنگرده شکایت میکنم، دو بار از کارتم کشیدید", "money_taken_no_order"),
        ("if you don't fix this today I'll sue: you charged me twice", "money_taken_no_order"),
        ("kartam masdood shode, komak konid", "card_blocked"),
        ("kartam masdood shode, chikar bayad konam?", "card_blocked"),
    ],
)
def test_shipped_urgent_rules_still_fire_on_the_real_emergency(text: str, rule: str) -> None:
    assert rule in urgent_ids(text)


def test_shipped_urgent_rules_have_well_formed_unless_lists() -> None:
    rules = PriorityRules.default()
    assert any(rule.unless for rule in rules.phrase_rules)
    for rule in rules.phrase_rules:
        assert set(rule.unless) <= {"fa", "en", "fa-latn"}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("کارتخوان فروشگاه از صبح قطع بود، ظهر درست شد ولی دوباره قطع شد", "business_down"),
        ("درگاه خطا میداد، درست شد ولی الان دوباره خطا میده و نمیتونم پرداخت کنم", "cannot_pay"),
        ("کارتم مسدود شد، رفتم شعبه حل شد ولی بازم مسدود شد", "card_blocked"),
        ("payment failed at checkout, it was fixed now but it failed again just now", "cannot_pay"),
        ("dargah error midad, dorost shod vali dobare error mide", "cannot_pay"),
    ],
)
def test_a_fault_that_came_back_after_being_fixed_is_still_urgent(text: str, rule: str) -> None:
    assert rule in urgent_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        # the resolution comes last: the fault is over, whatever was said before it
        "کارتخوان دوباره قطع شد ولی الان درست شد",
        "payment failed again last night, working now, thanks again",
        "dargah dobare error dad vali dobare zadam ok shod",
    ],
)
def test_a_fault_that_is_over_at_the_end_of_the_message_is_not_reasserted(text: str) -> None:
    assert urgent_ids(text) == set()


# Rules default-2026.12e: the urgent kinds the model scored lowest out of fold (docs/triage.md,
# "Urgent rules for the kinds the model cannot score").
@pytest.mark.parametrize(
    "text",
    [
        "پسرم یکی از آهنرباهای اسباب بازی رو قورت داده",
        "my son swallowed a magnet from the toy set you sold us",
        "بخاری که خریدیم بوی گاز میده، بچه ها سرگیجه دارن",
        "I can smell gas since your technician installed the boiler",
        "boo gaz miad az bokhari, bache ha sargije daran",
        "شارژر تو پریز جرقه زد و ازش دود بلند شد",
        "the e-bike battery is hissing and too hot to touch",
        "پاوربانکی که خریدم داغ میشه و باتریش باد کرده",
        "my daughter fainted after the first dose",
        "courier shoved my elderly dad at the door",
    ],
)
def test_harm_in_everyday_words_is_urgent(text: str) -> None:
    assert "harm_everyday" in urgent_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "what happens if I smell gas after the installation?",
        "what should I do if my kid swallows one of the magnets?",
        "اگه بوی گاز بیاد چیکار کنم؟",
        "اگر بچه آهنربا رو قورت داد چیکار کنیم؟",
        "I nearly swallowed the little plastic tag in the bun",
        "از خنده غش کردم با این تبلیغتون",
        "بستنی که آوردید کامل ذوب شده بود",
        "the scarves bled in the wash and my whites are pink",
    ],
)
def test_a_question_about_harm_or_a_figure_of_speech_is_not_urgent(text: str) -> None:
    assert "harm_everyday" not in urgent_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "تو پروفایلم سفارشای یه نفر دیگه رو میبینم با آدرس خونه و تلفنش",
        "فاکتوری که برام ایمیل کردید مال یه مشتری دیگه ست، اسم و آدرسش توشه",
        "I can see someone else's orders and address in my account",
        "the confirmation has another customer's name, phone number and address on it",
        "your agent emailed me someone else's passport by mistake",
        "etelaate ye nafar dige ro too app mibinam",
    ],
)
def test_another_customers_data_shown_to_me_is_urgent(text: str) -> None:
    assert "data_exposed" in urgent_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "I received someone else's order instead of mine",
        "سفارش یه نفر دیگه رو برام آوردن",
        "Can I order for someone else's address and pay myself?",
        "can someone else see my address if I share my wishlist?",
    ],
)
def test_a_misdelivered_order_or_a_privacy_question_is_not_data_exposed(text: str) -> None:
    assert "data_exposed" not in urgent_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "یکی با اسم من از شما وام گرفته، من هیچ درخواستی ندادم",
        "یه خط به اسم من فعال شده که من نگرفتم",
        "someone opened a phone line in my name",
        "there's a loan on my credit file from you, I have never been your customer",
        "ye nafar be esme man vam gerefte",
    ],
)
def test_a_loan_or_line_opened_in_my_name_is_urgent(text: str) -> None:
    assert "opened_in_my_name" in urgent_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to open a second line in my name",
        "میخوام یه خط به اسم خودم بگیرم",
        "چطوری میشه سیمکارت رو به اسم خودم کنم؟",
        "the booking is in my name, can my wife check in?",
    ],
)
def test_asking_to_open_something_in_my_name_is_not_fraud(text: str) -> None:
    assert "opened_in_my_name" not in urgent_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "اگه درگاه پرداخت خطا داد چیکار کنم؟",
        "درصورتیکه کارتم مسدود شد چیکار کنم؟",
    ],
)
def test_persian_what_should_i_do_if_openers_veto_the_rule(text: str) -> None:
    # regression: written "چیکار|چکار|چه کار کنم" in 12d, which only matched "چیکار کار کنم"
    assert urgent_ids(text) == set()

"""Priority: the model's reading, raised by supervisor rules and by context, always with reasons."""

from __future__ import annotations

import math

import pytest

from pasokh.triage.doc import TriageContext
from pasokh.triage.engine import TriageEngine
from pasokh.triage.priority import context_boost, format_wait, model_level, ordinal
from pasokh.triage.rules import PriorityRules

URGENT_CASES = [
    # (Persian, English, reason the rule gives)
    (
        "از حسابم ۴۸۰ هزار تومن کم شد ولی هیچ سفارشی ثبت نشده",
        "Money left my account, $112, and there is no order in the app",
        "money taken but no order",
    ),
    (
        "نمی تونم پرداخت کنم، درگاه خطا میده",
        "payment declined every time at checkout",
        "payment failure blocks a purchase",
    ),
    (
        "اکانتم هک شده و رمزمو عوض کردن",
        "someone hacked my account and changed the email",
        "account hacked",
    ),
    (
        "كارتم مسدود شده وسط خرید",  # Arabic ك: folded before matching
        "my card got blocked at the register",
        "card or account blocked",
    ),
    (
        "یه برداشت غیرمجاز از حسابم شده",
        "I did not authorise this $640 transaction",
        "unauthorised transaction",
    ),
    (
        "بعد از غذای دیشب کل خانواده مسموم شدیم",
        "Got food poisoning from your chicken wrap",
        "health or safety",
    ),
]


@pytest.mark.parametrize(("fa", "en", "reason"), URGENT_CASES)
def test_urgent_phrases_in_both_languages(
    engine: TriageEngine, fa: str, en: str, reason: str
) -> None:
    for text in (fa, en):
        res = engine.triage(text, TriageContext(channel="instagram"))
        assert res.priority == "urgent", text
        assert any(r.startswith(reason) for r in res.reasons), res.reasons
        assert res.priority_confidence == 1.0  # a supervisor's rule, not a guess


@pytest.mark.parametrize(
    "text",
    [
        "نمی‌تونم پرداخت کنم",
        "نمیتونم پرداخت کنم",
        "نمی تونم پرداخت کنم",
        "nemitoonam pardakht konam",
        "pul kam shode vali sefaresh sabt nashode",
    ],
)
def test_zwnj_and_finglish_variants_hit_the_same_rule(engine: TriageEngine, text: str) -> None:
    res = engine.triage(text)
    assert res.priority == "urgent"


def test_the_first_reason_is_always_the_models_reading(engine: TriageEngine) -> None:
    res = engine.triage("سلام، ساعت کاری فروشگاه تا کیه؟")
    assert res.reasons and res.reasons[0].startswith("model rates it ")


RULES = PriorityRules.default()


@pytest.mark.parametrize(
    ("context", "negative", "boost", "reasons"),
    [
        (TriageContext(), True, 0, []),
        (TriageContext(is_vip=True), False, 1, ["VIP customer"]),
        (TriageContext(is_public=True, reach=340), True, 1, ["public post, 340 likes"]),
        (
            TriageContext(is_public=True, reach=340),
            False,
            0,
            [],
        ),  # public praise does not jump the queue
        (TriageContext(is_public=False, reach=340), True, 0, []),
        (TriageContext(is_public=True, reach=25_000), True, 2, ["public post, 25,000 likes"]),
        (TriageContext(waiting_seconds=3 * 3600), False, 1, ["waiting 3 h"]),
        (TriageContext(waiting_seconds=30 * 60), False, 0, []),
        (TriageContext(repeat_contacts=2), False, 1, ["3rd contact in 7 days"]),
        (
            TriageContext(is_vip=True, waiting_seconds=2 * 86400, repeat_contacts=5),
            True,
            2,
            ["VIP customer", "waiting 2 d", "6th contact in 7 days"],
        ),  # capped at max_context_boost
    ],
)
def test_context_raises_priority_with_reasons(
    context: TriageContext, negative: bool, boost: int, reasons: list[str]
) -> None:
    assert context_boost(context, RULES, negative=negative) == (boost, reasons)


def test_context_reasons_reach_the_result(engine: TriageEngine) -> None:
    ctx = TriageContext(
        channel="instagram",
        is_public=True,
        reach=340,
        is_vip=True,
        waiting_seconds=3 * 3600,
        repeat_contacts=2,
    )
    res = engine.triage("سفارشم دو ساعته نرسیده، افتضاحه", ctx)
    assert {
        "VIP customer",
        "public post, 340 likes",
        "waiting 3 h",
        "3rd contact in 7 days",
    } <= set(res.reasons)
    assert res.priority in ("high", "urgent")


def test_a_workspace_can_turn_context_boosts_off(engine: TriageEngine) -> None:
    calm = PriorityRules.model_validate(
        RULES.model_dump(mode="json")
        | {"vip_boost": 0, "waiting": [], "repeat_contacts": [], "reach": []}
    )
    ctx = TriageContext(is_vip=True, waiting_seconds=10 * 3600, repeat_contacts=9)
    plain = engine.triage("قیمت این کفش چنده؟")
    boosted = engine.triage("قیمت این کفش چنده؟", ctx, rules=calm)
    assert boosted.priority == plain.priority
    assert "VIP customer" not in boosted.reasons


def test_workspace_phrase_rules_apply_per_call(engine: TriageEngine) -> None:
    custom = PriorityRules.model_validate(
        {
            "version": "ws-7",
            "phrase_rules": [
                {
                    "id": "recall",
                    "reason": "product recall",
                    "level": "urgent",
                    "phrases": {"fa": ["فراخوان"], "en": ["recall notice"]},
                }
            ],
        }
    )
    res = engine.triage("این محصول فراخوان شده؟", rules=custom)
    assert res.priority == "urgent" and res.rules_version == "ws-7"
    assert 'product recall: "فراخوان"' in res.reasons


@pytest.mark.parametrize(
    ("scores", "thresholds", "expected"),
    [
        ({"low": 0.1, "normal": 0.6, "high": 0.1, "urgent": 0.2}, {}, "normal"),
        ({"low": 0.1, "normal": 0.6, "high": 0.1, "urgent": 0.2}, {"urgent": 0.15}, "urgent"),
        ({"low": 0.1, "normal": 0.6, "high": 0.1, "urgent": 0.2}, {"urgent": 0.3}, "normal"),
    ],
)
def test_model_level_uses_the_tuned_urgent_threshold(
    scores: dict[str, float], thresholds: dict[str, float], expected: str
) -> None:
    assert model_level(scores, thresholds)[0] == expected


@pytest.mark.parametrize(
    ("seconds", "text"), [(60, "1 min"), (45 * 60, "45 min"), (3 * 3600, "3 h"), (3 * 86400, "3 d")]
)
def test_format_wait(seconds: float, text: str) -> None:
    assert format_wait(seconds) == text


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (22, "22nd")]
)
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


def test_dispute_cues_match_billing_disputes_not_money_taken() -> None:
    from pasokh.triage.normalise import normalise
    from pasokh.triage.rules import has_dispute_cue

    assert has_dispute_cue(normalise("I cancelled my subscription but you renewed it"))
    assert has_dispute_cue(normalise("اشتراکمو لغو کردم ولی باز تمدید شد"), "fa")
    assert has_dispute_cue(normalise("eshterakam ro cancel kardam"), "fa-latn")
    assert not has_dispute_cue(normalise("پول از حسابم کم شد ولی سفارش ثبت نشد"), "fa")
    assert not has_dispute_cue(normalise("money left my account, no order"), "en")


def test_shipped_model_has_a_higher_threshold_for_dispute_wording() -> None:
    engine = TriageEngine.load()
    thresholds = engine.model.heads["priority"].info["thresholds"]
    assert thresholds["urgent_dispute"] >= thresholds["urgent"]


def test_a_thresholded_level_below_its_threshold_is_not_the_argmax_either() -> None:
    scores = {"low": 0.1, "normal": 0.25, "high": 0.3, "urgent": 0.35}
    assert model_level(scores, {"urgent": 0.4}) == ("high", 0.3)
    assert model_level(scores, {}) == ("urgent", 0.35)


def test_urgent_stack_weighs_p_urgent_by_the_category() -> None:
    from pasokh.triage.priority import UrgentStack

    stack = UrgentStack(
        {
            "urgent": 2.0,
            "category": {"technical": 0.6, "question": 0.0},
            "bias": 3.0,
            "thresholds": {"urgent": 0.3},
        }
    )
    fault = stack(0.3, {"technical": 0.9, "question": 0.1})
    ask = stack(0.3, {"technical": 0.1, "question": 0.9})
    assert 0.0 < ask < fault < 1.0
    z = 3.0 + 2.0 * math.log(0.3) + 0.6 * math.log(0.9)
    assert fault == pytest.approx(1 / (1 + math.exp(-z)))
    assert stack(0.0, {}) >= 0.0  # probabilities are floored before the log


def test_shipped_model_decides_urgent_on_the_stack() -> None:
    engine = TriageEngine.load()
    info = engine.model.heads["priority"].info
    stack = info["urgent_stack"]
    assert set(stack["category"]) == set(engine.model.heads["category"].classes)
    assert stack["thresholds"]["urgent_dispute"] >= stack["thresholds"]["urgent"]
    assert stack["threshold_tuning"]["recall"] >= 0.95
    res = engine.triage("از حسابم پول کم شد ولی سفارش ثبت نشد")
    assert res.priority == "urgent" and res.reasons[0].startswith("model rates it urgent")


def test_urgent_stack_is_ignored_when_the_category_labels_differ() -> None:
    from pasokh.triage.model import CompiledModel, Head
    from pasokh.triage.priority import PriorityStage
    from pasokh.triage.rules import PriorityRules

    model = TriageEngine.load().model
    cat = model.heads["category"]
    heads = {
        **model.heads,
        "category": Head("category", ("billing", *cat.classes[1:]), cat.space, cat.start, {}),
    }
    other = CompiledModel(config=model.config, spaces=model.spaces, heads=heads, version="x")
    stage = PriorityStage(other, PriorityRules.default())
    assert stage.stack is None
    assert stage.thresholds == model.heads["priority"].info["thresholds"]
    assert PriorityStage(model, PriorityRules.default()).stack is not None


def test_the_model_alone_does_not_make_urgent_what_does_not_read_as_a_fault() -> None:
    from pasokh.triage.priority import UrgentStack

    stack = UrgentStack(
        {
            "urgent": 2.0,
            "category": {"technical": 0.6, "complaint": 0.3, "question": 0.0},
            "bias": 3.0,
            "gate": {"categories": ["complaint", "technical"], "min": 0.3},
            "thresholds": {"urgent": 0.3},
        }
    )
    fault = {"priority": {"urgent": 0.6}, "category": {"technical": 0.2, "complaint": 0.15}}
    praise = {"priority": {"urgent": 0.6}, "category": {"technical": 0.1, "question": 0.85}}
    assert stack.urgent(fault) == pytest.approx(stack(0.6, fault["category"]))
    assert stack.urgent(fault) > 0.3
    assert stack.urgent(praise) == 0.0  # complaint + technical 0.1 < 0.3: the gate is shut


def test_the_stack_reads_p_urgent_from_the_head_it_names() -> None:
    from pasokh.triage.priority import UrgentStack

    spec = {"urgent": 1.0, "category": {"technical": 0.0}, "bias": 0.0}
    scores = {
        "priority": {"urgent": 0.2},
        "priority_unbalanced": {"urgent": 0.5},
        "category": {"technical": 1.0},
    }
    assert UrgentStack(spec).urgent(scores) == pytest.approx(0.2 / 1.2)  # sigmoid(log 0.2)
    hidden = UrgentStack({**spec, "input": "priority_unbalanced"})
    assert hidden.urgent(scores) == pytest.approx(0.5 / 1.5)


def test_shipped_stack_reads_an_unbalanced_hidden_head_behind_a_category_gate() -> None:
    engine = TriageEngine.load()
    heads = engine.model.heads
    stack = heads["priority"].info["urgent_stack"]
    hidden = heads[stack["input"]]
    assert hidden.info["hidden_for"] == "priority" and hidden.info["class_weight"] is None
    assert hidden.classes == heads["priority"].classes
    assert stack["gate"] == {"categories": ["complaint", "technical"], "min": 0.3}
    # a phrase rule is not gated: a card blocked is urgent whatever the category head reads
    assert engine.triage("my card got blocked at the register").priority == "urgent"


def test_a_fault_that_came_back_after_being_fixed_is_urgent_end_to_end(
    engine: TriageEngine,
) -> None:
    res = engine.triage("درگاه خطا میداد، درست شد ولی الان دوباره خطا میده و نمیتونم پرداخت کنم")
    assert res.priority == "urgent"
    assert any(r.startswith("payment failure blocks a purchase") for r in res.reasons)

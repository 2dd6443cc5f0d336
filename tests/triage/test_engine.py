"""The engine the ingest path calls: one result per message, hot-swappable model."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from pasokh.triage.doc import TriageContext, TriageDoc
from pasokh.triage.engine import TriageEngine, TriageResult
from pasokh.triage.errors import ModelError, PipelineError
from pasokh.triage.pipeline import DEFAULT_ORDER, Pipeline, build_pipeline
from pasokh.triage.rules import PriorityRules
from pasokh.triage.stages import CategoryStage, LanguageStage, NormaliseStage
from pasokh.triage.training import train

from .conftest import SMALL


@pytest.mark.parametrize(
    "text",
    [
        "سلام، سفارشم دو ساعته نرسیده 😡",
        "Hi, do you ship to Canada?",
        "salam, gheymat chande?",
        "😍😍😍",
        "",
    ],
)
def test_every_message_gets_a_full_result(engine: TriageEngine, text: str) -> None:
    res = engine.triage(text, TriageContext(channel="instagram", is_public=True, reach=340))
    assert res.category in {"feedback", "complaint", "question", "technical", "request", "other"}
    assert res.sentiment in {"positive", "neutral", "negative"}
    assert -1.0 <= res.sentiment_score <= 1.0
    assert res.priority in {"urgent", "high", "normal", "low"}
    assert res.language in {"fa", "en", "ar", "fa-latn", "other"}
    assert 0.0 <= res.confidence <= min(res.category_confidence, res.sentiment_confidence, 1.0)
    assert res.reasons and all(isinstance(r, str) for r in res.reasons)
    assert res.model_version == engine.model_version
    json.dumps(res.as_dict(include_scores=True), ensure_ascii=False)


def test_the_trace_says_which_stage_and_model_decided(engine: TriageEngine) -> None:
    res = engine.triage("کارتم مسدود شده")
    decided = {t.attr: (t.stage, t.version) for t in res.trace}
    assert set(decided) == {"language", "category", "sentiment", "priority"}
    assert decided["category"] == ("category", engine.model_version)
    assert decided["priority"][1].endswith("+rules:" + engine.rules.version)


def test_low_confidence_is_flagged_for_review_not_guessed_silently(small_model_dir: Path) -> None:
    strict = PriorityRules.model_validate(
        PriorityRules.default().model_dump(mode="json")
        | {"review": {"category_min": 0.999, "sentiment_min": 0.0, "priority_min": 0.0}}
    )
    res = TriageEngine.load(small_model_dir, strict).triage("یه سوال داشتم")
    assert res.needs_review
    assert any(r.startswith("category uncertain") for r in res.review_reasons)


def test_unsupported_language_is_flagged(engine: TriageEngine) -> None:
    res = engine.triage("Привет, где мой заказ?")
    assert res.language == "other" and res.needs_review


def test_rules_can_be_given_as_json_dicts(small_model_dir: Path) -> None:
    data = PriorityRules.default().model_dump(mode="json") | {"version": "ws-json"}
    assert TriageEngine.load(small_model_dir, data).rules.version == "ws-json"


def _second_model(train_rows: list[dict[str, Any]], out: Path) -> str:
    return train([train_rows[::2]], out, name="second", config=SMALL, use_base=False).version


def test_reload_swaps_the_model_while_requests_flow(
    engine: TriageEngine, train_rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    first = engine.model_version
    second = _second_model(train_rows, tmp_path / "second")
    seen: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def hammer() -> None:
        try:
            while not stop.is_set():
                seen.add(engine.triage("پولم کم شد ولی سفارش ثبت نشد").model_version)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=hammer) for _ in range(3)]
    for w in workers:
        w.start()
    assert engine.reload(tmp_path / "second") == second
    for _ in range(200):
        if second in seen:
            break
        threading.Event().wait(0.01)
    stop.set()
    for w in workers:
        w.join()
    assert not errors
    assert seen <= {first, second} and second in seen
    assert engine.triage("hi").model_version == second


def test_a_bad_model_never_replaces_the_serving_one(
    engine: TriageEngine, small_model_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(small_model_dir, broken)
    (broken / "space-0.npz").write_bytes(b"not an array")
    before = engine.model_version
    with pytest.raises(ModelError):
        engine.reload(broken)
    assert engine.model_version == before


def test_pipeline_checks_the_chain_at_construction(small_model: Any) -> None:
    review = PriorityRules.default().review
    with pytest.raises(PipelineError, match="requires \\['tokens'\\]"):
        Pipeline([LanguageStage(), CategoryStage(small_model, review)])
    with pytest.raises(PipelineError, match="unknown stage"):
        build_pipeline(small_model, PriorityRules.default(), ["normalise", "spellcheck"])
    ok = Pipeline([NormaliseStage(), LanguageStage(), CategoryStage(small_model, review)])
    assert ok.names == ("normalise", "language", "category")
    doc = ok(TriageDoc(raw="سلام"))
    assert doc.category and doc.language == "fa"


def test_default_stage_order() -> None:
    assert DEFAULT_ORDER == ("normalise", "language", "category", "sentiment", "priority")


def test_shipped_engine_loads_with_defaults() -> None:
    engine = TriageEngine.load()
    res = engine.triage("سلام، سفارشم کجاست؟", TriageContext(channel="instagram"))
    assert isinstance(res, TriageResult) and res.model_version.startswith("corpus-")


def test_a_batch_gives_the_same_results_as_one_at_a_time(
    engine: TriageEngine, heldout_rows: list[dict[str, Any]]
) -> None:
    items = [(r["text"], TriageContext(channel=r["channel"])) for r in heldout_rows]
    one_by_one = [engine.triage(text, ctx) for text, ctx in items]
    batched = engine.triage_many(items, batch_size=7)
    for a, b in zip(batched, one_by_one, strict=True):
        assert (a.category, a.sentiment, a.priority, a.language, a.reasons, a.needs_review) == (
            b.category,
            b.sentiment,
            b.priority,
            b.language,
            b.reasons,
            b.needs_review,
        )
        assert a.confidence == pytest.approx(b.confidence, abs=1e-3)
        assert a.sentiment_score == pytest.approx(b.sentiment_score, abs=1e-3)


def test_text_prepared_ahead_then_finished_in_context_equals_one_call(
    engine: TriageEngine, heldout_rows: list[dict[str, Any]]
) -> None:
    # Ingest scores the text before its transaction and adds the conversation's context
    # inside it: the result must be the one a single call gives, reasons and all.
    strict = PriorityRules.model_validate(
        {**engine.rules.model_dump(mode="json"), "version": "strict",
         "review": {"category_min": 0.9, "sentiment_min": 0.9, "priority_min": 0.9}})
    rows = heldout_rows[:120]
    contexts = [TriageContext(channel=r["channel"], is_public=i % 3 == 0, reach=i * 41,
                              is_vip=i % 7 == 0, waiting_seconds=i * 97.0,
                              repeat_contacts=i % 5) for i, r in enumerate(rows)]
    for rules in (None, strict):
        prepared = engine.prepare_many([(r["text"], None) for r in rows], rules=rules)
        for row, ctx, ready in zip(rows, contexts, prepared, strict=True):
            whole = engine.triage(row["text"], ctx, rules=rules)
            assert engine.finish(ready, ctx).as_dict() == whole.as_dict()


def test_a_message_prepared_before_a_reload_is_finished_by_the_model_that_scored_it(
    engine: TriageEngine, small_model_dir: Path
) -> None:
    [ready] = engine.prepare_many([("پول از حسابم کم شد ولی سفارش ثبت نشد", None)])
    engine.reload()  # the shipped model replaces the small one
    result = engine.finish(ready, TriageContext(channel="webchat"))
    assert result.model_version.startswith("small-")
    assert engine.model_version.startswith("corpus-")

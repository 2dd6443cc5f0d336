"""The triage service object: load a model and rules, triage texts, hot-swap the model."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pasokh.triage.doc import TraceEntry, TriageContext, TriageDoc
from pasokh.triage.model import CompiledModel, load_model
from pasokh.triage.pipeline import DEFAULT_ORDER, Pipeline, build_pipeline
from pasokh.triage.rules import PriorityRules

__all__ = ["Prepared", "TriageContext", "TriageEngine", "TriageResult"]


@dataclass(frozen=True, slots=True)
class TriageResult:
    """What triage decided about one message, with its reasons and the model that decided."""

    category: str
    category_confidence: float
    sentiment: str
    sentiment_confidence: float
    sentiment_score: float
    priority: str
    priority_confidence: float
    language: str
    confidence: float  # the weakest of the three head confidences
    reasons: list[str]
    needs_review: bool
    review_reasons: list[str]
    model_version: str
    rules_version: str
    trace: tuple[TraceEntry, ...] = field(default=(), repr=False)
    # head -> {label: probability}: the model's full distributions, before rules and context
    scores: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_doc(cls, doc: TriageDoc, *, model_version: str, rules_version: str) -> TriageResult:
        """Freeze a finished doc into a result."""
        return cls(
            category=doc.category,
            category_confidence=round(doc.category_confidence, 4),
            sentiment=doc.sentiment,
            sentiment_confidence=round(doc.sentiment_confidence, 4),
            sentiment_score=doc.sentiment_score,
            priority=doc.priority,
            priority_confidence=round(doc.priority_confidence, 4),
            language=doc.language,
            confidence=round(
                min(doc.category_confidence, doc.sentiment_confidence, doc.priority_confidence), 4
            ),
            reasons=list(doc.reasons),
            needs_review=doc.needs_review,
            review_reasons=list(doc.review_reasons),
            model_version=model_version,
            rules_version=rules_version,
            trace=tuple(doc.trace),
            scores=doc.scores or {},
        )

    def as_dict(self, *, include_scores: bool = False) -> dict[str, Any]:
        """Return a JSON-ready dict (the trace as a list of small dicts)."""
        skip = {"trace", "scores"}
        out = {k: getattr(self, k) for k in self.__slots__ if k not in skip}
        if include_scores:
            out["scores"] = {
                h: {k: round(v, 4) for k, v in s.items()} for h, s in self.scores.items()
            }
        out["trace"] = [
            {"stage": t.stage, "version": t.version, "attr": t.attr, "value": t.value}
            for t in self.trace
        ]
        return out


@dataclass(slots=True)
class Prepared:
    """A message scored by the text-only stages, waiting for its context (`finish`)."""

    doc: TriageDoc
    state: _State
    rules: PriorityRules


@dataclass(frozen=True, slots=True)
class _State:
    model: CompiledModel
    rules: PriorityRules
    pipeline: Pipeline
    # pipelines for workspaces' own rules, by id(rules); the rules object is kept alive in
    # the value so its id cannot be reused while cached
    by_rules: dict[int, tuple[PriorityRules, Pipeline]] = field(default_factory=dict)

    def pipeline_for(self, rules: PriorityRules, order: Sequence[str]) -> Pipeline:
        hit = self.by_rules.get(id(rules))
        if hit is not None and hit[0] is rules:
            return hit[1]
        pipeline = build_pipeline(self.model, rules, order)
        if len(self.by_rules) >= 256:
            self.by_rules.clear()
        self.by_rules[id(rules)] = (rules, pipeline)
        return pipeline


class TriageEngine:
    """Thread-safe triage; `reload` swaps the model atomically while requests keep flowing."""

    def __init__(
        self, model: CompiledModel, rules: PriorityRules, order: Sequence[str] = DEFAULT_ORDER
    ) -> None:
        self._order = tuple(order)
        self._lock = threading.Lock()
        _warm(model, rules)
        self._state = _State(model, rules, build_pipeline(model, rules, self._order))

    @classmethod
    def load(
        cls,
        model_dir: Path | str | None = None,
        rules: PriorityRules | dict[str, Any] | None = None,
        order: Sequence[str] = DEFAULT_ORDER,
    ) -> TriageEngine:
        """Load a model directory (None → shipped) and rules (None → shipped defaults)."""
        return cls(load_model(model_dir), _as_rules(rules), order)

    @property
    def model_version(self) -> str:
        """Return the version of the model currently serving."""
        return self._state.model.version

    @property
    def model(self) -> CompiledModel:
        """Return the model currently serving."""
        return self._state.model

    @property
    def rules(self) -> PriorityRules:
        """Return the rules currently in force."""
        return self._state.rules

    def triage(
        self,
        text: str,
        context: TriageContext | None = None,
        *,
        rules: PriorityRules | dict[str, Any] | None = None,
    ) -> TriageResult:
        """Triage one message (optionally with a workspace's own rules)."""
        state = self._state  # one read: a concurrent reload never mixes two models
        pipeline = state.pipeline
        used_rules = state.rules
        if rules is not None:
            used_rules = _as_rules(rules)
            pipeline = state.pipeline_for(used_rules, self._order)
        doc = pipeline.run(text, context)
        return TriageResult.from_doc(
            doc, model_version=state.model.version, rules_version=used_rules.version
        )

    def triage_many(
        self, items: Iterable[tuple[str, TriageContext | None]], *, batch_size: int = 256
    ) -> list[TriageResult]:
        """Triage many messages in batches (stage by stage: faster than one at a time)."""
        state = self._state
        version, rules_version = state.model.version, state.rules.version
        results: list[TriageResult] = []
        batch: list[TriageDoc] = []
        for text, ctx in items:
            batch.append(TriageDoc(raw=text, context=ctx or TriageContext()))
            if len(batch) >= batch_size:
                results.extend(self._finish(state.pipeline.pipe(batch), version, rules_version))
                batch = []
        if batch:
            results.extend(self._finish(state.pipeline.pipe(batch), version, rules_version))
        return results

    def prepare_many(
        self, items: Sequence[tuple[str, str | None]], *, rules: PriorityRules | None = None
    ) -> list[Prepared]:
        """Run the stages that need only the text and the channel's language hint
        (normalise, language, the model's scores) on a batch; `finish` adds the context.

        Ingest calls this before it opens its transaction, so the database's write lock
        is held only for the part that depends on the conversation.
        """
        state = self._state
        used = rules if rules is not None else state.rules
        pipeline = state.pipeline if rules is None else state.pipeline_for(used, self._order)
        head, tail = pipeline.split()
        docs = head.pipe([TriageDoc(raw=text, context=TriageContext(lang_hint=hint))
                          for text, hint in items])
        for stage in tail.stages:  # the text-only part of a contextual stage, if it has one
            prepare = getattr(stage, "prepare", None)
            if prepare is None:
                break
            for doc in docs:
                prepare(doc)
        return [Prepared(doc, state, used) for doc in docs]

    def finish(self, prepared: Prepared, context: TriageContext) -> TriageResult:
        """Triage a prepared message in its context: the same result as `triage`."""
        state, rules, doc = prepared.state, prepared.rules, prepared.doc
        pipeline = state.pipeline if rules is state.rules \
            else state.pipeline_for(rules, self._order)
        _, tail = pipeline.split()
        doc.context = replace(context, lang_hint=doc.context.lang_hint)
        doc = tail(doc)
        return TriageResult.from_doc(doc, model_version=state.model.version,
                                     rules_version=rules.version)

    @staticmethod
    def _finish(docs: list[TriageDoc], version: str, rules_version: str) -> list[TriageResult]:
        return [
            TriageResult.from_doc(d, model_version=version, rules_version=rules_version)
            for d in docs
        ]

    def reload(self, model_dir: Path | str | None = None) -> str:
        """Load and verify a model, then swap it in atomically; return its version."""
        model = load_model(model_dir)  # slow part outside the lock; a bad model raises here
        _warm(model, self._state.rules)
        with self._lock:
            rules = self._state.rules
            self._state = _State(model, rules, build_pipeline(model, rules, self._order))
        return model.version

    def set_rules(self, rules: PriorityRules | dict[str, Any]) -> None:
        """Swap the default rules atomically."""
        new_rules = _as_rules(rules)
        _warm(self._state.model, new_rules)
        with self._lock:
            model = self._state.model
            self._state = _State(model, new_rules, build_pipeline(model, new_rules, self._order))


def _warm(model: CompiledModel, rules: PriorityRules) -> None:
    # build serving matrices and compile phrase regexes before the first message needs them
    model.warm()
    _ = rules.matcher


def _as_rules(rules: PriorityRules | dict[str, Any] | None) -> PriorityRules:
    if rules is None:
        return PriorityRules.default()
    if isinstance(rules, PriorityRules):
        return rules
    return PriorityRules.parse(rules)

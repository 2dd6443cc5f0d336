"""The named stages of the triage pipeline: normalise, language, category, sentiment.

Every stage is a pure callable ``TriageDoc -> TriageDoc`` that declares what it
``requires`` and ``assigns``; model stages split ``predict(docs)`` from
``set_annotations(docs, predictions)`` so a batch can be scored together.
The priority stage lives in ``priority.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol

from pasokh.triage.doc import TriageDoc
from pasokh.triage.errors import ModelError
from pasokh.triage.language import detect_language
from pasokh.triage.model import CompiledModel
from pasokh.triage.normalise import normalise
from pasokh.triage.rules import ReviewPolicy

NORMALISE_VERSION = "normalise-1"
LANGUAGE_VERSION = "language-1"

Scores = dict[str, float]


class Stage(Protocol):
    """A named pipeline step with declared inputs and outputs."""

    @property
    def name(self) -> str: ...

    @property
    def requires(self) -> frozenset[str]: ...

    @property
    def assigns(self) -> frozenset[str]: ...

    def __call__(self, doc: TriageDoc) -> TriageDoc: ...


class NormaliseStage:
    """Canonical text and tokens for the model and the phrase rules."""

    name = "normalise"
    requires = frozenset({"raw"})
    assigns = frozenset({"norm", "tokens"})

    def __call__(self, doc: TriageDoc) -> TriageDoc:
        doc.norm = normalise(doc.raw)
        doc.tokens = doc.norm.split()
        return doc


class LanguageStage:
    """Language from the raw text (never the folded one), the channel's hint as fallback."""

    name = "language"
    requires = frozenset({"raw", "context"})
    assigns = frozenset({"language"})

    def __call__(self, doc: TriageDoc) -> TriageDoc:
        doc.language = detect_language(doc.raw, doc.context.lang_hint)
        doc.record(self.name, LANGUAGE_VERSION, "language", doc.language)
        if doc.language == "other" and any(ch.isalpha() for ch in doc.raw):
            doc.flag("language not supported by the model (other)")
        return doc


def model_scores(doc: TriageDoc, model: CompiledModel) -> dict[str, Scores]:
    """Score every head once per doc and cache the result on it."""
    if doc.scores is None:
        doc.scores = model.score(doc.tokens)
    return doc.scores


def model_scores_many(docs: Sequence[TriageDoc], model: CompiledModel) -> None:
    """Score, in one batch, every doc that has no scores yet."""
    todo = [doc for doc in docs if doc.scores is None]
    for doc, scores in zip(todo, model.score_many([d.tokens for d in todo]), strict=True):
        doc.scores = scores


def top(scores: Scores) -> tuple[str, float]:
    """Return the best label and its probability."""
    label = max(scores, key=scores.__getitem__)
    return label, scores[label]


def runner_up(scores: Scores) -> tuple[str, float]:
    """Return the second-best label and its probability."""
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    return ranked[1] if len(ranked) > 1 else ranked[0]


class _ModelStage:
    head: ClassVar[str]
    name: ClassVar[str]
    requires: ClassVar[frozenset[str]] = frozenset({"tokens"})

    def __init__(self, model: CompiledModel, review: ReviewPolicy) -> None:
        if self.head not in model.heads:
            raise ModelError(f"model {model.version} has no {self.head!r} head")
        self.model = model
        self.review = review

    def predict(self, docs: Sequence[TriageDoc]) -> list[Scores]:
        """Return this head's probabilities for each doc."""
        if len(docs) > 1:
            model_scores_many(docs, self.model)
        return [model_scores(doc, self.model)[self.head] for doc in docs]

    def set_annotations(self, docs: Sequence[TriageDoc], preds: Sequence[Scores]) -> None:
        """Write predictions onto the docs."""
        for doc, scores in zip(docs, preds, strict=True):
            self.annotate(doc, scores)

    def annotate(self, doc: TriageDoc, scores: Scores) -> None:
        raise NotImplementedError

    def __call__(self, doc: TriageDoc) -> TriageDoc:
        self.set_annotations([doc], self.predict([doc]))
        return doc


class CategoryStage(_ModelStage):
    """feedback / complaint / question / technical / request / other (or a centre's own)."""

    head = "category"
    name = "category"
    assigns = frozenset({"category", "category_confidence"})

    def annotate(self, doc: TriageDoc, scores: Scores) -> None:
        doc.category, doc.category_confidence = top(scores)
        doc.record(self.name, self.model.version, "category", doc.category)
        if doc.category_confidence < self.review.category_min:
            second, p2 = runner_up(scores)
            first = f"{doc.category} {doc.category_confidence:.0%}"
            doc.flag(f"category uncertain: {first} vs {second} {p2:.0%}")


class SentimentStage(_ModelStage):
    """positive / neutral / negative, and a score in [-1, 1] = P(positive) − P(negative)."""

    head = "sentiment"
    name = "sentiment"
    assigns = frozenset({"sentiment", "sentiment_confidence", "sentiment_score"})

    def annotate(self, doc: TriageDoc, scores: Scores) -> None:
        doc.sentiment, doc.sentiment_confidence = top(scores)
        doc.sentiment_score = round(scores.get("positive", 0.0) - scores.get("negative", 0.0), 4)
        doc.record(self.name, self.model.version, "sentiment", doc.sentiment)
        if doc.sentiment_confidence < self.review.sentiment_min:
            doc.flag(f"sentiment uncertain: {doc.sentiment} {doc.sentiment_confidence:.0%}")

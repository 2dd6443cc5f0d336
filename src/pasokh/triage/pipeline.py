"""A checked chain of stages; the stage order is configuration, not code."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pasokh.triage.doc import INITIAL_ATTRS, TriageContext, TriageDoc
from pasokh.triage.errors import PipelineError
from pasokh.triage.model import CompiledModel
from pasokh.triage.priority import PriorityStage
from pasokh.triage.rules import PriorityRules
from pasokh.triage.stages import (
    CategoryStage,
    LanguageStage,
    NormaliseStage,
    SentimentStage,
    Stage,
)

DEFAULT_ORDER = ("normalise", "language", "category", "sentiment", "priority")
# The first stage that reads the conversation's context (waiting time, repeat contacts,
# VIP, reach); every stage before it depends on the text and the channel's hint alone.
CONTEXTUAL_STAGE = "priority"

StageFactory = Callable[[CompiledModel, PriorityRules], Stage]

FACTORIES: dict[str, StageFactory] = {
    "normalise": lambda model, rules: NormaliseStage(),
    "language": lambda model, rules: LanguageStage(),
    "category": lambda model, rules: CategoryStage(model, rules.review),
    "sentiment": lambda model, rules: SentimentStage(model, rules.review),
    "priority": lambda model, rules: PriorityStage(model, rules),
}


class Pipeline:
    """Stages run in order; construction fails if one needs what no earlier one assigns."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        check_chain(stages)
        self.stages = tuple(stages)
        self._parts: dict[str, tuple[Pipeline, Pipeline]] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Return the stage names in order."""
        return tuple(s.name for s in self.stages)

    def __call__(self, doc: TriageDoc) -> TriageDoc:
        for stage in self.stages:
            doc = stage(doc)
        return doc

    def pipe(self, docs: list[TriageDoc]) -> list[TriageDoc]:
        """Run a batch stage by stage; model stages score the whole batch at once."""
        for stage in self.stages:
            predict = getattr(stage, "predict", None)
            if predict is not None:
                stage.set_annotations(docs, predict(docs))  # type: ignore[attr-defined]
            else:
                docs = [stage(doc) for doc in docs]
        return docs

    def split(self, first_contextual: str = CONTEXTUAL_STAGE) -> tuple[Pipeline, Pipeline]:
        """(stages before `first_contextual`, the rest): the first part reads only the
        text and the channel's language hint, so it can run before the message's
        conversation is known (outside the database transaction)."""
        parts = self._parts.get(first_contextual)
        if parts is None:
            names = self.names
            cut = names.index(first_contextual) if first_contextual in names else len(names)
            parts = self._parts[first_contextual] = (
                _unchecked(self.stages[:cut]), _unchecked(self.stages[cut:]))
        return parts

    def run(self, text: str, context: TriageContext | None = None) -> TriageDoc:
        """Triage one text."""
        return self(TriageDoc(raw=text, context=context or TriageContext()))


def _unchecked(stages: Sequence[Stage]) -> Pipeline:
    # a part of a checked pipeline: its later stages rely on what the earlier part assigned
    part = Pipeline.__new__(Pipeline)
    part.stages, part._parts = tuple(stages), {}
    return part


def check_chain(stages: Sequence[Stage]) -> None:
    """Raise PipelineError unless every stage's requirements are met by earlier stages."""
    available = set(INITIAL_ATTRS)
    for position, stage in enumerate(stages):
        missing = stage.requires - available
        if missing:
            raise PipelineError(
                f"stage {position} ({stage.name!r}) requires {sorted(missing)}, "
                f"which no earlier stage assigns"
            )
        available |= stage.assigns


def build_pipeline(
    model: CompiledModel, rules: PriorityRules, order: Sequence[str] = DEFAULT_ORDER
) -> Pipeline:
    """Build the pipeline named by `order` for a model and a set of rules."""
    unknown = [n for n in order if n not in FACTORIES]
    if unknown:
        raise PipelineError(f"unknown stage(s) {unknown}; known: {sorted(FACTORIES)}")
    return Pipeline([FACTORIES[name](model, rules) for name in order])

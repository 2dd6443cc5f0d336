"""The document the triage stages pass along, and the context a message arrives with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Attributes a fresh TriageDoc already carries; stages may require them without an assigner.
INITIAL_ATTRS: frozenset[str] = frozenset({"raw", "context"})


@dataclass(frozen=True, slots=True)
class TriageContext:
    """What the channel knows about a message besides its text."""

    channel: str = "unknown"
    is_public: bool = False
    reach: int = 0  # likes / followers / views of the public post the comment sits on
    is_vip: bool = False
    waiting_seconds: float = 0.0
    repeat_contacts: int = 0  # contacts from this customer in the last 7 days
    lang_hint: str | None = None


class TraceEntry(NamedTuple):
    """One decision: which stage (and model version) set which attribute to what."""

    stage: str
    version: str
    attr: str
    value: str


@dataclass(slots=True)
class TriageDoc:
    """A message on its way through the pipeline: raw text, annotations and their trace."""

    raw: str
    context: TriageContext = field(default_factory=TriageContext)
    norm: str = ""
    tokens: list[str] = field(default_factory=list)
    language: str = ""
    category: str = ""
    category_confidence: float = 0.0
    sentiment: str = ""
    sentiment_confidence: float = 0.0
    sentiment_score: float = 0.0
    priority: str = ""
    priority_confidence: float = 0.0
    reasons: list[str] = field(default_factory=list)
    needs_review: bool = False
    review_reasons: list[str] = field(default_factory=list)
    # head name -> {label: probability}; filled once per doc by the model, shared by stages
    scores: dict[str, dict[str, float]] | None = None
    # the priority stage's text-only verdict (level, confidence, reasons) before context
    priority_base: tuple[str, float, list[str]] | None = None
    trace: list[TraceEntry] = field(default_factory=list)

    def record(self, stage: str, version: str, attr: str, value: Any) -> None:
        """Append a trace entry saying which stage decided an attribute."""
        self.trace.append(TraceEntry(stage, version, attr, str(value)))

    def flag(self, reason: str) -> None:
        """Mark the doc for human review, saying why."""
        self.needs_review = True
        if reason not in self.review_reasons:
            self.review_reasons.append(reason)

"""What ingest needs from the triage engine, as protocols (no import of the engine)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class TriageOutcome(Protocol):
    """The fields of a triage result that ingest stores (read-only)."""

    @property
    def category(self) -> str: ...
    @property
    def category_confidence(self) -> float: ...
    @property
    def sentiment(self) -> str: ...
    @property
    def sentiment_score(self) -> float: ...
    @property
    def priority(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def reasons(self) -> list[str]: ...
    @property
    def needs_review(self) -> bool: ...
    @property
    def model_version(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


class Triager(Protocol):
    """The triage engine as ingest sees it (pasokh.triage.engine.TriageEngine)."""

    def triage_message(self, text: str, *, workspace_id: int, channel: str, is_public: bool,
                       reach: int, is_vip: bool, waiting_seconds: float,
                       repeat_contacts: int) -> TriageOutcome: ...


def prepare_texts(triager: Triager, items: Sequence[tuple[str, int]]) -> Sequence[Any] | None:
    """`triager.prepare(items)` when the triager can score texts ahead of their context
    (WorkspaceTriager: then `triage_message(..., prepared=p)` only adds what depends on the
    conversation, so ingest's write lock is held for less); None when it cannot."""
    prepare = getattr(triager, "prepare", None)
    return prepare(items) if prepare is not None else None

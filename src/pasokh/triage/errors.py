"""Errors the triage package raises: a stable code and a sentence a user can act on."""

from __future__ import annotations

from pasokh.errors import PasokhError


class TriageError(PasokhError):
    """Base of the triage errors."""

    status_code = 400
    code = "T000"


class DataError(TriageError):
    """A line of labelled or input JSONL cannot be used."""

    code = "T001"

    def __init__(self, message: str, *, source: str = "", line: int = 0) -> None:
        where = f"{source}:{line}: " if source or line else ""
        super().__init__(f"{where}{message}", details={"source": source, "line": line})
        self.source = source
        self.line = line


class ModelError(TriageError):
    """A model directory is missing, incomplete or was changed after it was saved."""

    status_code = 500
    code = "T002"


class RulesError(TriageError):
    """Priority rules do not validate."""

    status_code = 422
    code = "T003"


class PipelineError(TriageError):
    """The stages of a pipeline do not chain: one needs what no earlier stage assigns."""

    status_code = 500
    code = "T004"

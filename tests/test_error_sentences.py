"""Every error a person can see has a Persian sentence beside the English one.

Pasokh is Persian-first: a supervisor on a Persian page who makes a mistake reads what
went wrong in Persian. The check reads the source, so a new `raise` without its Persian
sentence fails here, not in front of a customer's agent.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pasokh import errors
from pasokh.errors import BadRequest, NotFound

SRC = Path(errors.__file__).resolve().parent
USER_FACING = {"BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict",
               "PayloadTooLarge", "Unprocessable", "ServiceUnavailable"}


def _raises_without_persian() -> list[str]:
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue  # raised at once or returned to be raised later: both are seen
            name = call.func.id if isinstance(call.func, ast.Name) else None
            if name not in USER_FACING:
                continue
            # A sentence already looked up in the reader's words (i18n.word) needs no twin.
            first = call.args[0] if call.args else None
            looked_up = isinstance(first, ast.Call) and "word" in ast.unparse(first.func)
            if not looked_up and not any(k.arg == "fa" for k in call.keywords):
                missing.append(f"{path.relative_to(SRC)}:{call.lineno}")
    return missing


def test_every_user_facing_error_is_written_in_persian_too() -> None:
    assert _raises_without_persian() == []


def test_the_sentence_follows_the_readers_language() -> None:
    error = NotFound("Team 7 does not exist in this workspace.",
                     fa="تیم 7 در این فضای کاری نیست.")
    assert error.sentence("fa") == "تیم 7 در این فضای کاری نیست."
    assert error.sentence("en") == "Team 7 does not exist in this workspace."
    assert error.as_dict("fa") == {"code": "E404", "detail": "تیم 7 در این فضای کاری نیست."}


@pytest.mark.parametrize("locale", ["fa", "en"])
def test_an_error_without_persian_falls_back_to_english(locale: str) -> None:
    assert BadRequest("limit must be between 1 and 200.").sentence(locale) == \
        "limit must be between 1 and 200."

"""Reading JSONL messages with an exact error (file, line, reason) for a bad line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pasokh.triage.errors import DataError

MAX_TEXT_CHARS = 20_000  # customer text is untrusted: refuse absurd sizes instead of choking


def parse_lines(lines: Iterable[str], source: str = "<stdin>") -> Iterator[dict[str, Any]]:
    """Yield one message dict per non-blank line; raise DataError naming a bad line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"not valid JSON ({exc.msg} at column {exc.colno})", source=source, line=number
            ) from exc
        yield check_row(obj, source=source, line=number)


def check_row(obj: Any, *, source: str = "", line: int = 0) -> dict[str, Any]:
    """Return obj if it is a message object with a usable text; raise DataError otherwise."""
    if not isinstance(obj, dict):
        raise DataError(
            f"expected a JSON object, got {type(obj).__name__}", source=source, line=line
        )
    text = obj.get("text")
    if not isinstance(text, str):
        raise DataError('missing "text" (a string)', source=source, line=line)
    if len(text) > MAX_TEXT_CHARS:
        raise DataError(
            f'"text" is longer than {MAX_TEXT_CHARS} characters', source=source, line=line
        )
    for field in ("category", "sentiment", "priority", "channel", "lang"):
        value = obj.get(field)
        if value is not None and not isinstance(value, str):
            raise DataError(f'"{field}" must be a string', source=source, line=line)
    return obj


def read_jsonl(path: Path | str) -> list[dict[str, Any]]:
    """Read a whole JSONL file of messages."""
    p = Path(path)
    try:
        with p.open(encoding="utf-8") as fh:
            return list(parse_lines(fh, source=str(p)))
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text ({exc.reason})", source=str(p)) from exc
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", source=str(p)) from exc

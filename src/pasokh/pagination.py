"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import json
from typing import Any

from pasokh.errors import BadRequest

MAX_LIMIT = 200
CURSOR_EN = "The cursor is not valid; use the next_cursor of a previous page."
CURSOR_FA = "نشانگر صفحه معتبر نیست؛ next_cursor صفحهٔ پیشین را بفرستید."


def encode_cursor(values: list[Any]) -> str:
    """Pack the sort key of the last row into an opaque cursor."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, length: int) -> list[Any]:
    """Unpack a cursor made by encode_cursor; BadRequest if it was tampered with."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(CURSOR_EN, fa=CURSOR_FA) from exc
    if not isinstance(values, list) or len(values) != length:
        raise BadRequest(CURSOR_EN, fa=CURSOR_FA)
    return values


def check_limit(limit: int) -> int:
    """A page size between 1 and MAX_LIMIT."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}.",
                         fa=f"limit باید بین ۱ و {MAX_LIMIT} باشد.")
    return limit

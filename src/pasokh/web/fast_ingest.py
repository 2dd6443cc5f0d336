"""The hot path of `POST /api/v1/messages`, beside (not instead of) the FastAPI route.

A busy channel posts hundreds of messages a second; FastAPI's routing over every page,
its dependency injection and its middleware layers cost about as much as storing the
message. This ASGI middleware answers the ordinary case itself — a cached bearer token
allowed to push, a body pydantic accepts, a text within the limit — through exactly the
same writer and the same response model. Anything else (no or uncached token, invalid
JSON, a missing field, an oversized text, a cookie session) is handed to the FastAPI route
with the body replayed, so every error keeps its one definition there.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pasokh.errors import PasokhError
from pasokh.inbox import service as inbox
from pasokh.ingest.schemas import MessageCreate
from pasokh.web.api import STORE_TIMEOUT, inbound_of, stored_read
from pasokh.web.auth import PUSHERS

PATH = "/api/v1/messages"
_PUSHERS = frozenset(PUSHERS)


class FastIngest:
    """ASGI middleware: store an ordinary pushed message without the framework's detours."""

    def __init__(self, app: ASGIApp, *, state: Any, max_bytes: int) -> None:
        self.app = app
        self.state = state  # the FastAPI app's state: settings, ingest writer, token cache
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        principal = self._principal(headers)
        if principal is None:
            await self.app(scope, receive, send)
            return
        body, more = await _read(receive, self.max_bytes)
        replay = _replayer(body, more, receive)
        inbound = self._inbound(body, headers) if not more else None
        if inbound is None:
            await self.app(scope, replay, send)
            return
        future = self.state.ingest.submit(principal.workspace_id, inbound)
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), STORE_TIMEOUT)
        except TimeoutError:
            # Still queued or running: let the route wait again (a retry is a no-op).
            await self.app(scope, replay, send)
            return
        if isinstance(result, PasokhError):
            await _json(send, result.status_code, json.dumps(result.as_dict()).encode())
        elif result.created:
            await _json(send, 201, stored_read(result, inbound).model_dump_json().encode())
        else:
            read = await run_in_threadpool(self._stored_message, principal.workspace_id,
                                           result.message_id)
            await _json(send, 200, read.encode())

    def _principal(self, headers: dict[bytes, bytes]) -> Any:
        if b"cookie" in headers and b"authorization" not in headers:
            return None
        scheme, _, secret = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        principal = self.state.tokens.get(secret.strip())
        return principal if principal is not None and principal.role in _PUSHERS else None

    def _inbound(self, body: bytes, headers: dict[bytes, bytes]) -> Any:
        key = headers.get(b"idempotency-key")
        if key is not None and len(key) > 200:
            return None
        try:
            data = MessageCreate.model_validate_json(body)
        except ValidationError:
            return None
        if len(data.text) > self.state.settings.max_message_chars:
            return None
        return inbound_of(data, key.decode("utf-8", "replace") if key is not None else None)

    def _stored_message(self, workspace_id: int, message_id: int) -> str:
        with self.state.db.read() as session:
            return inbox.get_message(session=session, workspace_id=workspace_id,
                                     message_id=message_id).model_dump_json()


async def _read(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, up to `limit` bytes; True when there is more (left for the route)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), True
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), True
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replayer(body: bytes, more: bool, receive: Receive) -> Receive:
    """A `receive` that hands back what was read, then carries on with the rest."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay


async def _json(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

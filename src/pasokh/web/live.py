"""Live updates for open pages over Server-Sent Events (one stream per browser tab)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from pasokh.events import Event, EventBus
from pasokh.web.auth import Principal, authenticate

router = APIRouter(include_in_schema=False)
HEARTBEAT_SECONDS = 15.0


class Presence:
    """Who has which conversation open, in this process: the collision warning's source."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._viewers: dict[tuple[int, int], Counter[tuple[int, str]]] = defaultdict(Counter)

    def change(self, workspace_id: int, conversation_id: int, viewer: tuple[int, str],
               delta: int) -> list[dict[str, Any]]:
        """Add (+1) or remove (-1) one open tab; return who is viewing now."""
        key = (workspace_id, conversation_id)
        with self._lock:
            viewers = self._viewers[key]
            viewers[viewer] += delta
            if viewers[viewer] <= 0:
                del viewers[viewer]
            if not viewers:
                del self._viewers[key]
            return [{"user_id": uid, "name": name} for uid, name in sorted(viewers)]


def presence_of(request: Request) -> Presence:
    """The app's presence registry (created on first use)."""
    state = request.app.state
    if getattr(state, "presence", None) is None:
        state.presence = Presence()
    presence: Presence = state.presence
    return presence


@router.get("/live/events")
def live_events(request: Request, conversation: int | None = None) -> StreamingResponse:
    """The workspace's events (message.created, conversation.updated...) as they happen.

    With `conversation`, the tab also announces that its person is viewing it.
    """
    principal = authenticate(request)
    viewing = None
    if conversation is not None and principal.user_id is not None:
        viewing = (conversation, presence_of(request), principal)
    stream = event_stream(request, request.app.state.events, principal.workspace_id,
                          viewing=viewing)
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def format_event(event: Event) -> str:
    """One SSE frame: the kind as the event name, ids as JSON data (never customer text)."""
    return f"event: {event.kind}\ndata: {json.dumps(event.data, separators=(',', ':'))}\n\n"


def _announce(bus: EventBus, viewing: tuple[int, Presence, Principal], delta: int) -> None:
    conversation_id, presence, who = viewing
    assert who.user_id is not None
    viewers = presence.change(who.workspace_id, conversation_id, (who.user_id, who.name), delta)
    bus.publish(who.workspace_id, "presence",
                {"conversation_id": conversation_id, "viewers": viewers})


async def event_stream(request: Request, bus: EventBus, workspace_id: int,
                       heartbeat: float = HEARTBEAT_SECONDS,
                       viewing: tuple[int, Presence, Principal] | None = None
                       ) -> AsyncIterator[str]:
    """SSE frames for one subscriber, with comments as heartbeats to keep proxies open."""
    queue: asyncio.Queue[Event] = asyncio.Queue(64)

    async def pump() -> None:
        # subscribe() is consumed in its own task so a heartbeat timeout never cancels it.
        async for event in bus.subscribe(workspace_id):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    task = asyncio.create_task(pump())
    try:
        yield "retry: 3000\n: connected\n\n"
        if viewing is not None:
            await asyncio.sleep(0)  # let pump() subscribe first: this tab sees itself too
            _announce(bus, viewing, +1)
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), heartbeat)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield ": ping\n\n"
                continue
            yield format_event(event)
    finally:
        task.cancel()
        if viewing is not None:
            _announce(bus, viewing, -1)

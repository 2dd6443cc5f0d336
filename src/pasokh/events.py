"""Live events (new message, assignment...) fanned out to open pages of a workspace.

In-process by default; several processes share events through Redis when configured
(issue: live updates). Publishing never blocks the request that publishes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    workspace_id: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


class EventBus:
    """Subscribers are asyncio queues; publishers may be on any thread."""

    def __init__(self, queue_size: int = 256) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]]]
        self._subscribers = defaultdict(set)
        self._lock = threading.Lock()

    def publish(self, workspace_id: int, kind: str, data: dict[str, Any]) -> None:
        """Deliver an event to every current subscriber of the workspace."""
        event = Event(workspace_id, kind, data)
        with self._lock:
            targets = list(self._subscribers.get(workspace_id, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(_offer, queue, event)

    async def subscribe(self, workspace_id: int) -> AsyncIterator[Event]:
        """Yield the workspace's events until the consumer stops iterating."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers[workspace_id].add(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subscribers[workspace_id].discard(entry)

    def subscriber_count(self, workspace_id: int) -> int:
        with self._lock:
            return len(self._subscribers.get(workspace_id, ()))


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    # A page that cannot keep up loses the oldest event rather than stalling everyone;
    # it re-reads the inbox on reconnect anyway.
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(event)

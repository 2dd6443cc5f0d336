"""Live events (new message, assignment...) fanned out to the open pages of a workspace.

In-process by default. With Redis configured, every process publishes to Redis and a
listener thread in each process delivers what Redis relays, so a page connected to one
worker sees events raised in another. Publishing never blocks the request that publishes
on a slow page.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("pasokh.events")
REDIS_CHANNEL = "pasokh:events"


@dataclass(frozen=True)
class Event:
    workspace_id: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


class EventBus:
    """Subscribers are asyncio queues; publishers may be on any thread."""

    def __init__(self, queue_size: int = 256, redis_url: str | None = None) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]]]
        self._subscribers = defaultdict(set)
        self._lock = threading.Lock()
        self._redis: Any = None
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        if redis_url:
            self._start_redis(redis_url)

    def _start_redis(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(REDIS_CHANNEL)

        def listen() -> None:
            while not self._stopping.is_set():
                try:
                    message = pubsub.get_message(timeout=0.5)
                except Exception:  # Redis restarted: keep the process serving, log it
                    log.exception("lost the Redis event channel; retrying")
                    self._stopping.wait(1.0)
                    continue
                if message and message.get("type") == "message":
                    raw = json.loads(message["data"])
                    self._deliver(Event(raw["workspace_id"], raw["kind"], raw["data"]))
            pubsub.close()

        self._listener = threading.Thread(target=listen, name="pasokh-events", daemon=True)
        self._listener.start()

    def close(self) -> None:
        """Stop the Redis listener, if any."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.join(timeout=2)
        if self._redis is not None:
            self._redis.close()

    def publish(self, workspace_id: int, kind: str, data: dict[str, Any]) -> None:
        """Deliver an event to every subscriber of the workspace, in every process."""
        if self._redis is not None:
            payload = {"workspace_id": workspace_id, "kind": kind, "data": data}
            try:
                self._redis.publish(REDIS_CHANNEL, json.dumps(payload, ensure_ascii=False))
                return
            except Exception:  # live updates are best effort; the data is already stored
                log.exception("could not publish to Redis; delivering in this process only")
        self._deliver(Event(workspace_id, kind, data))

    def _deliver(self, event: Event) -> None:
        with self._lock:
            targets = list(self._subscribers.get(event.workspace_id, ()))
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

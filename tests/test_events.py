"""Live events reach every open page of the workspace, across processes through Redis."""

from __future__ import annotations

import asyncio
import os

import pytest

from pasokh.events import EventBus

REDIS_URL = os.environ.get("PASOKH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _first_event(bus: EventBus, publisher: EventBus, workspace_id: int) -> object:
    stream = bus.subscribe(workspace_id)
    pending = asyncio.ensure_future(stream.__anext__())
    for _ in range(100):  # wait until the subscription is registered
        if bus.subscriber_count(workspace_id):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # Redis subscription settles
    await asyncio.to_thread(publisher.publish, workspace_id, "message.created", {"id": 7})
    event = await asyncio.wait_for(pending, timeout=5)
    await stream.aclose()
    return event


def test_a_subscriber_receives_its_workspace_events_only() -> None:
    bus = EventBus()

    async def scenario() -> tuple[object, int]:
        other = bus.subscribe(2)
        other_next = asyncio.ensure_future(other.__anext__())
        event = await _first_event(bus, bus, 1)
        await asyncio.sleep(0.05)
        leaked = other_next.done()
        other_next.cancel()
        return event, int(leaked)

    event, leaked = asyncio.run(scenario())
    assert event.kind == "message.created" and event.data == {"id": 7}  # type: ignore[attr-defined]
    assert leaked == 0


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


def test_events_cross_processes_through_redis() -> None:
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but unreachable at {REDIS_URL}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    worker_a, worker_b = EventBus(redis_url=REDIS_URL), EventBus(redis_url=REDIS_URL)
    try:
        event = asyncio.run(_first_event(worker_a, worker_b, 42))
        assert event.data == {"id": 7}  # type: ignore[attr-defined]
    finally:
        worker_a.close()
        worker_b.close()

"""Server-Sent Events: frames, heartbeats and presence (the browser test covers the page)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pasokh.events import EventBus
from pasokh.web.auth import Principal
from pasokh.web.live import Presence, event_stream


class FakeRequest:
    """Just enough of a Request for the stream: it asks whether the client left."""

    def __init__(self) -> None:
        self.gone = False

    async def is_disconnected(self) -> bool:
        return self.gone


def test_events_of_the_workspace_become_sse_frames_and_others_do_not() -> None:
    async def run() -> list[str]:
        bus = EventBus()
        stream = event_stream(FakeRequest(), bus, workspace_id=1)  # type: ignore[arg-type]
        frames = [await anext(stream)]
        await asyncio.sleep(0)
        bus.publish(2, "message.created", {"message_id": 9})  # another workspace
        bus.publish(1, "message.created", {"message_id": 7, "conversation_id": 3})
        frames.append(await asyncio.wait_for(anext(stream), 2))
        await stream.aclose()
        await asyncio.sleep(0)  # the cancelled subscription unwinds on the next turn
        assert bus.subscriber_count(1) == 0
        return frames

    hello, frame = asyncio.run(run())
    assert hello.startswith("retry: ")
    assert frame == 'event: message.created\ndata: {"message_id":7,"conversation_id":3}\n\n'


def test_a_quiet_stream_sends_heartbeats_until_the_client_leaves() -> None:
    async def run() -> list[str]:
        request = FakeRequest()
        stream = event_stream(request, EventBus(), workspace_id=1,  # type: ignore[arg-type]
                              heartbeat=0.01)
        frames = [await anext(stream), await anext(stream)]
        request.gone = True
        frames += [frame async for frame in stream]
        return frames

    frames = asyncio.run(run())
    assert frames[1] == ": ping\n\n" and len(frames) == 2


def test_presence_says_who_else_is_viewing() -> None:
    async def run() -> list[dict[str, Any]]:
        bus, presence = EventBus(), Presence()
        sara = Principal(workspace_id=1, role="agent", user_id=3, name="sara")
        reza = Principal(workspace_id=1, role="supervisor", user_id=2, name="reza")
        watcher = event_stream(FakeRequest(), bus, 1)  # type: ignore[arg-type]
        await anext(watcher)
        await asyncio.sleep(0)

        async def open_tab(who: Principal) -> None:
            # A tab's stream, consumed as Starlette would until it is cancelled.
            async for _frame in event_stream(FakeRequest(), bus, 1,  # type: ignore[arg-type]
                                             viewing=(5, presence, who)):
                pass

        tabs = []
        frames = []
        for who in (sara, reza):
            tabs.append(asyncio.create_task(open_tab(who)))
            frames.append(await asyncio.wait_for(anext(watcher), 2))
        tabs[0].cancel()
        frames.append(await asyncio.wait_for(anext(watcher), 2))
        tabs[1].cancel()
        await asyncio.gather(*tabs, return_exceptions=True)
        await watcher.aclose()
        return [json.loads(f.split("data: ", 1)[1]) for f in frames]

    joined_one, joined_two, left = asyncio.run(run())
    assert [v["name"] for v in joined_one["viewers"]] == ["sara"]
    assert [v["name"] for v in joined_two["viewers"]] == ["reza", "sara"]
    assert [v["name"] for v in left["viewers"]] == ["reza"]

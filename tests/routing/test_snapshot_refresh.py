"""A process that routes in the background keeps its copy of agents fresh in the background:
decisions find no slice due, and still see another process's changes within the bound."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event

from pasokh.db import Database
from pasokh.routing import snapshot, snapshot_refresh
from tests.conftest import World
from tests.routing.test_snapshot import crowd, current_copy, elsewhere, online_ids


def wait_for(condition, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def refreshing(db: Database, backend: str):  # type: ignore[no-untyped-def]
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's decisions read their slices themselves")
    assert snapshot_refresh.enable(db.write_engine)
    yield db
    snapshot_refresh.disable(db.write_engine)
    snapshot.reset()


def test_another_processs_change_is_read_in_the_background_not_by_a_decision(
        refreshing: Database, world: World) -> None:
    db = refreshing
    ids = crowd(db, world, 2 * snapshot.SLICE_AGENTS)
    copy = current_copy(db, world)
    assert copy.slices == 2
    gone = ids[0]
    elsewhere(db, "UPDATE agent_profiles SET presence = 'offline' WHERE user_id = :a", a=gone)
    readers: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "UNION ALL" in statement:
            readers.append(threading.current_thread().name)

    event.listen(db.write_engine, "before_cursor_execute", seen)
    try:
        copy.read_at[gone % 2] -= snapshot.MAX_AGE_S  # its slice comes due now
        assert wait_for(lambda: gone not in copy.agents), "read again within the bound"
        assert readers and set(readers) == {"pasokh-routing-refresh"}
        assert gone not in online_ids(db, world)
        assert set(readers) == {"pasokh-routing-refresh"}, "the decision read nothing"
    finally:
        event.remove(db.write_engine, "before_cursor_execute", seen)


def test_a_copy_no_decision_uses_is_left_alone(refreshing: Database, world: World) -> None:
    db = refreshing
    crowd(db, world, 2 * snapshot.SLICE_AGENTS)
    copy = current_copy(db, world)
    copy.used_at -= 2 * snapshot_refresh.IDLE_S
    before = list(copy.read_at)
    copy.read_at[0] -= snapshot.MAX_AGE_S
    time.sleep(3 * snapshot_refresh.MAX_SLEEP_S)
    assert copy.read_at[0] == before[0] - snapshot.MAX_AGE_S, "idle: not read"


def test_the_thread_stops_with_its_engine(db: Database, backend: str) -> None:
    started = snapshot_refresh.enable(db.write_engine)
    assert started == (backend == "postgresql"), "SQLite: no thread"
    assert snapshot_refresh.running(db.write_engine) == started
    db.dispose()
    assert not snapshot_refresh.running(db.write_engine)

"""Two first requests at once both find no business calendar: the second uses the one the
first created, instead of answering 500 (a unique-key violation)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from pasokh.db import Database
from pasokh.routing.config import do_ensure_calendar
from pasokh.routing.models import BusinessCalendar
from tests.conftest import World


def test_a_calendar_created_by_another_transaction_meanwhile_is_used(
        db: Database, world: World, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the second transaction starts after "
                    "the first committed and simply finds its calendar")
    found: dict[str, int] = {}
    with db.write() as a, db.write() as b:
        first = do_ensure_calendar(session=a, workspace_id=world.workspace_id)  # not committed
        b.execute(text("SET LOCAL lock_timeout = '10s'"))  # a regression fails, not hangs
        pid = b.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def second() -> None:  # waits on the unique key until `a` commits
            found["id"] = do_ensure_calendar(session=b, workspace_id=world.workspace_id).id
            b.commit()

        worker = threading.Thread(target=second)
        worker.start()
        with db.read() as watch:  # commit only once b is really waiting on a's row
            for _ in range(200):
                waiting = watch.execute(text(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": pid}).scalar()
                if waiting == "Lock":
                    break
                watch.rollback()
                time.sleep(0.05)
        first_id = first.id
        a.commit()
        worker.join(timeout=30)
    assert found == {"id": first_id}
    with db.read() as s:
        assert len(s.scalars(select(BusinessCalendar).where(
            BusinessCalendar.workspace_id == world.workspace_id)).all()) == 1

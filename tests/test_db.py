"""The database layer: SQLite's write-ahead log and batch inserts that return ids in order."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, select, text
from sqlalchemy.orm import Session

from pasokh.db import Database, insert_ids, utcnow


def test_commits_never_checkpoint_and_the_background_thread_keeps_the_wal_small(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wal.db"
    db = Database(f"sqlite:///{path}")
    try:
        with db.write() as session:
            assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
            session.execute(text("CREATE TABLE t (x TEXT)"))
            session.commit()
        for _ in range(50):
            with db.write() as session:
                session.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "y" * 4000}] * 20)
                session.commit()
        written = 50 * 20 * 4000
        # No commit copied the log into the file (that is the point); the thread does.
        deadline = time.monotonic() + 10
        while path.stat().st_size < written and time.monotonic() < deadline:
            time.sleep(0.1)
        assert path.stat().st_size >= written, "the background checkpoint never ran"
    finally:
        db.dispose()


def test_a_batch_insert_returns_each_rows_id_in_order_after_deletes(
        session: Session) -> None:
    # SQLite cannot promise RETURNING's order for many rows; insert_ids must still pair
    # every row with its own id, also when the highest rows were deleted before.
    from pasokh.workspaces.models import Workspace

    table = cast(Table, Workspace.__table__)
    now = utcnow()

    def rows(prefix: str, n: int) -> list[dict[str, Any]]:
        return [{"slug": f"{prefix}-{i}", "name": f"{prefix} {i}", "settings": {},
                 "created_at": now, "updated_at": now} for i in range(n)]

    first = insert_ids(session.connection(), table, rows("a", 5))
    session.execute(delete(table).where(table.c.id.in_(first[-2:])))
    second = insert_ids(session.connection(), table, rows("b", 7))
    slugs = {r.id: r.slug for r in session.execute(select(table.c.id, table.c.slug))}
    assert [slugs[i] for i in first[:3]] == ["a-0", "a-1", "a-2"]
    assert [slugs[i] for i in second] == [f"b-{i}" for i in range(7)]
    assert insert_ids(session.connection(), table, []) == []

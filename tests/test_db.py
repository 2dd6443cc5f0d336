"""The database layer's promises about SQLite's write-ahead log."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from pasokh.db import Database


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

"""Enqueue outbox jobs inside the caller's transaction: they exist iff the work committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pasokh.db import utcnow
from pasokh.jobs.models import OutboxJob


def clock_of(session: Session) -> datetime:
    """The time work in this session happens at: a job handler's `now`, else the clock.

    A job queued by a job is due no later than the time its parent ran at, so a runner
    driven at a pinned time (tests, replays) sees the follow-up jobs as due too.
    """
    now = session.info.get("now")
    return now if isinstance(now, datetime) else utcnow()


_JOBS = cast(Table, OutboxJob.__table__)
_INSERTS: dict[str, Any] = {}


def _insert_for(dialect: str) -> Any:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, built once per dialect."""
    statement = _INSERTS.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = _INSERTS[dialect] = (
            insert(_JOBS).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(_JOBS.c.id))
    return statement


def do_enqueue(*, session: Session, workspace_id: int | None, kind: str,
               payload: dict[str, Any], dedupe_key: str | None = None,
               run_after: datetime | None = None, max_attempts: int = 8) -> int | None:
    """Queue `kind` with a JSON payload of ids; the same `dedupe_key` queues it once.

    One prepared INSERT … ON CONFLICT DO NOTHING: no lookup first, no ORM object.
    Returns the new job's id, or None when a job with that key already exists.
    """
    connection = session.connection()
    now = utcnow()
    job_id = connection.execute(_insert_for(connection.dialect.name), {
        "workspace_id": workspace_id, "kind": kind, "payload": payload,
        "dedupe_key": dedupe_key, "status": "queued", "attempts": 0,
        "max_attempts": max_attempts, "run_after": run_after or clock_of(session),
        "locked_until": None, "last_error": None, "created_at": now, "updated_at": now,
    }).scalar()
    session.info["jobs_queued"] = True  # the runner of this process wakes on commit
    return job_id


def do_enqueue_many(*, session: Session, jobs: list[dict[str, Any]]) -> None:
    """Queue many jobs in one executemany; each dict has workspace_id, kind, payload,
    dedupe_key and run_after. A key already queued is skipped, as in `do_enqueue`."""
    if not jobs:
        return
    connection = session.connection()
    now = utcnow()
    connection.execute(_insert_many(connection.dialect.name), [
        {"max_attempts": 8, **job, "status": "queued", "attempts": 0, "locked_until": None,
         "last_error": None, "created_at": now, "updated_at": now} for job in jobs])
    session.info["jobs_queued"] = True


def _insert_many(dialect: str) -> Any:
    key = f"{dialect}:many"
    statement = _INSERTS.get(key)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = _INSERTS[key] = insert(_JOBS).on_conflict_do_nothing(
            index_elements=["dedupe_key"])
    return statement


def run_after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Call `callback` once the session's transaction commits (never if it rolls back).

    For side effects that must not announce uncommitted work, e.g. live events.
    """
    pending = session.info.get("after_commit")
    if isinstance(pending, list):  # the job runner collects them and calls them itself
        pending.append(callback)
        return

    # Session-level listeners: the session is short-lived, so they go with it. A rolled
    # back transaction disarms the callback for good.
    armed = [True]

    def fire(_session: Session) -> None:
        if armed[0]:
            armed[0] = False
            callback()

    def disarm(_session: Session) -> None:
        armed[0] = False

    event.listen(session, "after_commit", fire)
    event.listen(session, "after_rollback", disarm)

"""Enqueue outbox jobs inside the caller's transaction: they exist iff the work committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
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


def do_enqueue(*, session: Session, workspace_id: int | None, kind: str,
               payload: dict[str, Any], dedupe_key: str | None = None,
               run_after: datetime | None = None) -> OutboxJob:
    """Queue `kind` with a JSON payload of ids; the same `dedupe_key` queues it once."""
    if dedupe_key is not None:
        existing = session.scalar(select(OutboxJob).where(OutboxJob.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    job = OutboxJob(workspace_id=workspace_id, kind=kind, payload=payload,
                    dedupe_key=dedupe_key, run_after=run_after or clock_of(session))
    session.add(job)
    session.flush()
    return job


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

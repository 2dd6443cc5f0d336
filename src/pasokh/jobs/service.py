"""Enqueue outbox jobs inside the caller's transaction: they exist iff the work committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.db import utcnow
from pasokh.jobs.models import OutboxJob


def do_enqueue(*, session: Session, workspace_id: int | None, kind: str,
               payload: dict[str, Any], dedupe_key: str | None = None,
               run_after: datetime | None = None) -> OutboxJob:
    """Queue `kind` with a JSON payload of ids; the same `dedupe_key` queues it once."""
    if dedupe_key is not None:
        existing = session.scalar(select(OutboxJob).where(OutboxJob.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    job = OutboxJob(workspace_id=workspace_id, kind=kind, payload=payload,
                    dedupe_key=dedupe_key, run_after=run_after or utcnow())
    session.add(job)
    session.flush()
    return job

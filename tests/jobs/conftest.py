"""The job runner's cast: jobs queued in committed transactions, a bus that remembers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from pasokh.db import Database
from pasokh.events import EventBus
from pasokh.jobs.models import OutboxJob
from pasokh.jobs.service import do_enqueue
from tests.routing.conftest import write_in  # noqa: F401  (a fixture the job tests share)

T = datetime(2026, 11, 14, 7, 0, tzinfo=UTC)  # pinned: every test drives the clock itself

Enqueue = Callable[..., int]


@pytest.fixture
def enqueue(db: Database) -> Enqueue:
    """Queue a job in its own committed transaction, as a request would; returns its id."""
    def queue(kind: str, payload: dict[str, Any] | None = None, *, run_after: datetime = T,
              max_attempts: int | None = None) -> int:
        with db.write() as session:
            job_id = do_enqueue(session=session, workspace_id=None, kind=kind,
                                payload=payload or {}, run_after=run_after,
                                max_attempts=max_attempts or 8)
            session.commit()
            assert job_id is not None
            return job_id

    return queue


def load(db: Database, job_id: int) -> OutboxJob:
    with db.read() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        return job


class RecordingBus(EventBus):
    """An in-process bus that also keeps every event published, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[int, str, dict[str, Any]]] = []

    def publish(self, workspace_id: int, kind: str, data: dict[str, Any]) -> None:
        self.seen.append((workspace_id, kind, data))
        super().publish(workspace_id, kind, data)

    def kinds(self) -> list[str]:
        return [kind for _ws, kind, _data in self.seen]


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()

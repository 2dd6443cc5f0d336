"""The job runner: claims with a lease, exactly-once database work, retries and dead letters."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pasokh.audit.models import AuditEvent
from pasokh.audit.service import do_audit
from pasokh.db import Database
from pasokh.jobs.models import OutboxJob
from pasokh.jobs.runner import JobRunner, Periodic, backoff, slot_of
from pasokh.jobs.service import do_enqueue, run_after_commit
from tests.jobs.conftest import Enqueue, T, load

SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)


class Work:
    """Handlers that remember what they ran and leave a row behind (their database work)."""

    def __init__(self) -> None:
        self.ran: list[int] = []
        self._lock = threading.Lock()

    def record(self, session: Session, payload: dict[str, Any], now: datetime) -> None:
        with self._lock:
            self.ran.append(int(payload["n"]))
        do_audit(session=session, workspace_id=None, action="test.ran",
                 target_id=payload["n"])

    def fail(self, session: Session, payload: dict[str, Any], now: datetime) -> None:
        do_audit(session=session, workspace_id=None, action="test.ran", target_id="x")
        raise RuntimeError("the provider is down")


def audits(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "test.ran")) or 0


@pytest.fixture
def work() -> Work:
    return Work()


@pytest.fixture(params=["one by one", "batched"])
def runner(db: Database, work: Work, request: pytest.FixtureRequest) -> JobRunner:
    # Database-only kinds may run many to a transaction; the rules must not change.
    batchable = ("record", "fail") if request.param == "batched" else ()
    return JobRunner(db, {"record": work.record, "fail": work.fail}, batchable=batchable)


def test_in_a_batch_a_failing_job_costs_the_others_nothing(db: Database, work: Work,
                                                           enqueue: Enqueue) -> None:
    runner = JobRunner(db, {"record": work.record, "fail": work.fail},
                       batchable=("record", "fail"))
    ids = [enqueue("record", {"n": 1}), enqueue("fail"), enqueue("record", {"n": 2})]
    assert runner.run_due(now=T) == 3
    assert [load(db, i).status for i in ids] == ["done", "failed", "done"]
    assert load(db, ids[1]).run_after == T + 30 * SECOND
    assert work.ran == [1, 2] and audits(db) == 2  # the failure's own write rolled back


def test_a_job_runs_once_and_is_marked_done(db: Database, runner: JobRunner, work: Work,
                                            enqueue: Enqueue) -> None:
    job_id = enqueue("record", {"n": 7})
    assert runner.run_due(now=T) == 1
    assert runner.run_due(now=T + MINUTE) == 0
    job = load(db, job_id)
    assert (job.status, job.attempts, job.locked_until, job.last_error) == ("done", 1, None, None)
    assert work.ran == [7] and audits(db) == 1


def test_a_job_waits_for_its_time(db: Database, runner: JobRunner, work: Work,
                                  enqueue: Enqueue) -> None:
    enqueue("record", {"n": 1}, run_after=T + 10 * MINUTE)
    assert runner.run_due(now=T) == 0
    assert runner.run_due(now=T + 10 * MINUTE) == 1
    assert work.ran == [1]


def test_a_failing_job_is_retried_with_backoff_and_dies_after_max_attempts(
        db: Database, runner: JobRunner, enqueue: Enqueue,
        caplog: pytest.LogCaptureFixture) -> None:
    job_id = enqueue("fail", max_attempts=3)
    assert runner.run_due(now=T) == 1
    job = load(db, job_id)
    assert (job.status, job.attempts, job.run_after) == ("failed", 1, T + 30 * SECOND)
    assert job.last_error == "RuntimeError: the provider is down"
    assert audits(db) == 0  # the failed attempt's own writes were rolled back

    assert runner.run_due(now=T + 29 * SECOND) == 0  # not before its backoff
    assert runner.run_due(now=T + 30 * SECOND) == 1
    assert load(db, job_id).run_after == T + 90 * SECOND  # 30 s, then 60 s

    with caplog.at_level(logging.ERROR, logger="pasokh.jobs"):
        assert runner.run_due(now=T + 90 * SECOND) == 1
    job = load(db, job_id)
    assert (job.status, job.attempts) == ("dead", 3)
    assert "is dead after 3 attempt(s)" in caplog.text
    assert runner.run_due(now=T + timedelta(days=1)) == 0  # dead stays dead


@pytest.mark.parametrize(("attempt", "wait"), [
    (1, timedelta(seconds=30)), (2, timedelta(minutes=1)), (3, timedelta(minutes=2)),
    (7, timedelta(minutes=32)), (8, timedelta(hours=1)), (60, timedelta(hours=1)),
])
def test_backoff_doubles_up_to_an_hour(attempt: int, wait: timedelta) -> None:
    assert backoff(attempt, base=timedelta(seconds=30), cap=timedelta(hours=1)) == wait


def test_an_unknown_kind_is_dead_with_a_sentence_not_a_crash_loop(
        db: Database, runner: JobRunner, enqueue: Enqueue) -> None:
    job_id = enqueue("no.such.kind")
    assert runner.run_due(now=T) == 1
    job = load(db, job_id)
    assert job.status == "dead"
    assert job.last_error is not None
    assert job.last_error.startswith("No handler for job kind 'no.such.kind':")
    assert runner.run_due(now=T + timedelta(days=1)) == 0


def test_an_expired_lease_is_claimed_again(db: Database, runner: JobRunner, work: Work,
                                           enqueue: Enqueue) -> None:
    job_id = enqueue("record", {"n": 3})
    held = runner.claim(T)  # ... and the worker dies before running it
    assert held is not None and load(db, job_id).locked_until == T + 5 * MINUTE
    assert runner.run_due(now=T + 4 * MINUTE) == 0  # the lease still holds
    assert runner.run_due(now=T + 5 * MINUTE + SECOND) == 1
    job = load(db, job_id)
    assert (job.status, job.attempts) == ("done", 2)
    assert work.ran == [3]


def test_a_worker_whose_lease_was_taken_over_leaves_the_job_alone(
        db: Database, work: Work, enqueue: Enqueue) -> None:
    slow = JobRunner(db, {"record": work.record})
    other = JobRunner(db, {"record": work.record})
    enqueue("record", {"n": 5})
    stale = slow.claim(T)
    fresh = other.claim(T + 6 * MINUTE)
    assert stale is not None and fresh is not None and fresh.attempt == 2
    other.execute(fresh, T + 6 * MINUTE)
    slow.execute(stale, T + 7 * MINUTE)  # it wakes up late: the job is no longer its own
    assert work.ran == [5] and audits(db) == 1


def test_a_job_that_keeps_killing_its_worker_is_buried(db: Database, runner: JobRunner,
                                                       work: Work, enqueue: Enqueue) -> None:
    job_id = enqueue("record", {"n": 9}, max_attempts=2)
    assert runner.claim(T) is not None  # dies
    assert runner.claim(T + 6 * MINUTE) is not None  # dies again
    assert runner.claim(T + 12 * MINUTE) is None
    job = load(db, job_id)
    assert job.status == "dead" and "lease expired" in (job.last_error or "")
    assert work.ran == []


def test_two_runners_never_run_the_same_job_twice(db: Database, work: Work,
                                                  enqueue: Enqueue) -> None:
    for n in range(30):
        enqueue("record", {"n": n})
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        runner = JobRunner(db, {"record": work.record}, batch=5)
        try:
            start.wait()
            runner.run_until_idle(now=T)
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(work.ran) == list(range(30))
    assert audits(db) == 30
    with db.read() as session:
        statuses = session.execute(select(OutboxJob.status, OutboxJob.attempts)).all()
    assert set(statuses) == {("done", 1)}


def test_live_events_of_a_job_are_announced_only_after_its_commit(
        db: Database, enqueue: Enqueue) -> None:
    announced: list[str] = []

    def announce_then(fail: bool) -> Any:
        def handler(session: Session, payload: dict[str, Any], now: datetime) -> None:
            run_after_commit(session, lambda: announced.append(payload["name"]))
            if fail:
                raise RuntimeError("rolled back")
        return handler

    runner = JobRunner(db, {"ok": announce_then(False), "bad": announce_then(True)})
    enqueue("ok", {"name": "ok"})
    enqueue("bad", {"name": "bad"})
    assert runner.run_due(now=T) == 2
    assert announced == ["ok"]


def test_a_job_queued_by_a_job_is_due_at_the_time_its_parent_ran(
        db: Database, work: Work, enqueue: Enqueue) -> None:
    def parent(session: Session, payload: dict[str, Any], now: datetime) -> None:
        do_enqueue(session=session, workspace_id=None, kind="record", payload={"n": 2})

    runner = JobRunner(db, {"parent": parent, "record": work.record})
    enqueue("parent")
    assert runner.run_until_idle(now=T) == 2
    assert work.ran == [2]


def test_periodic_work_is_queued_once_per_slot_whatever_the_number_of_workers(
        db: Database) -> None:
    ticks: list[str] = []

    def tick(session: Session, payload: dict[str, Any], now: datetime) -> None:
        ticks.append(payload["slot"])

    def runner() -> JobRunner:
        return JobRunner(db, {"tick": tick}, periodic=[Periodic("tick", MINUTE)])

    first, second = runner(), runner()
    first.run_due(now=T + 5 * SECOND)
    second.run_due(now=T + 20 * SECOND)
    first.run_due(now=T + 59 * SECOND)
    assert ticks == [T.isoformat()]
    second.run_due(now=T + MINUTE)
    assert ticks == [T.isoformat(), (T + MINUTE).isoformat()]
    assert slot_of(T + 59 * SECOND, MINUTE) == T


def test_the_thread_runs_a_job_as_soon_as_it_is_queued(db: Database, work: Work) -> None:
    runner = JobRunner(db, {"record": work.record}, poll_seconds=30.0)
    runner.start()
    try:
        assert runner.is_running
        with db.write() as session:  # a request queues work; its commit wakes the runner
            do_enqueue(session=session, workspace_id=None, kind="record", payload={"n": 4})
            session.commit()
        assert runner.wait_idle(timeout=20)
        assert work.ran == [4]
    finally:
        runner.stop()
    assert not runner.is_running

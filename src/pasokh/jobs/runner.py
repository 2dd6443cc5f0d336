"""Run outbox jobs: claim with a lease, run the handler and mark it done in one transaction.

A job's life: `queued` → claimed (`running`, attempts + 1, a lease in `locked_until`) →
`done`; or, when the handler raises, `failed` (waiting for `run_after`, exponential
backoff) and claimed again, until `max_attempts` makes it `dead`. A worker that dies holding
a job leaves it `running`; once its lease expires any worker claims it again.

Claiming is safe across processes: PostgreSQL skips rows another worker has locked
(`FOR UPDATE SKIP LOCKED`); on SQLite every write transaction is BEGIN IMMEDIATE, so
claims are serialised. The number of attempts is the claim's token: a worker whose lease
was taken over finds a different number and leaves the job alone, so the handler's
database work happens exactly once. Side effects outside the database (an HTTP call) are
at least once: receivers get the job's id to drop duplicates.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pasokh.db import Database, padded, utcnow
from pasokh.jobs.models import OutboxJob
from pasokh.jobs.service import run_after_commit

log = logging.getLogger("pasokh.jobs")

Handler = Callable[[Session, dict[str, Any], datetime], None]
# Runs several due jobs of one kind at once (payloads in claim order), e.g. route jobs: one
# read for all, jobs for one conversation coalesced. If it raises, each job runs alone.
BatchHandler = Callable[[Session, list[dict[str, Any]], datetime], None]
# Called in the transaction that marks a job dead: record the failure where people look.
DeadHandler = Callable[[Session, dict[str, Any], str], None]

RETRYABLE = ("queued", "failed")
_JOBS = cast(Table, OutboxJob.__table__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Periodic:
    """Work queued once per `every` (per slot, whichever worker gets there first)."""

    kind: str
    every: timedelta
    max_attempts: int = 3


@dataclass(frozen=True)
class Claim:
    """A job this worker holds: its id, kind and the attempt number that is its token."""

    job_id: int
    kind: str
    attempt: int


def slot_of(now: datetime, every: timedelta) -> datetime:
    """The start of the period `now` falls in (periods counted from the Unix epoch)."""
    return EPOCH + ((now - EPOCH) // every) * every


def backoff(attempt: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, 4... times `base`)."""
    return min(cap, base * (1 << min(attempt - 1, 30)))


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:MAX_ERROR_CHARS]


class JobRunner:
    """Claims due outbox jobs and runs their handlers; one per process (thread or CLI)."""

    def __init__(self, db: Database, handlers: Mapping[str, Handler], *,
                 on_dead: Mapping[str, DeadHandler] | None = None,
                 periodic: Iterable[Periodic] = (),
                 lease: timedelta = timedelta(minutes=5),
                 backoff_base: timedelta = timedelta(seconds=30),
                 backoff_cap: timedelta = timedelta(hours=1),
                 poll_seconds: float = 1.0, batch: int = 50, per_transaction: int = 16,
                 batchable: Iterable[str] = (),
                 batch_handlers: Mapping[str, BatchHandler] | None = None) -> None:
        self.db = db
        self.batch_handlers = dict(batch_handlers or {})
        # Kinds whose handlers only touch the database: claimed and run many to a
        # transaction (a savepoint each), so a burst of routing costs a few commits, not
        # two per job. Kinds with outside effects (HTTP) keep one transaction each.
        self.batchable = frozenset(batchable)
        # Small enough that a batch holds SQLite's one write lock for a few milliseconds:
        # ingest's writer (the API's answers) must not wait behind a long routing batch.
        self.per_transaction = per_transaction
        self.handlers = dict(handlers)
        self.on_dead = dict(on_dead or {})
        self.periodic = tuple(periodic)
        self.lease = lease
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._scheduled: dict[str, datetime] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._active = 0
        self._listening = False

    # -- one pass -------------------------------------------------------------------------

    def run_due(self, now: datetime | None = None, limit: int | None = None) -> int:
        """Run jobs due at `now`, up to `limit`; returns how many ran."""
        now = now or utcnow()
        limit = self.batch if limit is None else limit
        self.schedule_periodic(now)
        ran = 0
        while ran < limit:
            claims = self.claim_many(now, min(limit - ran, self.per_transaction)) \
                if self.batchable else []
            if claims:
                self.execute_many(claims, now)
                ran += len(claims)
                continue
            claim = self.claim(now)
            if claim is None:
                break
            self.execute(claim, now)
            ran += 1
        return ran

    def run_until_idle(self, now: datetime | None = None, max_jobs: int = 10_000) -> int:
        """Run due jobs (and the jobs they queue) until none is due; returns how many ran."""
        total = 0
        while total < max_jobs:
            ran = self.run_due(now, limit=min(self.batch, max_jobs - total))
            if ran == 0:
                break
            total += ran
        return total

    def claim(self, now: datetime) -> Claim | None:
        """Take the next due job (or one whose lease expired): running, with a lease."""
        while True:
            with self.db.write() as session:
                query = (select(OutboxJob)
                         .where(or_(and_(OutboxJob.status.in_(RETRYABLE),
                                         OutboxJob.run_after <= now),
                                    and_(OutboxJob.status == "running",
                                         OutboxJob.locked_until < now)))
                         .order_by(OutboxJob.run_after, OutboxJob.id).limit(1))
                if self.db.dialect == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                job = session.scalar(query)
                if job is None:
                    return None
                if job.status == "running" and job.attempts >= job.max_attempts:
                    # The worker died on its last attempt: do not hand it to a next one.
                    self._bury(session, job, f"The worker running attempt {job.attempts} "
                               "stopped before finishing (its lease expired); no attempts "
                               "are left.")
                    session.commit()
                    continue
                job.status, job.attempts = "running", job.attempts + 1
                job.locked_until = now + self.lease
                claim = Claim(job.id, job.kind, job.attempts)
                session.commit()
                return claim

    def claim_many(self, now: datetime, limit: int) -> list[Claim]:
        """Take up to `limit` due jobs of the batchable kinds: one UPDATE … RETURNING."""
        table = _JOBS
        due = (select(table.c.id)
               .where(table.c.kind.in_(sorted(self.batchable)),
                      table.c.status.in_(RETRYABLE), table.c.run_after <= now)
               .order_by(table.c.run_after, table.c.id).limit(limit))
        if self.db.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claim = (update(table).where(table.c.id.in_(due.scalar_subquery()))
                 .values(status="running", attempts=table.c.attempts + 1,
                         locked_until=now + self.lease, updated_at=utcnow())
                 .returning(table.c.id, table.c.kind, table.c.attempts, table.c.run_after))
        with self.db.write() as session:
            rows = list(session.execute(claim).all())
            session.commit()
        rows.sort(key=lambda r: (r.run_after, r.id))  # RETURNING keeps no order
        return [Claim(r.id, r.kind, r.attempts) for r in rows]

    def execute_many(self, claims: list[Claim], now: datetime) -> None:
        """Run claimed jobs in one transaction, each in a savepoint: a failure is retried
        alone and costs the others nothing."""
        callbacks: list[Callable[[], None]] = []
        failed: list[tuple[Claim, str]] = []
        table = _JOBS
        try:
            with self.db.write() as session:
                session.info["after_commit"], session.info["now"] = callbacks, now
                query = (select(table.c.id, table.c.kind, table.c.payload, table.c.status,
                                table.c.attempts)
                         .where(table.c.id.in_(padded([c.job_id for c in claims])))
                         .order_by(table.c.id))
                if self.db.dialect == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                attempt = {c.job_id: c.attempt for c in claims}  # the claims' tokens
                jobs = {r.id: _Held(r.id, r.kind, r.payload)
                        for r in session.execute(query)
                        if r.status == "running" and r.attempts == attempt[r.id]}
                held = [(c, j) for c in claims if (j := jobs.get(c.job_id)) is not None]
                done: list[int] = []
                for group in _runs_of_kind(held):
                    if self._run_group(session, group, now, callbacks):
                        done.extend(job.id for _, job in group)
                        continue
                    for claim, job in group:
                        if self._run_one(session, claim, job, now, callbacks, failed):
                            done.append(job.id)
                if done:
                    session.execute(
                        update(table).where(table.c.id == bindparam("_id"))
                        .values(status="done", locked_until=None, last_error=None,
                                updated_at=now),
                        [{"_id": job_id} for job_id in done])
                session.commit()
        except Exception:
            # The batch as a whole could not commit: run each job on its own instead.
            log.exception("a batch of %s jobs failed to commit; running them one by one",
                          len(claims))
            for claim in claims:
                self.execute(claim, now)
            return
        for claim, error in failed:
            self._fail(claim, error, now)
        _announce(callbacks)

    def _run_group(self, session: Session, group: list[tuple[Claim, _Held]],
                   now: datetime, callbacks: list[Callable[[], None]]) -> bool:
        """Run a run of same-kind jobs through their batch handler in one savepoint;
        False (nothing kept) when there is none, the run is one job, or it raised."""
        batch = self.batch_handlers.get(group[0][1].kind)
        if batch is None or len(group) < 2:
            return False
        mark = len(callbacks)
        try:
            with session.begin_nested():
                batch(session, [dict(job.payload) for _, job in group], now)
        except Exception:
            del callbacks[mark:]
            log.warning("a batch of %s %s jobs failed; running them one by one",
                        len(group), group[0][1].kind, exc_info=True)
            return False
        return True

    def _run_one(self, session: Session, claim: Claim, job: _Held, now: datetime,
                 callbacks: list[Callable[[], None]], failed: list[tuple[Claim, str]]
                 ) -> bool:
        """Run one held job in a savepoint; True when it succeeded. A failure is noted
        for retry, the rest go on."""
        handler = self.handlers[job.kind]
        mark = len(callbacks)
        try:
            with session.begin_nested():
                handler(session, dict(job.payload), now)
        except Exception as exc:
            del callbacks[mark:]
            failed.append((claim, _describe(exc)))
            log.warning("job %s (%s) attempt %s failed: %s", claim.job_id,
                        claim.kind, claim.attempt, exc, exc_info=True)
            return False
        return True

    def execute(self, claim: Claim, now: datetime) -> None:
        """Run a claimed job's handler and mark it done in the same transaction."""
        error: str | None = None
        callbacks: list[Callable[[], None]] = []
        with self.db.write() as session:
            job = self._held(session, claim)
            if job is None:
                log.warning("job %s (%s) was taken over after its lease expired; skipped",
                            claim.job_id, claim.kind)
                return
            handler = self.handlers.get(job.kind)
            if handler is None:
                self._bury(session, job, f"No handler for job kind '{job.kind}': this "
                           "worker does not know it (misspelt kind, or a newer version "
                           "queued it). Re-queue it once a worker that knows it runs.")
                session.commit()
                return
            session.info["after_commit"], session.info["now"] = callbacks, now
            try:
                handler(session, dict(job.payload), now)
                job.status, job.locked_until, job.last_error = "done", None, None
                session.commit()
            except Exception as exc:
                session.rollback()
                callbacks.clear()
                error = _describe(exc)
                log.warning("job %s (%s) attempt %s failed: %s", claim.job_id, claim.kind,
                            claim.attempt, error, exc_info=True)
            finally:
                session.info.pop("after_commit", None)
                session.info.pop("now", None)
        if error is not None:
            self._fail(claim, error, now)
            return
        _announce(callbacks)

    def _held(self, session: Session, claim: Claim) -> OutboxJob | None:
        """The job, locked, if this claim still holds it."""
        job = session.get(OutboxJob, claim.job_id,
                          with_for_update=self.db.dialect == "postgresql")
        if job is None or job.status != "running" or job.attempts != claim.attempt:
            return None
        return job

    def _fail(self, claim: Claim, error: str, now: datetime) -> None:
        with self.db.write() as session:
            job = self._held(session, claim)
            if job is None:
                return
            if job.attempts >= job.max_attempts:
                self._bury(session, job, error)
            else:
                job.status, job.locked_until, job.last_error = "failed", None, error
                job.run_after = now + backoff(job.attempts, base=self.backoff_base,
                                              cap=self.backoff_cap)
            session.commit()

    def _bury(self, session: Session, job: OutboxJob, error: str) -> None:
        """Mark a job dead (it will not run again by itself) and tell its dead handler."""
        job.status, job.locked_until, job.last_error = "dead", None, error[:MAX_ERROR_CHARS]
        log.error("job %s (%s) is dead after %s attempt(s): %s", job.id, job.kind,
                  job.attempts, error)
        on_dead = self.on_dead.get(job.kind)
        if on_dead is None:
            return
        try:
            with session.begin_nested():
                on_dead(session, dict(job.payload), job.last_error)
        except Exception:
            log.exception("dead-letter handler of job %s (%s) failed", job.id, job.kind)

    # -- periodic work ----------------------------------------------------------------------

    def schedule_periodic(self, now: datetime) -> None:
        """Queue each periodic job once for the current slot, whichever worker comes first."""
        due = [(p, slot_of(now, p.every)) for p in self.periodic
               if self._scheduled.get(p.kind) != slot_of(now, p.every)]
        if not due:
            return
        insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        with self.db.write() as session:
            for task, slot in due:
                stamp = slot.isoformat()
                session.execute(
                    insert(OutboxJob).values(
                        kind=task.kind, payload={"slot": stamp},
                        dedupe_key=f"{task.kind}@{stamp}", run_after=slot,
                        max_attempts=task.max_attempts)
                    .on_conflict_do_nothing(index_elements=["dedupe_key"]))
            session.commit()
        for task, slot in due:
            self._scheduled[task.kind] = slot

    # -- the background thread --------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Poll for due jobs in a daemon thread (about every `poll_seconds`, or on wake())."""
        if self.is_running:
            return
        self._listen()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="pasokh-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the job in hand and stop the thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._unlisten()

    def wake(self) -> None:
        """Look for due jobs now instead of at the next poll."""
        self._wake.set()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no job is due or running (tests); False if `timeout` passed first.

        Without the thread, runs the due jobs in the caller's thread instead.
        """
        if not self.is_running:
            self.run_until_idle()
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._idle:
                busy = self._active > 0
            if not busy and not self._pending(utcnow()):
                return True
            self.wake()
            with self._idle:
                self._idle.wait(0.02)
        return False

    def _pending(self, now: datetime) -> bool:
        with self.db.read() as session:
            return session.scalar(select(OutboxJob.id).where(or_(
                and_(OutboxJob.status.in_(RETRYABLE), OutboxJob.run_after <= now),
                OutboxJob.status == "running")).limit(1)) is not None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            with self._idle:
                self._active += 1
            ran = 0
            try:
                ran = self.run_due()
            except Exception:  # the database went away, a lock timed out...: keep polling
                log.exception("the job runner's pass failed; retrying at the next poll")
            finally:
                with self._idle:
                    self._active -= 1
                    self._idle.notify_all()
            if ran == 0:
                self._wake.wait(self.poll_seconds)

    # Jobs queued by this process wake the runner on commit, so a reply leaves at once
    # instead of at the next poll. Other processes' jobs are found by polling.
    def _listen(self) -> None:
        if self._listening:
            return
        for factory in (self.db.writer, self.db.reader):
            event.listen(factory, "after_flush", _note_jobs)
            event.listen(factory, "after_commit", self._after_commit)
        self._listening = True

    def _unlisten(self) -> None:
        if not self._listening:
            return
        for factory in (self.db.writer, self.db.reader):
            event.remove(factory, "after_flush", _note_jobs)
            event.remove(factory, "after_commit", self._after_commit)
        self._listening = False

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("jobs_queued", False):
            self.wake()


@dataclass(frozen=True, slots=True)
class _Held:
    """A claimed job as a batch runs it (plain columns: no ORM object to flush)."""

    id: int
    kind: str
    payload: dict[str, Any]


def _runs_of_kind(held: list[tuple[Claim, _Held]]) -> list[list[tuple[Claim, _Held]]]:
    """Consecutive jobs of the same kind, in claim order (the order they run in)."""
    runs: list[list[tuple[Claim, _Held]]] = []
    for pair in held:
        if runs and runs[-1][-1][1].kind == pair[1].kind:
            runs[-1].append(pair)
        else:
            runs.append([pair])
    return runs


def _announce(callbacks: list[Callable[[], None]]) -> None:
    """Run after-commit callbacks (live events): best effort, the jobs' work is committed."""
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("an after-commit callback of a job failed")


def _note_jobs(session: Session, _context: Any) -> None:
    if any(isinstance(obj, OutboxJob) for obj in session.new):
        session.info["jobs_queued"] = True


__all__ = ["Claim", "DeadHandler", "Handler", "JobRunner", "Periodic", "backoff",
           "run_after_commit", "slot_of"]

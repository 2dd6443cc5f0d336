"""Re-read the routing copy's slices in the background, before they come due.

A decision that finds a slice of its copy past the age bound reads that slice again itself
(`snapshot.snapshot_for`): about 1.1 ms more, for roughly one decision in fifteen under
load, and most of PostgreSQL's decision p99. A process that routes in the background (the
job runner of the app, or `pasokh worker`) starts this thread for its engine (`enable`): it
reads each slice `AHEAD_S` before the slice would come due, on a connection of its own, so
decisions find none due. If it falls behind, a decision reads the slice itself as before,
so the bound on how long another process's change can go unseen (`snapshot.MAX_AGE_S`)
holds either way, and correctness never depended on the copy (the chosen agent is locked
and re-read before any write).

PostgreSQL only: on SQLite a read here would wait on the single writer's lock, and its
decisions are well within bound. A copy no decision has used for `IDLE_S` is left alone;
the thread stops when its engine is disposed or collected, or on `disable`.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from pasokh.routing import snapshot
from pasokh.routing.snapshot_data import LOCK, engine_state, txn_of

log = logging.getLogger("pasokh.routing")

AHEAD_S = 0.3
IDLE_S = 30.0
MAX_SLEEP_S = 0.5
MIN_SLEEP_S = 0.02

_RUNNING: weakref.WeakKeyDictionary[Engine, _Refresher] = weakref.WeakKeyDictionary()


class _Refresher:
    """One daemon thread keeping one engine's copies ahead of their bound."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="pasokh-routing-refresh",
                                       daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            engine = self._engine()
            if engine is None:
                return
            try:
                wait = refresh_due(engine, time.monotonic())
            except Exception:  # a dropped connection, a restarting server: try again
                log.warning("the routing copy's background re-read failed", exc_info=True)
                wait = MAX_SLEEP_S
            del engine  # hold no reference while asleep: the engine may be collected
            self.stopping.wait(wait)


def refresh_due(engine: Engine, now: float) -> float:
    """Read again every slice of the engine's copies in use that comes due within
    `AHEAD_S`; returns the seconds to wait before the next one does."""
    with LOCK:
        copies = [c for c in engine_state(engine).workspaces.values()
                  if c.slices > 1 and now - c.used_at < IDLE_S]
    for copy in copies:
        soon = copy.due(now + AHEAD_S, snapshot.MAX_AGE_S)
        if soon and len(soon) < copy.slices:  # all of it due: the next decision reloads
            with Session(engine) as session:
                snapshot.load_slices(session, txn_of(session), copy, soon)
                session.rollback()
    wait = MAX_SLEEP_S
    after = time.monotonic()
    for copy in copies:
        for k in range(copy.slices):
            due_in = copy.read_at[k] + snapshot.MAX_AGE_S - copy.lead[k] - AHEAD_S - after
            wait = min(wait, due_in)
    return max(wait, MIN_SLEEP_S)


def enable(engine: Engine) -> bool:
    """Keep the engine's routing copies ahead of their bound from a background thread
    (PostgreSQL; a no-op elsewhere). Idempotent; returns whether a thread runs."""
    if engine.dialect.name != "postgresql":
        return False
    with LOCK:
        running = _RUNNING.get(engine)
        if running is not None and running.thread.is_alive():
            return True
        refresher = _RUNNING[engine] = _Refresher(engine)
    if not event.contains(engine, "engine_disposed", _disposed):
        event.listen(engine, "engine_disposed", _disposed)
    refresher.thread.start()
    return True


def disable(engine: Engine, timeout: float = 5.0) -> None:
    """Stop the engine's thread (if any) and wait for it."""
    with LOCK:
        refresher = _RUNNING.pop(engine, None)
    if refresher is not None:
        refresher.stopping.set()
        if refresher.thread is not threading.current_thread():
            refresher.thread.join(timeout)


def running(engine: Engine) -> bool:
    with LOCK:
        refresher = _RUNNING.get(engine)
    return refresher is not None and refresher.thread.is_alive()


def _disposed(engine: Engine) -> None:
    disable(engine)

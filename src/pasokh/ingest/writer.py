"""Group commit: one writer thread stores the messages of many concurrent requests at once.

Each request hands its message to the writer and waits; the writer takes everything that
queued up while the previous batch was being written, stores it in one transaction
(`batch.do_ingest_many`) and only then answers the waiting requests. A request is never
acknowledged before its message is committed, yet a burst of N requests costs one commit
and a fixed number of statements instead of N of each. Under light load a batch is one
message and nothing waits for company.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, OperationalError

from pasokh.db import Database, utcnow
from pasokh.errors import PasokhError, ServiceUnavailable
from pasokh.ingest.batch import (
    ChannelCache,
    Delivery,
    InboundMessage,
    Result,
    Stored,
    do_ingest_many,
    prepare_deliveries,
)
from pasokh.ingest.protocols import Triager

log = logging.getLogger(__name__)

ATTEMPTS = 5


@dataclass
class _Pending:
    delivery: Delivery
    future: Future[Result]


class IngestWriter:
    """The process's single ingest writer; `submit` is safe from any thread."""

    def __init__(self, db: Database, triager: Triager, *, max_chars: int,
                 max_batch: int = 256,
                 on_commit: Sequence[Callable[[list[Stored]], None]] = ()) -> None:
        self.db = db
        self.triager = triager
        self.max_chars = max_chars
        self.max_batch = max_batch
        self.on_commit = list(on_commit)
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.channels = ChannelCache()
        self.batches = 0
        self.messages = 0

    def submit(self, workspace_id: int, inbound: InboundMessage) -> Future[Result]:
        """Queue a message; the future resolves once it is committed (or refused)."""
        self._ensure_started()
        future: Future[Result] = Future()
        delivery = Delivery(workspace_id=workspace_id, inbound=inbound, received_at=utcnow())
        self._queue.put(_Pending(delivery, future))
        return future

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="pasokh-ingest",
                                                daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Store what is queued, then stop the thread."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    pending = self._queue.get_nowait()
                except queue.Empty:
                    break
                if pending is None:
                    stop = True
                    break
                batch.append(pending)
            self._store(batch)
            if stop:
                return

    def _store(self, batch: list[_Pending]) -> None:
        try:
            results = self._commit([p.delivery for p in batch])
        except Exception as error:
            if len(batch) > 1:
                # Isolate whichever message broke the batch; the others still get stored.
                for pending in batch:
                    self._store([pending])
                return
            if isinstance(error, PasokhError) and error.status_code < 500:
                # the sender's mistake (e.g. an SMS sender that is no phone number): the
                # caller gets the sentence; it is not a fault of ours to log as one
                log.info("message refused: %s", error)
            else:
                log.exception("storing a message failed")
            batch[0].future.set_exception(_unavailable(error))
            return
        self.batches += 1
        self.messages += len(batch)
        for pending, result in zip(batch, results, strict=True):
            pending.future.set_result(result)
        stored = [r for r in results if isinstance(r, Stored) and r.created]
        for callback in self.on_commit:
            try:
                callback(stored)
            except Exception:
                log.exception("an ingest listener failed")

    def _commit(self, deliveries: list[Delivery]) -> list[Result]:
        # Another process may win a unique race (same new customer, same provider id):
        # roll back whole and go again; the retry finds what the winner stored.
        # The text-only part of triage (the model) runs before the transaction: the
        # write lock, which routing and other processes wait for, covers only the rest.
        prepared = prepare_deliveries(self.triager, deliveries, self.max_chars)
        for attempt in range(ATTEMPTS):
            try:
                with self.db.write() as session:
                    results = do_ingest_many(session=session, deliveries=deliveries,
                                             triager=self.triager, max_chars=self.max_chars,
                                             channels=self.channels, prepared=prepared)
                    session.commit()
                return results
            except (IntegrityError, OperationalError):
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")


def _unavailable(error: Exception) -> PasokhError:
    if isinstance(error, PasokhError):
        return error
    return ServiceUnavailable("The message could not be stored just now; nothing was kept. "
                              "Retry with the same provider_message_id or Idempotency-Key.",
                              fa="پیام همین حالا ذخیره نشد و چیزی نگه داشته نشد؛ با همان "
                              "provider_message_id یا Idempotency-Key دوباره بفرستید.")

"""Switch a running service to a newly trained model without a restart.

`pasokh triage train --out DIR` writes the manifest last and whole (model.save_model), so a
changed `manifest.json` in the serving directory means a new model is complete. Each web
process watches that file; when it changes, the engine loads and verifies the new model
and swaps it in (TriageEngine.reload): requests in flight finish on the model they began
with. A model that fails its checksums is refused and the old one keeps serving; the
refusal is kept (for `GET /api/v1/triage/model`) until the files change again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pasokh.db import utcnow
from pasokh.triage.engine import TriageEngine
from pasokh.triage.errors import TriageError
from pasokh.triage.model import SHIPPED_DIR

log = logging.getLogger("pasokh.triage")

Stamp = tuple[int, int, int] | None  # (inode, size, mtime_ns) of manifest.json


@dataclass(frozen=True)
class ModelStatus:
    version: str
    model_dir: str
    loaded_at: datetime
    checked_at: datetime | None
    refused: str | None  # why the files now on disk were not loaded, if they were not


class ModelWatcher:
    """Reload `engine` from `model_dir` whenever its manifest changes."""

    def __init__(self, engine: TriageEngine, model_dir: Path | None = None) -> None:
        self.engine = engine
        self.model_dir = Path(model_dir) if model_dir is not None else SHIPPED_DIR
        self._stamp = self._read_stamp()
        self._lock = threading.Lock()
        self._loaded_at = utcnow()
        self._checked_at: datetime | None = None
        self._refused: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _read_stamp(self) -> Stamp:
        try:
            st = (self.model_dir / "manifest.json").stat()
        except OSError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def check(self) -> ModelStatus:
        """Load the model on disk if its manifest changed since the last look."""
        with self._lock:  # one reload at a time, even when a request and the thread race
            stamp = self._read_stamp()
            self._checked_at = utcnow()
            if stamp is not None and stamp != self._stamp:
                try:
                    version = self.engine.reload(self.model_dir)
                except (TriageError, OSError, ValueError) as exc:
                    self._refused = f"{type(exc).__name__}: {exc}"
                    log.warning("triage model in %s refused, still serving %s: %s",
                                self.model_dir, self.engine.model_version, exc)
                else:
                    self._loaded_at, self._refused = utcnow(), None
                    log.info("triage model %s loaded from %s", version, self.model_dir)
                self._stamp = stamp  # a refused model is not retried until it changes
            return self.status()

    def status(self) -> ModelStatus:
        return ModelStatus(version=self.engine.model_version, model_dir=str(self.model_dir),
                           loaded_at=self._loaded_at, checked_at=self._checked_at,
                           refused=self._refused)

    def start(self, every_seconds: float) -> None:
        """Look every `every_seconds` in a daemon thread (a stat call; no reading)."""
        if every_seconds <= 0 or self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.wait(every_seconds):
                self.check()

        self._thread = threading.Thread(target=run, name="pasokh-model-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

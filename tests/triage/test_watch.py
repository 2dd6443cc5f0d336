"""A running service switches to a newly trained model without a restart, and refuses a
damaged one while the previous model keeps serving."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pasokh.triage.engine import TriageEngine
from pasokh.triage.model import CompiledModel
from pasokh.triage.watch import ModelWatcher

TEXT = "از حسابم پول کم شد ولی سفارش ثبت نشد"


def serving(small_model_dir: Path, tmp_path: Path) -> tuple[Path, TriageEngine, ModelWatcher]:
    folder = tmp_path / "serving"
    shutil.copytree(small_model_dir, folder)
    engine = TriageEngine.load(folder)
    return folder, engine, ModelWatcher(engine, folder)


def test_a_model_trained_into_the_folder_serves_after_the_next_look(
    small_model_dir: Path, small_model: CompiledModel, tmp_path: Path
) -> None:
    folder, engine, watcher = serving(small_model_dir, tmp_path)
    before = watcher.status()
    assert watcher.check().version == before.version  # nothing new: nothing is read
    assert watcher.status().loaded_at == before.loaded_at

    new_version = small_model.save(folder, name="retrained")
    status = watcher.check()
    assert status.version == new_version == engine.model_version != before.version
    assert status.refused is None and status.loaded_at > before.loaded_at
    assert engine.triage(TEXT).model_version == new_version


def test_a_damaged_model_is_refused_and_the_previous_one_keeps_serving(
    small_model_dir: Path, small_model: CompiledModel, tmp_path: Path
) -> None:
    folder, engine, watcher = serving(small_model_dir, tmp_path)
    serving_version = engine.model_version
    small_model.save(folder, name="retrained")
    arrays = folder / "space-0.npz"
    arrays.write_bytes(arrays.read_bytes()[:-7] + b"damaged")  # a disk or a copy gone wrong

    status = watcher.check()
    assert status.version == serving_version == engine.model_version
    assert status.refused is not None and "sha256" in status.refused
    assert engine.triage(TEXT).category  # still triaging, on the old model
    assert watcher.check().refused == status.refused  # not retried until the files change

    good = small_model.save(folder, name="fixed")
    status = watcher.check()
    assert (status.version, status.refused) == (good, None)


def test_the_watch_thread_switches_by_itself(
    small_model_dir: Path, small_model: CompiledModel, tmp_path: Path
) -> None:
    folder, engine, watcher = serving(small_model_dir, tmp_path)
    watcher.start(0.05)
    try:
        new_version = small_model.save(folder, name="overnight")
        for _ in range(400):  # bounded wait for the thread, not a speed assertion
            if engine.model_version == new_version:
                break
            time.sleep(0.05)
        assert engine.model_version == new_version
    finally:
        watcher.stop()

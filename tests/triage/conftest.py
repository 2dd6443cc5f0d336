"""Fixtures for the triage tests: one small model trained once per run on a corpus slice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pasokh.triage.corpus import load_corpus
from pasokh.triage.engine import TriageEngine
from pasokh.triage.features import FeatureConfig
from pasokh.triage.model import CompiledModel, load_model
from pasokh.triage.training import TrainConfig, train

# Small and quick: enough to exercise every code path, not to be accurate.
SMALL = TrainConfig(features=FeatureConfig(char_min=2, char_max=4), tune_folds=2, max_iter=300)
PER_LABEL = 40


def corpus_slice(part: str, per_category: int) -> list[dict[str, Any]]:
    """Return up to `per_category` rows of each category and language, in corpus order."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for row in load_corpus(part):  # type: ignore[arg-type]
        key = (row["file"][:2], row["category"])
        if seen.get(key, 0) < per_category:
            seen[key] = seen.get(key, 0) + 1
            out.append(row)
    return out


@pytest.fixture(scope="session")
def train_rows() -> list[dict[str, Any]]:
    return corpus_slice("train", PER_LABEL)


@pytest.fixture(scope="session")
def heldout_rows() -> list[dict[str, Any]]:
    return corpus_slice("heldout", 15)


@pytest.fixture(scope="session")
def small_model_dir(
    tmp_path_factory: pytest.TempPathFactory, train_rows: list[dict[str, Any]]
) -> Path:
    out = tmp_path_factory.mktemp("small-model")
    train([train_rows], out, name="small", config=SMALL, use_base=False)
    return out


@pytest.fixture(scope="session")
def small_model(small_model_dir: Path) -> CompiledModel:
    return load_model(small_model_dir)


@pytest.fixture()
def engine(small_model_dir: Path) -> Iterator[TriageEngine]:
    yield TriageEngine.load(small_model_dir)

"""The compiled model: same decisions as scikit-learn, safe on disk, refuses tampering."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pasokh.triage.errors import ModelError
from pasokh.triage.features import extract
from pasokh.triage.model import SHIPPED_DIR, load_model
from pasokh.triage.normalise import normalise
from pasokh.triage.training import fit, matrix

from .conftest import SMALL


@pytest.fixture(scope="module")
def fitted(train_rows: list[dict[str, Any]]) -> Any:
    return fit(train_rows, ["category", "sentiment", "priority"], SMALL)


@pytest.mark.parametrize("head", ["category", "sentiment", "priority"])
def test_compiled_predictor_agrees_with_sklearn_on_heldout(
    fitted: Any, heldout_rows: list[dict[str, Any]], head: str
) -> None:
    texts = [r["text"] for r in heldout_rows]
    docs = [extract(normalise(t).split(), SMALL.features) for t in texts]
    clf = fitted.classifiers[head]
    sk_proba = clf.predict_proba(matrix(fitted.space, docs))
    sk_labels = [str(c) for c in clf.classes_[sk_proba.argmax(axis=1)]]
    compiled = [fitted.model.score(normalise(t).split())[head] for t in texts]
    ours = [max(s, key=s.__getitem__) for s in compiled]
    assert ours == sk_labels
    ours_proba = np.array([[s[str(c)] for c in clf.classes_] for s in compiled])
    assert np.allclose(ours_proba, sk_proba, atol=1e-4)


def test_fast_path_equals_reference_path(fitted: Any, heldout_rows: list[dict[str, Any]]) -> None:
    space = fitted.model.spaces[0]
    for row in heldout_rows:
        tokens = normalise(row["text"]).split()
        reference = space.decision(extract(tokens, SMALL.features))
        assert np.allclose(space.fast_decision(tokens, SMALL.features), reference, atol=1e-4)


def test_probabilities_are_a_distribution(small_model: Any) -> None:
    scores = small_model.score(normalise("سلام قیمت این کفش چنده؟").split())
    for head in ("category", "sentiment", "priority"):
        assert abs(sum(scores[head].values()) - 1.0) < 1e-6
    assert small_model.score([]).keys() == scores.keys()  # empty text still scores


def test_save_and_load_round_trip(small_model: Any, tmp_path: Path) -> None:
    version = small_model.save(tmp_path / "copy", name="again")
    again = load_model(tmp_path / "copy")
    assert again.version == version and version.startswith("again-")
    tokens = normalise("کارتم مسدود شده").split()
    before, after = small_model.score(tokens), again.score(tokens)
    for head in before:
        assert after[head] == pytest.approx(before[head])
    files = {p.name for p in (tmp_path / "copy").iterdir()}
    assert files == {"manifest.json", "space-0.vocab.json", "space-0.npz"}  # no pickle anywhere


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_a_changed_array_file_is_refused(small_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(small_model_dir, tmp_path / "m")
    blob = bytearray((d / "space-0.npz").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (d / "space-0.npz").write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="sha256"):
        load_model(d)


def test_a_changed_vocabulary_is_refused(small_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(small_model_dir, tmp_path / "m")
    vocab = json.loads((d / "space-0.vocab.json").read_text(encoding="utf-8"))
    vocab[0], vocab[1] = vocab[1], vocab[0]
    (d / "space-0.vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ModelError, match="sha256"):
        load_model(d)


def test_an_edited_manifest_is_refused(small_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(small_model_dir, tmp_path / "m")
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    manifest["heads"]["category"]["classes"].reverse()
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="checksum"):
        load_model(d)


def test_a_missing_file_or_model_is_a_clear_error(small_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(small_model_dir, tmp_path / "m")
    (d / "space-0.vocab.json").unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model(d)
    with pytest.raises(ModelError, match=r"manifest\.json is missing"):
        load_model(tmp_path / "nowhere")


def test_the_shipped_model_loads_with_all_heads() -> None:
    model = load_model(SHIPPED_DIR)
    assert model.version.startswith("corpus-")
    # plus the urgent stack's hidden input: the priority head fitted without class weights
    assert set(model.heads) == {"category", "sentiment", "priority", "priority_unbalanced"}
    assert set(model.heads["category"].classes) == {
        "feedback",
        "complaint",
        "question",
        "technical",
        "request",
        "other",
    }
    size = sum(p.stat().st_size for p in SHIPPED_DIR.iterdir())
    assert size < 15 * 2**20

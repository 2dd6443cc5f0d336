"""Train triage heads with scikit-learn and compile them into a CompiledModel.

scikit-learn is imported inside the functions: the service only loads compiled models.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pasokh.triage.errors import DataError, ModelError
from pasokh.triage.features import FeatureConfig, extract
from pasokh.triage.jsonl import check_row, read_jsonl
from pasokh.triage.model import SHIPPED_DIR, CompiledModel, FeatureSpace, Head, load_model
from pasokh.triage.normalise import normalise

LABEL_FIELDS = ("category", "sentiment", "priority")

Dataset = Path | str | Iterable[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyper-parameters of a training run (defaults chosen by cross-validation on the corpus)."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    min_df: int = 2
    max_features: int | None = 400_000
    c: float = 20.0
    class_weight: str | None = "balanced"
    max_iter: int = 3000


def load_rows(datasets: Sequence[Dataset]) -> list[dict[str, Any]]:
    """Read labelled rows from JSONL paths and/or iterables of dicts."""
    rows: list[dict[str, Any]] = []
    for ds in datasets:
        if isinstance(ds, str | Path):
            rows.extend(read_jsonl(ds))
        else:
            rows.extend(check_row(r, source="<rows>", line=i) for i, r in enumerate(ds, start=1))
    return rows


def featurise(texts: Iterable[str], config: FeatureConfig) -> list[list[str]]:
    """Return the feature strings of each text."""
    return [extract(normalise(t).split(), config) for t in texts]


def build_space(docs: Sequence[list[str]], config: TrainConfig) -> FeatureSpace:
    """Choose the vocabulary (document frequency ≥ min_df) and its smoothed idf."""
    df: Counter[str] = Counter()
    for feats in docs:
        df.update(set(feats))
    kept = [(f, n) for f, n in df.items() if n >= config.min_df]
    if config.max_features is not None and len(kept) > config.max_features:
        kept = sorted(kept, key=lambda fn: (-fn[1], fn[0]))[: config.max_features]
    kept.sort()
    vocab = [f for f, _ in kept]
    counts = np.array([n for _, n in kept], dtype=np.float64)
    idf = (np.log((1.0 + len(docs)) / (1.0 + counts)) + 1.0).astype(np.float32)
    empty = np.zeros((len(vocab), 0), dtype=np.float32)
    return FeatureSpace(vocab, idf, empty, np.zeros(0, dtype=np.float32))


def matrix(space: FeatureSpace, docs: Sequence[list[str]]) -> Any:
    """Return the csr matrix of docs, vectorised by the same code the predictor uses."""
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for feats in docs:
        ids, vals = space.vectorise(feats)
        indices.append(ids)
        data.append(vals)
        indptr.append(indptr[-1] + len(ids))
    return csr_matrix(
        (
            np.concatenate(data) if data else np.empty(0, dtype=np.float32),
            np.concatenate(indices) if indices else np.empty(0, dtype=np.intp),
            np.array(indptr),
        ),
        shape=(len(docs), len(space.vocab)),
        dtype=np.float64,
    )


def fit_head(x: Any, labels: Sequence[str], config: TrainConfig) -> Any:
    """Fit one multinomial logistic regression."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=config.c, class_weight=config.class_weight, max_iter=config.max_iter)
    with warnings.catch_warnings():
        # recorded in the manifest as n_iter instead of failing the run
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, list(labels))
    return clf


def compile_weights(clf: Any) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Return (weights n_features × n_classes, bias, classes) of a fitted classifier."""
    coef = np.asarray(clf.coef_, dtype=np.float64)
    bias = np.asarray(clf.intercept_, dtype=np.float64)
    classes = tuple(str(c) for c in clf.classes_)
    if coef.shape[0] == 1:  # binary: softmax([-z/2, z/2]) == sigmoid(z)
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2])
    return coef.T.astype(np.float32), bias.astype(np.float32), classes


@dataclass
class Fitted:
    """A compiled model plus what produced it (kept for equivalence checks and CV)."""

    model: CompiledModel
    space: FeatureSpace
    classifiers: dict[str, Any]


def fit(rows: Sequence[dict[str, Any]], fields: Sequence[str], config: TrainConfig) -> Fitted:
    """Fit one feature space and one head per field on the rows labelled for it."""
    docs = featurise((r["text"] for r in rows), config.features)
    space = build_space(docs, config)
    x = matrix(space, docs)
    weights, biases, heads, classifiers = [], [], {}, {}
    start = 0
    for name in fields:
        idx = [i for i, r in enumerate(rows) if isinstance(r.get(name), str) and r[name]]
        labels = [rows[i][name] for i in idx]
        if len(set(labels)) < 2:
            raise DataError(f'field "{name}" needs at least two different labels to train on')
        clf = fit_head(x[idx], labels, config)
        w, b, classes = compile_weights(clf)
        weights.append(w)
        biases.append(b)
        info = {"trained_rows": len(idx), "labels": dict(Counter(labels)), "n_iter": int(max(clf.n_iter_))}
        heads[name] = Head(name, classes, 0, start, info)
        classifiers[name] = clf
        start += len(classes)
    compiled_space = FeatureSpace(space.vocab, space.idf, np.hstack(weights), np.concatenate(biases))
    model = CompiledModel(config=config.features, spaces=[compiled_space], heads=heads, version="unsaved")
    return Fitted(model, space, classifiers)


def labelled_fields(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Return the label fields (category, sentiment, priority) present in any row."""
    return [f for f in LABEL_FIELDS if any(isinstance(r.get(f), str) and r[f] for r in rows)]


def merge_base(model: CompiledModel, base: CompiledModel) -> CompiledModel:
    """Add to model the heads it lacks, taken from base (with their own feature space)."""
    missing = [h for name, h in base.heads.items() if name not in model.heads]
    if not missing:
        return model
    spaces = list(model.spaces)
    heads = dict(model.heads)
    for space_id in sorted({h.space for h in missing}):
        src = base.spaces[space_id]
        cols, new_heads, start = [], [], 0
        for h in (m for m in missing if m.space == space_id):
            cols.extend(range(h.start, h.start + len(h.classes)))
            info = {**h.info, "from_base": base.version}
            new_heads.append(Head(h.name, h.classes, len(spaces), start, info))
            start += len(h.classes)
        spaces.append(FeatureSpace(src.vocab, src.idf, src.weights[:, cols], src.bias[cols]))
        heads.update({h.name: h for h in new_heads})
    if model.config != base.config:
        raise ModelError("the base model uses another feature config; retrain all fields instead")
    return CompiledModel(config=model.config, spaces=spaces, heads=heads, version=model.version)


def train(
    datasets: Sequence[Dataset],
    out_dir: Path | str,
    base_model: Path | str | CompiledModel | None = None,
    *,
    fields: Sequence[str] | None = None,
    name: str = "custom",
    config: TrainConfig | None = None,
    use_base: bool = True,
) -> CompiledModel:
    """Train on labelled JSONL files / dict iterables, keep base heads for other fields, save."""
    rows = load_rows(datasets)
    if not rows:
        raise DataError("no rows to train on")
    wanted = list(fields) if fields else labelled_fields(rows)
    if not wanted:
        raise DataError("no labelled field (category, sentiment or priority) in the data")
    fitted = fit(rows, wanted, config or TrainConfig())
    model = fitted.model
    if use_base:
        base = _resolve_base(base_model)
        if base is not None:
            model = merge_base(model, base)
    model.save(Path(out_dir), name=name, extra={"trained_on_rows": len(rows)})
    return model


def _resolve_base(base_model: Path | str | CompiledModel | None) -> CompiledModel | None:
    if isinstance(base_model, CompiledModel):
        return base_model
    if base_model is not None:
        return load_model(base_model)
    if (SHIPPED_DIR / "manifest.json").is_file():
        return load_model(SHIPPED_DIR)
    return None

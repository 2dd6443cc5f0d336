"""Train triage heads with scikit-learn and compile them into a CompiledModel.

scikit-learn is imported inside the functions: the service only loads compiled models.
"""

from __future__ import annotations

import importlib
import random
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from pasokh.triage.errors import DataError, ModelError
from pasokh.triage.features import FeatureConfig, extract
from pasokh.triage.jsonl import check_row, read_jsonl
from pasokh.triage.language import detect_language
from pasokh.triage.model import SHIPPED_DIR, CompiledModel, FeatureSpace, Head, load_model
from pasokh.triage.normalise import normalise
from pasokh.triage.rules import PriorityRules, has_dispute_cue

LABEL_FIELDS = ("category", "sentiment", "priority")

Dataset = Path | str | Iterable[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyper-parameters of a training run (defaults chosen by cross-validation on the corpus)."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    min_df: int = 2
    max_features: int | None = 400_000
    c: float = 5.0
    class_weight: str | None = "balanced"
    max_iter: int = 3000
    # "urgent" is chosen once P(urgent) reaches a threshold tuned on out-of-fold
    # predictions for F-beta (beta > 1 weighs recall: a missed emergency costs more)
    urgent_beta: float = 2.0
    # ... unless a recall target is set: then the highest threshold whose out-of-fold
    # recall (rules + model) reaches it. The target is the product's (issue #3: urgent
    # recall ≥ 0.95); the F-beta optimum was flat and jumped between 0.33 and 0.46
    # from one retrain to the next
    urgent_recall: float | None = 0.95
    tune_folds: int = 4


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
    empty = np.zeros((len(vocab), 0), dtype=np.float32)  # weights come after fitting
    return FeatureSpace(
        vocab, idf, empty, np.zeros(0, dtype=np.float32), config.features.group_scales()
    )


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

    # threadpoolctl (a scikit-learn dependency) ships no type information
    threadpool_limits = importlib.import_module("threadpoolctl").threadpool_limits

    clf = LogisticRegression(C=config.c, class_weight=config.class_weight, max_iter=config.max_iter)
    # one BLAS thread: these problems are small, and extra threads only fight for the cores
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        # non-convergence is recorded in the manifest (n_iter) instead of failing the run
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


def stratified_folds(labels: Sequence[str], k: int, seed: int = 0) -> list[int]:
    """Assign each row a fold 0..k-1, keeping label proportions (deterministic)."""
    rng = random.Random(seed)
    fold = [0] * len(labels)
    by_label: dict[str, list[int]] = {}
    for i, lbl in enumerate(labels):
        by_label.setdefault(lbl, []).append(i)
    offset = 0
    for lbl in sorted(by_label):
        idx = by_label[lbl]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            fold[i] = (j + offset) % k
        offset += len(idx)
    return fold


def tune_threshold(
    x: Any,
    labels: Sequence[str],
    target: str,
    config: TrainConfig,
    rule_hits: Sequence[bool] | None = None,
    dispute: Sequence[bool] | None = None,
) -> dict[str, float]:
    """Pick the P(target) threshold for the recall goal (else max F-beta), out of fold.

    The threshold is the highest one whose out-of-fold recall reaches
    `config.urgent_recall`; without a goal, or when no threshold reaches it, the one that
    maximises F-beta. It is returned with its out-of-fold precision and recall.

    With `rule_hits`, a row counts as predicted when a phrase rule fires *or* the model's
    probability reaches the threshold, as it will in service: the model only has to find
    the emergencies the rules miss.

    With `dispute` (rows using billing-dispute wording, `rules.has_dispute_cue`), those rows
    get their own, higher-or-equal threshold (`threshold_dispute`): the pair reaching the
    recall goal with the best out-of-fold precision (ties: the higher thresholds).
    """
    fold_of = stratified_folds(labels, config.tune_folds, seed=1)
    oof = np.zeros(len(labels))
    for k in range(config.tune_folds):
        tr = [i for i, f in enumerate(fold_of) if f != k]
        te = [i for i, f in enumerate(fold_of) if f == k]
        clf = fit_head(x[tr], [labels[i] for i in tr], config)
        col = list(clf.classes_).index(target)
        oof[te] = clf.predict_proba(x[te])[:, col]
    truth = np.array([lbl == target for lbl in labels])
    ruled = np.zeros(len(labels), dtype=bool) if rule_hits is None else np.asarray(rule_hits)
    b2 = config.urgent_beta**2
    curve: list[dict[str, float]] = []
    for t in np.arange(0.05, 0.96, 0.01):
        pred = ruled | (oof >= t)
        tp = float(np.sum(pred & truth))
        precision = tp / max(1.0, float(np.sum(pred)))
        recall = tp / max(1.0, float(np.sum(truth)))
        f = (1 + b2) * precision * recall / max(1e-9, b2 * precision + recall)
        curve.append(
            {
                "threshold": round(float(t), 2),
                "f_beta": round(f, 4),
                "precision": round(precision, 4),
                "recall": round(recall, 4),
            }
        )
    goal = config.urgent_recall
    if goal is not None and dispute is not None:
        cue = np.asarray(dispute, dtype=bool)
        best: tuple[float, float, float, float] | None = None
        grid = [round(float(t), 2) for t in np.arange(0.05, 0.96, 0.01)]
        for t1 in grid:
            plain = ruled | (~cue & (oof >= t1))
            for t2 in (t for t in grid if t >= t1):
                pred = plain | (cue & (oof >= t2))
                tp = float(np.sum(pred & truth))
                recall = tp / max(1.0, float(np.sum(truth)))
                if recall < goal:
                    break  # a higher t2 only loses more
                precision = tp / max(1.0, float(np.sum(pred)))
                if best is None or (precision, t1, t2) > (best[0], best[2], best[3]):
                    best = (precision, recall, t1, t2)
        if best is not None:
            precision, recall, t1, t2 = best
            f = (1 + b2) * precision * recall / max(1e-9, b2 * precision + recall)
            return {
                "threshold": t1,
                "threshold_dispute": t2,
                "f_beta": round(f, 4),
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "recall_target": goal,
            }
    if goal is not None:
        reaching = [pt for pt in curve if pt["recall"] >= goal]
        if reaching:
            return {**reaching[-1], "recall_target": goal}
    # first maximum of F-beta (ties go to the lower threshold, i.e. more recall)
    return max(curve, key=lambda pt: (pt["f_beta"], -pt["threshold"]))


def dispute_cues(texts: Sequence[str]) -> list[bool]:
    """Return, per text, whether it uses billing-dispute wording (rules.DISPUTE_CUES)."""
    return [has_dispute_cue(normalise(t), detect_language(t)) for t in texts]


def urgent_rule_hits(texts: Sequence[str]) -> list[bool]:
    """Return, per text, whether a shipped urgent phrase rule fires on it."""
    matcher = PriorityRules.default().matcher
    return [
        any(hit.rule.level == "urgent" for hit in matcher.find(normalise(t), detect_language(t)))
        for t in texts
    ]


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
        info: dict[str, Any] = {
            "trained_rows": len(idx),
            "labels": dict(Counter(labels)),
            "n_iter": int(max(clf.n_iter_)),
        }
        if (
            name == "priority"
            and "urgent" in classes
            and labels.count("urgent") >= 2 * config.tune_folds
        ):
            texts = [rows[i]["text"] for i in idx]
            hits = urgent_rule_hits(texts)
            tuned = tune_threshold(x[idx], labels, "urgent", config, hits, dispute_cues(texts))
            info["thresholds"] = {"urgent": tuned["threshold"]}
            if "threshold_dispute" in tuned:
                info["thresholds"]["urgent_dispute"] = tuned["threshold_dispute"]
            info["threshold_tuning"] = {
                **tuned,
                "beta": config.urgent_beta,
                "folds": config.tune_folds,
            }
        heads[name] = Head(name, classes, 0, start, info)
        classifiers[name] = clf
        start += len(classes)
    compiled_space = FeatureSpace(
        space.vocab,
        space.idf,
        np.hstack(weights),
        np.concatenate(biases),
        config.features.group_scales(),
    )
    model = CompiledModel(
        config=config.features, spaces=[compiled_space], heads=heads, version="unsaved"
    )
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
        cols: list[int] = []
        new_heads: list[Head] = []
        start = 0
        for h in (m for m in missing if m.space == space_id):
            cols.extend(range(h.start, h.start + len(h.classes)))
            info = {**h.info, "from_base": base.version}
            new_heads.append(Head(h.name, h.classes, len(spaces), start, info))
            start += len(h.classes)
        keep = np.array(cols, dtype=np.intp)
        spaces.append(
            FeatureSpace(
                src.vocab, src.idf, src.weights[:, keep], src.bias[keep], tuple(src.scales)
            )
        )
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
    cfg = config or TrainConfig()
    base = _resolve_base(base_model) if use_base else None
    if base is not None and base.config != cfg.features:
        cfg = replace(cfg, features=base.config)  # one feature extraction serves every head
    model = fit(rows, wanted, cfg).model
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

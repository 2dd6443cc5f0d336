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
from pasokh.triage.features import GROUP_EXTRA, GROUP_PRIORITY, FeatureConfig, extract
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
    # per-head C overriding `c`: sentiment generalises better to other people's reviews
    # with stronger regularisation (corpus 4-fold CV: C 2 / 5 / 10 within 0.002; SnappFood
    # 10-fold CV: C 1 / 2 / 5 → 0.853 / 0.852 / 0.847), so it leans more on the lexicon
    head_c: tuple[tuple[str, float], ...] = (("sentiment", 2.0),)
    # heads that see the "x:" feature group (features.GROUP_EXTRA: Latin stems, first and
    # last token); the others are fitted with it masked out, so their weights there are 0
    extra_heads: tuple[str, ...] = ("category",)
    # heads that see the "p:" group (features.GROUP_PRIORITY: priority_cues' state cues and
    # their pairs); the others are fitted with it masked out
    priority_heads: tuple[str, ...] = ("priority",)
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
    # "urgent" is decided on a stacked probability: a small logistic regression over the
    # priority head's log P(urgent) and the category head's log P(category), fitted on
    # out-of-fold predictions (urgent is almost always a complaint or a technical fault;
    # out of fold on the corpus train split it raised urgent precision at recall 0.95 from
    # 0.68 to 0.74). Only when the category head is trained in the same run.
    urgent_stack: bool = True
    stack_c: float = 1.0
    # the stack reads P(urgent) from a hidden head: the priority head fitted again without
    # class weights (URGENT_INPUT_HEAD). Balanced weights help `high`, but they spread urgent
    # probability over the high look-alikes; the visible priority head stays balanced and
    # still picks high / normal / low (out of fold on train, 4 fold seeds: +0.014 urgent
    # precision at recall 0.95 together with the gate below, docs/triage.md)
    urgent_unbalanced: bool = True
    # model-only urgent needs P(complaint) + P(technical) ≥ this (the category head's
    # reading: urgent is almost always a fault or a complaint); phrase rules are not gated.
    # None: no gate. The floor 0.3 was chosen out of fold in the round before it was built.
    urgent_gate: float | None = 0.3
    urgent_gate_categories: tuple[str, ...] = ("complaint", "technical")

    def c_for(self, head: str) -> float:
        """Return the inverse regularisation strength of one head."""
        return dict(self.head_c).get(head, self.c)


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


def head_matrix(x: Any, space: FeatureSpace, head: str, config: TrainConfig) -> Any:
    """Return x as one head sees it: without the "x:" / "p:" groups unless it is listed."""
    hidden = np.zeros(len(space.groups), dtype=bool)
    if head not in config.extra_heads:
        hidden |= space.groups == GROUP_EXTRA
    if head not in config.priority_heads:
        hidden |= space.groups == GROUP_PRIORITY
    if not hidden.any():
        return x
    from scipy.sparse import diags

    return x @ diags((~hidden).astype(np.float64))


def fit_head(x: Any, labels: Sequence[str], config: TrainConfig, head: str = "") -> Any:
    """Fit one multinomial logistic regression (with the head's own C, see TrainConfig)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    # threadpoolctl (a scikit-learn dependency) ships no type information
    threadpool_limits = importlib.import_module("threadpoolctl").threadpool_limits

    clf = LogisticRegression(
        C=config.c_for(head), class_weight=config.class_weight, max_iter=config.max_iter
    )
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


def oof_proba(
    x: Any, labels: Sequence[str], config: TrainConfig, fold_of: Sequence[int]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return out-of-fold probabilities (rows × classes) of one head, and its classes."""
    classes = tuple(sorted(set(labels)))
    out = np.zeros((len(labels), len(classes)))
    folds = sorted(set(fold_of))
    for k in folds:
        tr = [i for i, f in enumerate(fold_of) if f != k]
        te = [i for i, f in enumerate(fold_of) if f == k]
        clf = fit_head(x[tr], [labels[i] for i in tr], config)
        cols = [classes.index(str(c)) for c in clf.classes_]
        out[np.ix_(te, cols)] = clf.predict_proba(x[te])
    return out, classes


STACK_FLOOR = 1e-6  # probabilities are clipped here before their log (training and serving)
URGENT_INPUT_HEAD = "priority_unbalanced"  # the hidden head the urgent stack reads


def gate_open(
    p_category: np.ndarray, category_classes: Sequence[str], config: TrainConfig
) -> np.ndarray:
    """Return, per row, whether model-only urgent is allowed (config.urgent_gate)."""
    if config.urgent_gate is None:
        return np.ones(len(p_category), dtype=bool)
    cols = [
        list(category_classes).index(c)
        for c in config.urgent_gate_categories
        if c in category_classes
    ]
    mass: np.ndarray = p_category[:, cols].sum(axis=1) if cols else np.zeros(len(p_category))
    return mass >= config.urgent_gate


def stack_inputs(p_urgent: np.ndarray, p_category: np.ndarray) -> np.ndarray:
    """Return the stack's inputs: log P(urgent) and log P(category) per class."""
    z: np.ndarray = np.log(np.clip(np.column_stack([p_urgent, p_category]), STACK_FLOOR, 1.0))
    return z


def fit_urgent_stack(
    p_urgent: np.ndarray,
    p_category: np.ndarray,
    category_classes: Sequence[str],
    truth: Sequence[bool],
    fold_of: Sequence[int],
    config: TrainConfig,
) -> tuple[dict[str, Any], np.ndarray]:
    """Fit urgent-vs-rest on (log P(urgent), log P(category)) given out-of-fold inputs.

    Returns the weights (JSON-ready, for the manifest) and the stack's own out-of-fold
    probabilities (cross-fitted on the same folds), on which the thresholds are tuned.
    """
    from sklearn.linear_model import LogisticRegression

    z = stack_inputs(p_urgent, p_category)
    y = np.asarray(truth, dtype=bool)
    folds = np.asarray(fold_of)
    oof = np.zeros(len(y))
    for k in sorted(set(fold_of)):
        tr, te = folds != k, folds == k
        clf = LogisticRegression(C=config.stack_c, max_iter=2000).fit(z[tr], y[tr])
        oof[te] = clf.predict_proba(z[te])[:, 1]
    clf = LogisticRegression(C=config.stack_c, max_iter=2000).fit(z, y)
    coef = [float(c) for c in clf.coef_[0]]
    weights = {
        "urgent": round(coef[0], 6),
        "category": {str(c): round(w, 6) for c, w in zip(category_classes, coef[1:], strict=True)},
        "bias": round(float(clf.intercept_[0]), 6),
        "floor": STACK_FLOOR,
    }
    return weights, oof


def tune_threshold(
    x: Any,
    labels: Sequence[str],
    target: str,
    config: TrainConfig,
    rule_hits: Sequence[bool] | None = None,
    dispute: Sequence[bool] | None = None,
    scores: np.ndarray | None = None,
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

    With `scores` (out-of-fold scores already computed, e.g. the urgent stack's), x is not
    used and no model is fitted.
    """
    if scores is not None:
        oof = np.asarray(scores, dtype=np.float64)
    else:
        fold_of = stratified_folds(labels, config.tune_folds, seed=1)
        proba, classes = oof_proba(x, labels, config, fold_of)
        oof = proba[:, classes.index(target)]
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
        clf = fit_head(head_matrix(x, space, name, config)[idx], labels, config, name)
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
            info.update(
                _tune_urgent(
                    rows,
                    idx,
                    labels,
                    head_matrix(x, space, name, config),
                    fields,
                    config,
                    head_matrix(x, space, "category", config),
                )
            )
        heads[name] = Head(name, classes, 0, start, info)
        classifiers[name] = clf
        start += len(classes)
        if info.get("urgent_stack", {}).get("input") == URGENT_INPUT_HEAD:
            # the stack's P(urgent): the same rows and features, no class weights; hidden
            # (not a label field), read only by the priority stage through the stack
            hidden = fit_head(
                head_matrix(x, space, name, config)[idx],
                labels,
                replace(config, class_weight=None),
                name,
            )
            w, b, hidden_classes = compile_weights(hidden)
            weights.append(w)
            biases.append(b)
            heads[URGENT_INPUT_HEAD] = Head(
                URGENT_INPUT_HEAD,
                hidden_classes,
                0,
                start,
                {"hidden_for": name, "class_weight": None, "n_iter": int(max(hidden.n_iter_))},
            )
            classifiers[URGENT_INPUT_HEAD] = hidden
            start += len(hidden_classes)
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


def _tune_urgent(
    rows: Sequence[dict[str, Any]],
    idx: Sequence[int],
    labels: Sequence[str],
    x: Any,
    fields: Sequence[str],
    config: TrainConfig,
    x_category: Any = None,
) -> dict[str, Any]:
    """Return the priority head's urgent policy: thresholds, and the stack when possible.

    x is the priority head's matrix; x_category the category head's (default: x).
    """
    texts = [rows[i]["text"] for i in idx]
    hits = urgent_rule_hits(texts)
    cues = dispute_cues(texts)
    fold_of = stratified_folds(labels, config.tune_folds, seed=1)
    proba, classes = oof_proba(x[idx], labels, config, fold_of)
    p_urgent = proba[:, classes.index("urgent")]
    tuned = tune_threshold(x[idx], labels, "urgent", config, hits, cues, scores=p_urgent)
    out: dict[str, Any] = {
        "thresholds": _thresholds(tuned),
        "threshold_tuning": _tuning(tuned, config),
    }
    cat_labels = [rows[i].get("category") for i in idx]
    if (
        config.urgent_stack
        and "category" in fields
        and all(isinstance(c, str) and c for c in cat_labels)
        and len(set(cat_labels)) >= 2
    ):
        cats = [str(c) for c in cat_labels]
        x_cat = x if x_category is None else x_category
        p_category, cat_classes = oof_proba(x_cat[idx], cats, config, fold_of)
        truth = [lbl == "urgent" for lbl in labels]
        p_input = p_urgent
        if config.urgent_unbalanced:
            unbalanced, u_classes = oof_proba(
                x[idx], labels, replace(config, class_weight=None), fold_of
            )
            p_input = unbalanced[:, u_classes.index("urgent")]
        weights, stacked = fit_urgent_stack(
            p_input, p_category, cat_classes, truth, fold_of, config
        )
        gate = gate_open(p_category, cat_classes, config)
        stacked = np.where(gate, stacked, 0.0)  # a closed gate: only a rule makes it urgent
        tuned_stack = tune_threshold(x[idx], labels, "urgent", config, hits, cues, scores=stacked)
        out["urgent_stack"] = {
            **weights,
            "input": URGENT_INPUT_HEAD if config.urgent_unbalanced else "priority",
            **(
                {
                    "gate": {
                        "categories": list(config.urgent_gate_categories),
                        "min": config.urgent_gate,
                    }
                }
                if config.urgent_gate is not None
                else {}
            ),
            "thresholds": _thresholds(tuned_stack),
            "threshold_tuning": _tuning(tuned_stack, config),
        }
    return out


def _thresholds(tuned: dict[str, float]) -> dict[str, float]:
    out = {"urgent": tuned["threshold"]}
    if "threshold_dispute" in tuned:
        out["urgent_dispute"] = tuned["threshold_dispute"]
    return out


def _tuning(tuned: dict[str, float], config: TrainConfig) -> dict[str, Any]:
    return {**tuned, "beta": config.urgent_beta, "folds": config.tune_folds}


def labelled_fields(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Return the label fields (category, sentiment, priority) present in any row."""
    return [f for f in LABEL_FIELDS if any(isinstance(r.get(f), str) and r[f] for r in rows)]


def merge_base(model: CompiledModel, base: CompiledModel) -> CompiledModel:
    """Add to model the heads it lacks, taken from base (with their own feature space)."""

    def wanted(h: Head) -> bool:
        if h.name in model.heads:
            return False
        owner = h.info.get("hidden_for")
        if owner is None:
            return True
        # a hidden stack input comes along only with its owner, and only while the owner
        # keeps its stack (a new category head drops it, see below)
        return owner not in model.heads and "category" not in model.heads

    missing = [h for h in base.heads.values() if wanted(h)]
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
            if h.name == "priority" and "category" in model.heads:
                # the stack was fitted on the base's category head, which is replaced here
                info.pop("urgent_stack", None)
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

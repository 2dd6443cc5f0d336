"""Evaluate an engine on labelled rows, and cross-validate training on a dataset."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pasokh.triage.doc import TriageContext
from pasokh.triage.engine import TriageEngine, TriageResult
from pasokh.triage.metrics import binary, report
from pasokh.triage.model import softmax
from pasokh.triage.training import (
    TrainConfig,
    build_space,
    compile_weights,
    featurise,
    fit_head,
    head_matrix,
    matrix,
    stratified_folds,
)

FIELDS = ("category", "sentiment", "priority")
HIGH_OR_URGENT = frozenset({"high", "urgent"})

Progress = Callable[[Iterable[Any]], Iterable[Any]]


def context_of(row: dict[str, Any]) -> TriageContext:
    """Build a TriageContext from the optional context fields of a JSONL row."""
    return TriageContext(
        channel=str(row.get("channel") or "unknown"),
        is_public=bool(row.get("public", False)),
        reach=int(row.get("reach", 0) or 0),
        is_vip=bool(row.get("vip", False)),
        waiting_seconds=float(row.get("waiting_seconds", 0.0) or 0.0),
        repeat_contacts=int(row.get("repeat_contacts", 0) or 0),
        lang_hint=row.get("lang") if isinstance(row.get("lang"), str) else None,
    )


def _labelled(rows: Sequence[dict[str, Any]], field: str) -> list[int]:
    return [i for i, r in enumerate(rows) if isinstance(r.get(field), str) and r[field]]


def field_report(
    rows: Sequence[dict[str, Any]], results: Sequence[TriageResult], field: str
) -> dict[str, Any] | None:
    """Metrics of one field over the rows that label it (None if none do)."""
    idx = _labelled(rows, field)
    if not idx:
        return None
    y_true = [rows[i][field] for i in idx]
    y_pred = [getattr(results[i], field) for i in idx]
    out = report(y_true, y_pred)
    if field == "priority":
        # public sets use "high" to mean high-or-urgent: compare on that footing too
        out["high_or_urgent"] = binary(
            [t in HIGH_OR_URGENT for t in y_true], [p in HIGH_OR_URGENT for p in y_pred]
        )
        if "urgent" in y_true:
            out["urgent"] = binary([t == "urgent" for t in y_true], [p == "urgent" for p in y_pred])
        return out
    present = set(y_true)
    classes = set(results[idx[0]].scores.get(field, {}))
    if present < classes:
        # e.g. a positive/negative set scored by a 3-way model: argmax over the set's labels
        restricted = [_best_of(results[i].scores[field], present) for i in idx]
        out["restricted_to_data_labels"] = {
            "labels": sorted(present),
            **{k: v for k, v in report(y_true, restricted).items() if k != "per_class"},
        }
    return out


def _best_of(scores: dict[str, float], labels: set[str]) -> str:
    return max(sorted(labels), key=lambda label: scores.get(label, 0.0))


def evaluate(
    engine: TriageEngine, rows: Sequence[dict[str, Any]], progress: Progress | None = None
) -> dict[str, Any]:
    """Triage every row and report metrics for each labelled field, overall and per language."""
    items: Iterable[dict[str, Any]] = progress(rows) if progress else rows
    results = [engine.triage(r["text"], context_of(r)) for r in items]
    out: dict[str, Any] = {
        "rows": len(rows),
        "model_version": engine.model_version,
        "rules_version": engine.rules.version,
        "needs_review_rate": round(sum(r.needs_review for r in results) / max(1, len(rows)), 4),
    }
    out.update(_fields(rows, results))
    langs = [r.get("lang") for r in rows]
    if any(isinstance(lang, str) for lang in langs):
        lang_idx = [
            i for i, lang in enumerate(langs) if lang in ("fa", "en", "ar", "fa-latn", "other")
        ]
        if lang_idx:
            lang_rep = report(
                [str(langs[i]) for i in lang_idx], [results[i].language for i in lang_idx]
            )
            out["language"] = {k: v for k, v in lang_rep.items() if k != "per_class"}
        groups: dict[str, list[int]] = defaultdict(list)
        for i, lang in enumerate(langs):
            groups[str(lang)].append(i)
            if lang in ("fa", "fa-latn"):
                groups["fa+fa-latn"].append(i)
        if len({lang for lang in langs if isinstance(lang, str)}) > 1:
            out["by_lang"] = {
                lang: {"rows": len(ix), **_fields([rows[i] for i in ix], [results[i] for i in ix])}
                for lang, ix in sorted(groups.items())
            }
    return out


def _fields(rows: Sequence[dict[str, Any]], results: Sequence[TriageResult]) -> dict[str, Any]:
    out = {}
    for field in FIELDS:
        rep = field_report(rows, results, field)
        if rep is not None:
            out[field] = rep
    return out


def cross_validate(
    rows: Sequence[dict[str, Any]],
    field: str,
    folds: int = 10,
    *,
    seed: int = 0,
    config: TrainConfig | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """k-fold CV of training one head: per-fold and pooled accuracy / macro-F1."""
    cfg = config or TrainConfig()
    idx = _labelled(rows, field)
    labels = [rows[i][field] for i in idx]
    docs = featurise((rows[i]["text"] for i in idx), cfg.features)
    fold_of = stratified_folds(labels, folds, seed)
    pooled_pred = [""] * len(idx)
    per_fold = []
    fold_ids: Iterable[int] = progress(range(folds)) if progress else range(folds)
    for k in fold_ids:
        train_ix = [j for j in range(len(idx)) if fold_of[j] != k]
        test_ix = [j for j in range(len(idx)) if fold_of[j] == k]
        space = build_space([docs[j] for j in train_ix], cfg)
        clf = fit_head(
            head_matrix(matrix(space, [docs[j] for j in train_ix]), space, field, cfg),
            [labels[j] for j in train_ix],
            cfg,
            field,
        )
        weights, bias, classes = compile_weights(clf)
        space.weights, space.bias = weights, bias
        for j in test_ix:
            probs = softmax(space.decision(docs[j]).tolist())
            pooled_pred[j] = classes[max(range(len(classes)), key=probs.__getitem__)]
        rep = report([labels[j] for j in test_ix], [pooled_pred[j] for j in test_ix])
        per_fold.append({"accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"], "n": rep["n"]})
    accs = [f["accuracy"] for f in per_fold]
    f1s = [f["macro_f1"] for f in per_fold]
    pooled = report(labels, pooled_pred)
    return {
        "field": field,
        "rows": len(idx),
        "folds": folds,
        "seed": seed,
        "accuracy_mean": round(statistics.mean(accs), 4),
        "accuracy_std": round(statistics.pstdev(accs), 4),
        "macro_f1_mean": round(statistics.mean(f1s), 4),
        "macro_f1_std": round(statistics.pstdev(f1s), 4),
        "per_fold": per_fold,
        "pooled": pooled,
    }

"""Classification metrics in plain Python (no scikit-learn needed to evaluate)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Return accuracy, macro-F1 (over the true labels), per-class P/R/F1 and a confusion matrix."""
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred differ in length")
    true_labels = sorted(set(y_true))
    labels = sorted(set(y_true) | set(y_pred))
    pairs = Counter(zip(y_true, y_pred, strict=True))
    per_class: dict[str, dict[str, float | int]] = {}
    for label in labels:
        tp = pairs[(label, label)]
        fp = sum(n for (t, p), n in pairs.items() if p == label and t != label)
        fn = sum(n for (t, p), n in pairs.items() if t == label and p != label)
        precision, recall, f1 = _prf(tp, fp, fn)
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
    correct = sum(n for (t, p), n in pairs.items() if t == p)
    macro = sum(float(per_class[lbl]["f1"]) for lbl in true_labels) / max(1, len(true_labels))
    return {
        "n": len(y_true),
        "accuracy": round(correct / max(1, len(y_true)), 4),
        "macro_f1": round(macro, 4),
        "per_class": per_class,
        "confusion": {
            "labels": labels,
            "rows_are": "true label; columns are predicted label",
            "matrix": [[pairs[(t, p)] for p in labels] for t in labels],
        },
    }


def binary(y_true: Sequence[bool], y_pred: Sequence[bool]) -> dict[str, Any]:
    """Return precision, recall and F1 of a yes/no decision."""
    tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and p)
    fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if p and not t)
    fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and not p)
    precision, recall, f1 = _prf(tp, fp, fn)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": tp + fn,
        "predicted": tp + fp,
    }

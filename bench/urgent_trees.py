"""A small gradient-boosted tree ensemble for urgent, for measuring (bench/urgent_oof.py).

The linear urgent stack (``priority.UrgentStack``) weighs each input on its own; trees can
read a combination (a complaint *and* a question mark *and* "tomorrow"). Measured out of
fold in 2026-12-07 and not shipped (docs/triage.md); kept here so the measurement can be
repeated. The ensemble is plain arrays (feature, threshold, left, right, value per node,
padded to the largest tree) that an npz holds without pickle, evaluated in numpy: all
trees step down one level at a time, so a message costs `depth` vectorised steps.

Its inputs (bench/urgent_designs.py) are the heads' out-of-fold log-probabilities and
the ``SIGNALS`` that ``text_signals`` reads from the normalised text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# words of a same-day or a later day (corpus README: H5 "an event tonight" vs U…
# "today"; "tomorrow" is the commonest word of the high look-alikes); normalised
# spelling, whole tokens
_TODAY = frozenset(
    [
        "امروز",
        "امشب",
        "الان",
        "الآن",
        "فورا",
        "فوری",
        "همین",
        "today",
        "tonight",
        "now",
        "asap",
        "immediately",
        "urgent",
        "emrooz",
        "emruz",
        "emshab",
        "alan",
        "foran",
    ]
)
_LATER = frozenset(
    ["فردا", "پسفردا", "بعد", "هفته", "ماه", "tomorrow", "next", "week", "later", "farda", "hafte"]
)

SIGNALS = ("tokens", "question", "today", "later", "latin")


def text_signals(norm: str, language: str) -> list[float]:
    """Return the text signals (SIGNALS order) of one normalised message."""
    tokens = norm.split()
    words = set(tokens)
    return [
        math.log1p(len(tokens)),
        1.0 if "?" in words else 0.0,
        1.0 if words & _TODAY else 0.0,
        1.0 if words & _LATER else 0.0,
        1.0 if language in ("en", "fa-latn") else 0.0,
    ]


@dataclass(frozen=True, slots=True)
class TreeEnsemble:
    """Boosted regression trees on a logit scale: p = sigmoid(base + Σ_t leaf_t(x)).

    Arrays are (trees × nodes); a leaf points left and right at itself, so `depth` steps
    from the root always end on a leaf.
    """

    feature: np.ndarray  # int32: input index tested at the node (0 at leaves)
    threshold: np.ndarray  # float64: go left when x[feature] <= threshold
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    value: np.ndarray  # float64: the leaf's contribution to the logit (0 elsewhere)
    base: float
    depth: int

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Return the logit of each row of x (messages × inputs)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        trees = np.arange(self.feature.shape[0])[None, :]
        node = np.zeros((x.shape[0], self.feature.shape[0]), dtype=np.intp)
        rows = np.arange(x.shape[0])[:, None]
        for _ in range(self.depth):
            go_left = x[rows, self.feature[trees, node]] <= self.threshold[trees, node]
            node = np.where(go_left, self.left[trees, node], self.right[trees, node])
        out: np.ndarray = self.base + self.value[trees, node].sum(axis=1)
        return out

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Return P(urgent) of each row of x."""
        z = self.logits(x)
        return 1.0 / (1.0 + np.exp(-z))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Return the arrays to store in an npz, under `prefix`."""
        return {
            f"{prefix}feature": self.feature,
            f"{prefix}threshold": self.threshold,
            f"{prefix}left": self.left,
            f"{prefix}right": self.right,
            f"{prefix}value": self.value,
        }

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str, *, base: float, depth: int) -> TreeEnsemble:
        """Rebuild an ensemble from npz arrays (read with allow_pickle=False)."""
        return cls(
            np.asarray(arrays[f"{prefix}feature"], dtype=np.int32),
            np.asarray(arrays[f"{prefix}threshold"], dtype=np.float64),
            np.asarray(arrays[f"{prefix}left"], dtype=np.int32),
            np.asarray(arrays[f"{prefix}right"], dtype=np.int32),
            np.asarray(arrays[f"{prefix}value"], dtype=np.float64),
            float(base),
            int(depth),
        )


def from_sklearn(clf: Any) -> TreeEnsemble:
    """Convert a fitted binary HistGradientBoostingClassifier into a TreeEnsemble."""
    predictors = [p[0] for p in clf._predictors]  # one tree per iteration (binary)
    size = max(len(p.nodes) for p in predictors)
    n = len(predictors)
    feature = np.zeros((n, size), dtype=np.int32)
    threshold = np.zeros((n, size))
    left = np.zeros((n, size), dtype=np.int32)
    right = np.zeros((n, size), dtype=np.int32)
    value = np.zeros((n, size))
    depth = 0
    for t, pred in enumerate(predictors):
        nodes = pred.nodes
        for i, node in enumerate(nodes):
            if node["is_leaf"]:
                left[t, i] = right[t, i] = i
                value[t, i] = node["value"]
            else:
                feature[t, i] = node["feature_idx"]
                threshold[t, i] = node["num_threshold"]
                left[t, i] = node["left"]
                right[t, i] = node["right"]
        depth = max(depth, int(nodes["depth"].max()))
    base = float(np.ravel(clf._baseline_prediction)[0])
    return TreeEnsemble(feature, threshold, left, right, value, base, depth)


def fit_trees(
    x: np.ndarray, y: Sequence[bool], *, params: dict[str, Any], seed: int = 0
) -> TreeEnsemble:
    """Fit the ensemble (scikit-learn, training only) and convert it to arrays."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    clf = HistGradientBoostingClassifier(early_stopping=False, random_state=seed, **params).fit(
        x, np.asarray(y, dtype=bool)
    )
    return from_sklearn(clf)

"""Urgent designs scored by bench/urgent_oof.py: each maps the out-of-fold inputs to scores.

Every design is cross-fitted on the folds the inputs were made on (fit on three folds,
score the fourth), so its scores are out of fold, as training's stack is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from urgent_trees import fit_trees

from pasokh.triage.training import STACK_FLOOR, TrainConfig, fit_urgent_stack, gate_open

CATS = ("complaint", "feedback", "other", "question", "request", "technical")
CFG = TrainConfig()
TREES = {
    "max_depth": 3,
    "learning_rate": 0.05,
    "max_iter": 200,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
}
TREES_SMALL = {
    "max_depth": 2,
    "learning_rate": 0.05,
    "max_iter": 150,
    "min_samples_leaf": 30,
    "l2_regularization": 1.0,
}


def log(p):
    return np.log(np.clip(p, STACK_FLOOR, 1.0))


def gate(d):
    return gate_open(d["p_cat"], CATS, CFG)


def shipped(d, gated=True):
    _, s = fit_urgent_stack(d["p_unb"][:, 3], d["p_cat"], CATS, d["truth"], d["fold"], CFG)
    return np.where(gate(d), s, 0.0) if gated else s


def inputs(d, parts):
    cols = []
    for part in parts:
        if part == "unb_u":
            cols.append(log(d["p_unb"][:, 3:4]))
        elif part in ("p_unb", "p_bal", "p_cat", "p_sent"):
            cols.append(log(d[part]))
        elif part == "signals":
            cols.append(d["signals"])
        elif part == "dispute":
            cols.append(d["dispute"][:, None].astype(float))
        elif part == "cues":
            cols.append(d["cues"])
        elif part == "hits":
            cols.append(d["hits"][:, None].astype(float))
    return np.hstack(cols)


def trees(d, parts, params=TREES, gated=False, unruled=False):
    x = inputs(d, parts)
    y = d["truth"]
    out = np.zeros(len(y))
    for k in sorted(set(d["fold"].tolist())):
        tr = d["fold"] != k
        if unruled:
            tr &= ~d["hits"]
        te = d["fold"] == k
        out[te] = fit_trees(x[tr], y[tr], params=params).proba(x[te])
    return np.where(gate(d), out, 0.0) if gated else out


def linear(d, parts, gated=True):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = inputs(d, parts)
    y = d["truth"]
    out = np.zeros(len(y))
    for k in sorted(set(d["fold"].tolist())):
        tr, te = d["fold"] != k, d["fold"] == k
        sc = StandardScaler().fit(x[tr])
        clf = LogisticRegression(C=1.0, max_iter=3000).fit(sc.transform(x[tr]), y[tr])
        out[te] = clf.predict_proba(sc.transform(x[te]))[:, 1]
    return np.where(gate(d), out, 0.0) if gated else out


def blend(d, a, b, w=0.5):
    sa, sb = a(d), b(d)
    z = w * log(sa) - w * log(1 - sa + 1e-9) + (1 - w) * (log(sb) - log(1 - sb + 1e-9))
    return 1 / (1 + np.exp(-z))


HEADS = ("unb_u", "p_cat")
RICH = ("p_unb", "p_bal", "p_cat", "p_sent")
TEXT = (*RICH, "signals", "dispute")
ALL = (*TEXT, "cues")

DESIGNS: dict[str, Callable[[dict], np.ndarray]] = {
    "shipped (linear stack, gate 0.3)": shipped,
    "trees: P(urgent) + category": partial(trees, parts=HEADS),
    "trees: all head log-probs": partial(trees, parts=RICH),
    "trees: heads + text signals": partial(trees, parts=TEXT),
    "trees: heads + text + cues": partial(trees, parts=ALL),
    "trees: heads + text, gate 0.3": partial(trees, parts=TEXT, gated=True),
    "trees: heads + text, unruled rows": partial(trees, parts=TEXT, unruled=True),
    "trees depth 2: heads + text": partial(trees, parts=TEXT, params=TREES_SMALL),
    "linear: heads + text, gate": partial(linear, parts=TEXT),
    "blend shipped + trees(heads+text)": lambda d: blend(
        d, shipped, partial(trees, parts=TEXT, gated=True)
    ),
}

STUMPS = {
    "max_depth": 1,
    "learning_rate": 0.05,
    "max_iter": 300,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
}
DEPTH2_SLOW = {
    "max_depth": 2,
    "learning_rate": 0.03,
    "max_iter": 150,
    "min_samples_leaf": 50,
    "l2_regularization": 5.0,
}


def shipped_unruled(d):
    """The shipped linear stack, fitted only on the rows no phrase rule fires on."""
    from sklearn.linear_model import LogisticRegression

    x = inputs(d, HEADS)
    y = d["truth"]
    out = np.zeros(len(y))
    for k in sorted(set(d["fold"].tolist())):
        tr = (d["fold"] != k) & ~d["hits"]
        te = d["fold"] == k
        out[te] = (
            LogisticRegression(C=1.0, max_iter=2000).fit(x[tr], y[tr]).predict_proba(x[te])[:, 1]
        )
    return np.where(gate(d), out, 0.0)


def beside(d, parts, params):
    """Trees over the shipped stack's own out-of-fold logit and more inputs (nested)."""
    s = shipped(d, gated=False)
    d2 = {**d, "stack": log(s)[:, None] - log(1 - s)[:, None]}
    x = np.hstack([d2["stack"], inputs(d, parts)])
    y = d["truth"]
    out = np.zeros(len(y))
    for k in sorted(set(d["fold"].tolist())):
        tr, te = d["fold"] != k, d["fold"] == k
        out[te] = fit_trees(x[tr], y[tr], params=params).proba(x[te])
    return np.where(gate(d), out, 0.0)


DESIGNS.update(
    {
        "stumps: heads + text": partial(trees, parts=TEXT, params=STUMPS),
        "stumps: P(urgent) + category, gate": partial(
            trees, parts=HEADS, params=STUMPS, gated=True
        ),
        "depth 2 slow: heads + text, gate": partial(
            trees, parts=TEXT, params=DEPTH2_SLOW, gated=True
        ),
        "depth 2 slow: heads + text + cues, gate": partial(
            trees, parts=ALL, params=DEPTH2_SLOW, gated=True
        ),
        "linear stack on unruled rows": shipped_unruled,
        "beside: stack logit + text, stumps": partial(
            beside, parts=("signals", "dispute"), params=STUMPS
        ),
        "beside: stack logit + sentiment + text, depth 2 slow": partial(
            beside, parts=("p_sent", "signals", "dispute"), params=DEPTH2_SLOW
        ),
    }
)

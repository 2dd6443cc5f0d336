"""Urgent stack inputs with less variance, out of fold on the corpus train split (never held-out).

    cd bench && PYTHONPATH=../src python urgent_bagging.py --seeds 1 2 3 4 [--parts bag bag90 bin]
        [--cache DIR] [--compute-only] [--designs SUBSTRING ...] [--languages]

For each fold seed, on the folds `_tune_urgent` makes (the ones `bench/urgent_oof.py` caches
its inputs on), this computes more out-of-fold candidates for the stack's P(urgent) and
caches them (`DIR/extra_<part>_s<seed>.npz`):

- `bag`: the hidden unbalanced priority head fitted K times per fold on random 80 % subsets
  (`sub`) or on bootstrap resamples (`boot`, counts as sample weights) of the fold's
  training part, its weight matrices and intercepts averaged (one linear model, so it would
  compile into one weight matrix: zero serving cost); K = 1, 3, 5, 10 are the running
  averages of the same fits.
- `bag90`: the same on 90 % subsets, K = 5, 10, 20.
- `bin`: a binary urgent-vs-rest head (C 0.3 / 1 / 3 / 10, without and with balanced class
  weights) on the priority head's features.

Then every design (the shipped linear stack with one input swapped or added, the stack's C,
the gate, per-language threshold pairs) is scored as `bench/urgent_oof.py` does: the stack
cross-fitted on the same folds, the pair tuned on its out-of-fold scores; figures are urgent
P at R ≥ 0.95 / mean P over recall goals 0.93–0.96, and "+b/−w" counts the seeds better /
worse than the shipped design at R 0.95. --languages adds per-language pairs (fa + Finglish
vs en), tuned on all out-of-fold scores and nested (tuned on three folds' scores, applied to
the fourth), with one pair nested at several goals for a comparison at equal recall. The keep
rule (fixed before measuring): mean P@0.95 up by ≥ 0.005 and up on at least 3 of the 4 seeds.
"""

from __future__ import annotations

import argparse
import importlib
import time
import warnings
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from urgent_designs import CATS, CFG, log
from urgent_oof import figures, load_inputs

from pasokh.triage.corpus import load_corpus
from pasokh.triage.language import detect_language
from pasokh.triage.training import (
    build_space,
    featurise,
    fit_urgent_stack,
    gate_open,
    head_matrix,
    matrix,
    stratified_folds,
    tune_threshold,
)

BAG_K = (1, 3, 5, 10)
BAG90_K = (5, 10, 20)
BIN_C = (0.3, 1.0, 3.0, 10.0)


def fit_lr(x: Any, y: Any, c: float, class_weight: str | None, sample_weight=None) -> Any:
    """One logistic regression as `training.fit_head` fits it (lbfgs, one BLAS thread)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    limits = importlib.import_module("threadpoolctl").threadpool_limits
    clf = LogisticRegression(C=c, class_weight=class_weight, max_iter=CFG.max_iter)
    with warnings.catch_warnings(), limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y, sample_weight=sample_weight)
    return clf


def softmax_urgent(x: Any, coef: np.ndarray, bias: np.ndarray, classes: list[str]) -> np.ndarray:
    """P(urgent) of the linear model (coef classes × features, bias) on the rows of x."""
    z = np.asarray(x @ coef.T) + bias
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    return p[:, classes.index("urgent")]


def split_rows(seed: int) -> tuple[Any, list[str], np.ndarray, list[str]]:
    """The priority head's matrix, labels, folds and languages of the train split."""
    rows = [r for r in load_corpus("train") if r.get("priority")]
    texts = [r["text"] for r in rows]
    pri = [r["priority"] for r in rows]
    fold = np.array(stratified_folds(pri, CFG.tune_folds, seed=seed))
    docs = featurise(texts, CFG.features)
    space = build_space(docs, CFG)
    xp = head_matrix(matrix(space, docs), space, "priority", CFG).tocsr()
    return xp, pri, fold, [detect_language(t) for t in texts]


def compute_bag(
    xp: Any,
    pri: list[str],
    fold: np.ndarray,
    seed: int,
    kinds: tuple[str, ...] = ("sub", "boot"),
    fraction: float = 0.8,
    ks: tuple[int, ...] = BAG_K,
) -> dict[str, np.ndarray]:
    y = np.array(pri)
    classes = sorted(set(pri))
    tag = {"sub": "sub" if fraction == 0.8 else f"sub{round(100 * fraction)}", "boot": "boot"}
    out = {f"bag_{tag[kind]}_k{k}": np.zeros(len(pri)) for kind in kinds for k in ks}
    for f in range(CFG.tune_folds):
        tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        rng = np.random.default_rng(1000 * seed + f)
        for kind in kinds:
            coef_sum, bias_sum = 0.0, 0.0
            for b in range(1, max(ks) + 1):
                if kind == "sub":
                    part = np.sort(rng.choice(tr, size=int(fraction * len(tr)), replace=False))
                    clf = fit_lr(xp[part], y[part], CFG.c, None)
                else:
                    counts = np.bincount(rng.integers(0, len(tr), len(tr)), minlength=len(tr))
                    keep = counts > 0
                    clf = fit_lr(xp[tr[keep]], y[tr[keep]], CFG.c, None, counts[keep])
                assert list(clf.classes_) == classes
                coef_sum = coef_sum + clf.coef_
                bias_sum = bias_sum + clf.intercept_
                if b in ks:
                    out[f"bag_{tag[kind]}_k{b}"][te] = softmax_urgent(
                        xp[te], coef_sum / b, bias_sum / b, classes
                    )
        print(f"    bag seed {seed} fold {f} done", flush=True)
    return out


def compute_bin(xp: Any, pri: list[str], fold: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    y = np.array([p == "urgent" for p in pri])
    out: dict[str, np.ndarray] = {}
    for c in BIN_C:
        for cw in (None, "balanced"):
            key = f"bin_c{c:g}_{'bal' if cw else 'none'}"
            out[key] = np.zeros(len(pri))
            for f in range(CFG.tune_folds):
                tr, te = fold != f, fold == f
                out[key][te] = fit_lr(xp[tr], y[tr], c, cw).predict_proba(xp[te])[:, 1]
    return out


def load_extra(cache: Path, part: str, seed: int) -> dict[str, np.ndarray]:
    path = cache / f"extra_{part}_s{seed}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    t0 = time.time()
    xp, pri, fold, lang = split_rows(seed)
    data: dict[str, np.ndarray] = {"fold": fold, "lang": np.array(lang)}
    if part == "bag":
        data.update(compute_bag(xp, pri, fold, seed))
    elif part == "bag90":
        data.update(compute_bag(xp, pri, fold, seed, ("sub",), 0.9, BAG90_K))
    else:
        data.update(compute_bin(xp, pri, fold, seed))
    np.savez(path, **data)
    print(f"  seed {seed}: {part} inputs in {time.time() - t0:.0f} s", flush=True)
    return data


# ---- designs: each maps the inputs of one seed to out-of-fold stack scores ----------------


def stack(d: dict, p_input: np.ndarray, cfg=CFG) -> np.ndarray:
    """The shipped stack (training.fit_urgent_stack) on another P(urgent), gated as shipped."""
    _, s = fit_urgent_stack(p_input, d["p_cat"], CATS, d["truth"], d["fold"], cfg)
    return np.where(gate_open(d["p_cat"], CATS, cfg), s, 0.0)


def shipped(d: dict) -> np.ndarray:
    return stack(d, d["p_unb"][:, 3])


def swapped(d: dict, key: str) -> np.ndarray:
    return stack(d, d[key])


def beside(d: dict, key: str) -> np.ndarray:
    """The linear stack over log P_unb(urgent), log P_key(urgent) and log P(category)."""
    from sklearn.linear_model import LogisticRegression

    z = np.column_stack([log(d["p_unb"][:, 3]), log(d[key]), log(d["p_cat"])])
    y = d["truth"]
    out = np.zeros(len(y))
    for k in range(CFG.tune_folds):
        tr, te = d["fold"] != k, d["fold"] == k
        clf = LogisticRegression(C=CFG.stack_c, max_iter=2000).fit(z[tr], y[tr])
        out[te] = clf.predict_proba(z[te])[:, 1]
    return np.where(gate_open(d["p_cat"], CATS, CFG), out, 0.0)


def stack_c(d: dict, c: float) -> np.ndarray:
    return stack(d, d["p_unb"][:, 3], replace(CFG, stack_c=c))


def gate_at(d: dict, g: float | None) -> np.ndarray:
    return stack(d, d["p_unb"][:, 3], replace(CFG, urgent_gate=g))


# ---- per-language pairs -------------------------------------------------------------------

GRID = [round(float(t), 2) for t in np.arange(0.05, 0.96, 0.01)]


def frontier(scores, truth, hits, dispute) -> np.ndarray:
    """All (tp, flagged, t1, t2) a threshold pair reaches on these rows (t2 ≥ t1)."""
    pts = []
    for t1 in GRID:
        plain = hits | (~dispute & (scores >= t1))
        for t2 in (t for t in GRID if t >= t1):
            pred = plain | (dispute & (scores >= t2))
            pts.append((int((pred & truth).sum()), int(pred.sum()), t1, t2))
    return np.array(pts, dtype=float)


def best_split_pairs(parts: list[np.ndarray], need: float) -> tuple[float, ...] | None:
    """Two languages' frontiers: the pairs reaching `need` true positives, fewest flagged."""
    a, b = parts
    best = None
    for ta, fa, *pa in a:
        rest = b[b[:, 0] >= need - ta]
        if not len(rest):
            continue
        j = np.lexsort((-rest[:, 2], rest[:, 1]))[0]
        flagged = fa + rest[j, 1]
        prec = (ta + rest[j, 0]) / max(1.0, flagged)
        if best is None or prec > best[0]:
            best = (prec, *pa, *rest[j, 2:])
    return best


def lang_groups(d: dict) -> np.ndarray:
    return np.isin(d["lang"], ["en"])  # True: English; False: fa and Finglish


def per_language(scores: np.ndarray, d: dict, goal: float, rows=None, apply=None):
    """(P, R) of per-language pairs tuned on `rows` for the goal, applied to `apply`."""
    en = lang_groups(d)
    rows = np.ones(len(scores), bool) if rows is None else rows
    truth, hits, disp = d["truth"], d["hits"].astype(bool), d["dispute"].astype(bool)
    fr = [
        frontier(scores[rows & g], truth[rows & g], hits[rows & g], disp[rows & g])
        for g in (~en, en)
    ]
    need = goal * truth[rows].sum()
    best = best_split_pairs(fr, need)
    assert best is not None
    _, fa1, fa2, en1, en2 = best
    app = rows if apply is None else apply
    t1 = np.where(en, en1, fa1)
    t2 = np.where(en, en2, fa2)
    pred = hits | (scores >= np.where(disp, t2, t1))
    pred &= app
    tp = (pred & truth).sum()
    return tp / max(1, pred.sum()), tp / max(1, (truth & app).sum()), (fa1, fa2, en1, en2)


def one_pair(scores: np.ndarray, d: dict, goal: float, rows, apply):
    """(P, R) of the shipped single pair tuned on `rows`, applied to `apply`."""
    labels = ["urgent" if t else "rest" for t in d["truth"][rows]]
    cfg = replace(CFG, urgent_recall=goal)
    tuned = tune_threshold(
        None, labels, "urgent", cfg, d["hits"][rows], d["dispute"][rows], scores=scores[rows]
    )
    t1, t2 = tuned["threshold"], tuned["threshold_dispute"]
    disp = d["dispute"].astype(bool)
    pred = (d["hits"].astype(bool) | (scores >= np.where(disp, t2, t1))) & apply
    tp = (pred & d["truth"]).sum()
    return tp / max(1, pred.sum()), tp / max(1, (d["truth"] & apply).sum())


def nested(scores: np.ndarray, d: dict, how: str, goal: float = 0.95) -> tuple[float, float]:
    """Pairs tuned on three folds' out-of-fold scores and applied to the fourth, pooled."""
    pred_tp = pred_n = 0.0
    n_true = d["truth"].sum()
    for k in range(CFG.tune_folds):
        rows, app = d["fold"] != k, d["fold"] == k
        if how == "lang":
            p, r, _ = per_language(scores, d, goal, rows, app)
        else:
            p, r = one_pair(scores, d, goal, rows, app)
        tp = r * (d["truth"] & app).sum()
        pred_tp += tp
        pred_n += tp / p if p else 0.0
    return pred_tp / max(1.0, pred_n), pred_tp / n_true


DESIGNS = {
    "shipped: unbalanced P(urgent) + category, gate 0.3, stack C 1": shipped,
    **{f"bagged 80% subsets K={k} instead": partial(swapped, key=f"bag_sub_k{k}") for k in BAG_K},
    **{f"bagged bootstrap K={k} instead": partial(swapped, key=f"bag_boot_k{k}") for k in BAG_K},
    "bagged 80% subsets K=10 beside": partial(beside, key="bag_sub_k10"),
    **{
        f"bagged 90% subsets K={k} instead": partial(swapped, key=f"bag_sub90_k{k}")
        for k in BAG90_K
    },
    "bagged 90% subsets K=20 beside": partial(beside, key="bag_sub90_k20"),
    **{
        f"binary urgent head C {c:g}{' balanced' if cw == 'bal' else ''} instead": partial(
            swapped, key=f"bin_c{c:g}_{cw}"
        )
        for c in BIN_C
        for cw in ("none", "bal")
    },
    **{
        f"binary urgent head C {c:g}{' balanced' if cw == 'bal' else ''} beside": partial(
            beside, key=f"bin_c{c:g}_{cw}"
        )
        for c in BIN_C
        for cw in ("none", "bal")
    },
    **{f"stack C {c:g}": partial(stack_c, c=c) for c in (0.03, 0.1, 0.3, 3.0, 10.0)},
    **{f"gate {g}": partial(gate_at, g=g) for g in (None, 0.2, 0.25, 0.35)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--cache", default="/tmp/urgw")
    parser.add_argument("--parts", nargs="*", default=["bag", "bag90", "bin"])
    parser.add_argument("--designs", nargs="*", default=None, help="substrings of design names")
    parser.add_argument("--compute-only", action="store_true")
    parser.add_argument("--languages", action="store_true", help="per-language pairs")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    seeds_data = {}
    for seed in args.seeds:
        extra = {}
        for part in args.parts:
            extra.update(load_extra(cache, part, seed))
        if args.compute_only:
            continue
        base = load_inputs(
            argparse.Namespace(cache=str(cache), tag="base", new_rows=None, exclude=None), seed
        )
        assert (base["fold"] == extra["fold"]).all()
        seeds_data[seed] = {**base, **extra}
    if args.compute_only:
        return
    names = [
        n
        for n in DESIGNS
        if args.designs is None or n == next(iter(DESIGNS)) or any(s in n for s in args.designs)
    ]
    ref: list[float] = []
    for n in names:
        cells, ps, ms = [], [], []
        for d in seeds_data.values():
            try:
                p, r, m = figures(DESIGNS[n](d), d)
            except KeyError:
                break
            cells.append(f"{p:.3f} / {m:.3f}")
            ps.append(p)
            ms.append(m)
        if len(ps) != len(seeds_data):
            continue
        if not ref:
            ref = ps
        better = sum(p > q + 1e-9 for p, q in zip(ps, ref, strict=True))
        worse = sum(p < q - 1e-9 for p, q in zip(ps, ref, strict=True))
        gain = np.mean(ps) - np.mean(ref)
        kept = "pass" if gain >= 0.005 and better >= 3 else "fail"
        print(
            f"| {n} | {' | '.join(cells)} | {np.mean(ps):.3f} | {np.mean(ms):.3f} "
            f"| {gain:+.3f}, +{better} / −{worse} ({kept}) |",
            flush=True,
        )
    if args.languages:
        print("\nurgent rows per language group (fa + Finglish / en) per fold:")
        for seed, d in seeds_data.items():
            en = lang_groups(d)
            cells = [
                f"{int((d['truth'] & ~en & (d['fold'] == k)).sum())}/"
                f"{int((d['truth'] & en & (d['fold'] == k)).sum())}"
                for k in range(CFG.tune_folds)
            ]
            print(f"  seed {seed}: {', '.join(cells)}")
        print(
            "\n| pairs | seed 1 | seed 2 | seed 3 | seed 4 | mean P |\n"
            "in-sample: tuned on all out-of-fold scores (as the table above); "
            "nested: tuned on 3 folds, applied to the 4th"
        )
        for how in ("one", "lang"):
            ins, nes = [], []
            for _seed, d in seeds_data.items():
                s = shipped(d)
                if how == "one":
                    p, r, _ = figures(s, d)
                else:
                    p, r, _ = per_language(s, d, 0.95)
                ins.append(f"{p:.3f} (R {r:.3f})")
                nes.append(nested(s, d, how))
            mean_in = np.mean([float(c.split()[0]) for c in ins])
            print(f"| {how} pair(s), in-sample | {' | '.join(ins)} | {mean_in:.3f} |")
            cells = " | ".join(f"{p:.3f} (R {r:.3f})" for p, r in nes)
            print(f"| {how} pair(s), nested | {cells} | {np.mean([p for p, _ in nes]):.3f} |")
        print("\nnested, other inner goals (tuned on 3 folds, applied to the 4th): mean P / R")
        for how, goals in (("one", (0.945, 0.955, 0.96)), ("lang", (0.955, 0.96, 0.965))):
            for g in goals:
                nes = [nested(shipped(d), d, how, g) for d in seeds_data.values()]
                cells = " | ".join(f"{p:.3f} (R {r:.3f})" for p, r in nes)
                print(
                    f"| {how} pair(s), goal {g} | {cells} | {np.mean([p for p, _ in nes]):.3f} "
                    f"/ {np.mean([r for _, r in nes]):.3f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()

"""Out-of-fold urgent designs on the corpus train split (never held-out), per fold seed.

    PYTHONPATH=src python bench/urgent_oof.py --seeds 1 2 3 4 [--new-rows FILE]

Step 1 computes, once per fold seed, the out-of-fold probabilities of every head the
urgent policy can read (the balanced and the unbalanced priority heads, category,
sentiment) on the 4 folds `_tune_urgent` makes (`stratified_folds(priority, 4, seed)`),
plus the text signals (urgent rule hit, dispute wording, priority cues, length …), and
caches them under --cache. Step 2 scores each urgent design on those inputs: the stack is
cross-fitted on the same folds and the threshold pair tuned on its out-of-fold scores,
exactly as training does; the figure is the precision at recall ≥ 0.95 and the mean
precision over recall goals 0.93–0.96.

With --new-rows (JSONL rows that are not in the corpus yet), those rows are added to the
training part of every fold and never scored: the figures stay on the same rows. With
--exclude (JSONL of corpus rows), those rows keep their folds and are scored, but no fold
model is trained on them: "the corpus without these rows", measured on the same rows.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from urgent_trees import text_signals

from pasokh.triage.corpus import load_corpus
from pasokh.triage.language import detect_language
from pasokh.triage.normalise import normalise
from pasokh.triage.priority_cues import CUES, found_cues
from pasokh.triage.training import (
    TrainConfig,
    build_space,
    dispute_cues,
    featurise,
    fit_head,
    head_matrix,
    matrix,
    stratified_folds,
    tune_threshold,
    urgent_rule_hits,
)

GOALS = (0.93, 0.94, 0.95, 0.96)


def oof(
    x: Any,
    labels: list[str],
    cfg: TrainConfig,
    fold: np.ndarray,
    head: str,
    trainable: np.ndarray | None = None,
) -> np.ndarray:
    """Out-of-fold probabilities (classes sorted); rows with fold -1 only ever train, rows
    not `trainable` are scored but never trained on."""
    classes = sorted(set(labels))
    out = np.zeros((len(labels), len(classes)))
    ok = np.ones(len(labels), dtype=bool) if trainable is None else trainable
    for k in range(cfg.tune_folds):
        tr = np.flatnonzero((fold != k) & ok)
        te = np.flatnonzero(fold == k)
        clf = fit_head(x[tr], [labels[i] for i in tr], cfg, head)
        cols = [classes.index(str(c)) for c in clf.classes_]
        out[np.ix_(te, cols)] = clf.predict_proba(x[te])
    return out


def compute(
    rows: list[dict[str, Any]],
    n_old: int,
    seed: int,
    cfg: TrainConfig,
    trainable: np.ndarray | None = None,
) -> dict:
    """Every out-of-fold input of one fold seed (the first n_old rows are scored)."""
    texts = [r["text"] for r in rows]
    pri = [r["priority"] for r in rows]
    fold = np.full(len(rows), -1)
    fold[:n_old] = stratified_folds(pri[:n_old], cfg.tune_folds, seed=seed)
    docs = featurise(texts, cfg.features)
    space = build_space(docs, cfg)
    x = matrix(space, docs)
    out: dict[str, Any] = {"fold": fold[:n_old]}
    t0 = time.time()
    xp = head_matrix(x, space, "priority", cfg)
    out["p_bal"] = oof(xp, pri, cfg, fold, "priority", trainable)[:n_old]
    out["p_unb"] = oof(xp, pri, replace(cfg, class_weight=None), fold, "priority", trainable)[
        :n_old
    ]
    cat = [r["category"] for r in rows]
    out["p_cat"] = oof(head_matrix(x, space, "category", cfg), cat, cfg, fold, "", trainable)[
        :n_old
    ]
    sen = [r["sentiment"] for r in rows]
    out["p_sent"] = oof(
        head_matrix(x, space, "sentiment", cfg), sen, cfg, fold, "sentiment", trainable
    )[:n_old]
    old = texts[:n_old]
    out["hits"] = np.array(urgent_rule_hits(old))
    out["dispute"] = np.array(dispute_cues(old))
    out["signals"] = np.array([text_signals(normalise(t), detect_language(t)) for t in old])
    cue_ids = list(CUES)
    cues = np.zeros((n_old, len(cue_ids)))
    for i, t in enumerate(old):
        for c in found_cues(normalise(t).split()):
            cues[i, cue_ids.index(c)] = 1
    out["cues"] = cues
    out["truth"] = np.array([p == "urgent" for p in pri[:n_old]])
    print(f"  seed {seed}: out-of-fold heads in {time.time() - t0:.0f} s", flush=True)
    return out


def load_inputs(args: argparse.Namespace, seed: int) -> dict[str, np.ndarray]:
    cache = Path(args.cache) / f"{args.tag}_s{seed}.npz"
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    rows = [r for r in load_corpus("train") if r.get("priority")]
    n_old = len(rows)
    if args.new_rows:
        rows += [json.loads(line) for line in Path(args.new_rows).read_text().splitlines() if line]
    trainable = None
    if args.exclude:
        held_back = {
            json.loads(line)["text"] for line in Path(args.exclude).read_text().splitlines() if line
        }
        trainable = np.array([r["text"] not in held_back for r in rows])
    data = compute(rows, n_old, seed, TrainConfig(), trainable)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **data)
    return data


def best_precision(scores: np.ndarray, d: dict[str, np.ndarray], goal: float) -> dict:
    """The tuned threshold pair (as training does) on out-of-fold scores."""
    labels = ["urgent" if t else "rest" for t in d["truth"]]
    cfg = replace(TrainConfig(), urgent_recall=goal)
    return tune_threshold(None, labels, "urgent", cfg, d["hits"], d["dispute"], scores=scores)


def figures(scores: np.ndarray, d: dict[str, np.ndarray]) -> tuple[float, float, float]:
    """(P at R 0.95, its recall, mean P over GOALS)."""
    at = best_precision(scores, d, 0.95)
    mean = float(np.mean([best_precision(scores, d, g)["precision"] for g in GOALS]))
    return at["precision"], at["recall"], mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--cache", default="/tmp/urg2")
    parser.add_argument("--tag", default="base")
    parser.add_argument("--new-rows", default=None)
    parser.add_argument("--designs", nargs="*", default=None)
    parser.add_argument(
        "--exclude", default=None, help="JSONL of corpus rows scored but never trained on"
    )
    args = parser.parse_args()
    from urgent_designs import DESIGNS

    names = args.designs or list(DESIGNS)
    table: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
    for seed in args.seeds:
        d = load_inputs(args, seed)
        for n in names:
            scores = DESIGNS[n](d)
            table[n].append(figures(scores, d))
    for n in names:
        cells = " | ".join(f"{p:.3f} / {m:.3f}" for p, _, m in table[n])
        p_mean = np.mean([p for p, _, _ in table[n]])
        m_mean = np.mean([m for _, _, m in table[n]])
        print(f"| {n} | {cells} | {p_mean:.3f} | {m_mean:.3f} |", flush=True)


if __name__ == "__main__":
    main()

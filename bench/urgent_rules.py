"""Urgent phrase rules on the corpus train split (never held-out): precision and out of fold.

    PYTHONPATH=src python bench/urgent_rules.py [--rules FILE] [--before FILE] [--show RULE]
        [--cache /tmp/urg2 --tag allin --seeds 1 2 3 4]

Part 1 prints, per urgent rule, the train rows it fires on and how many of those are not
urgent (with --before, the same for the other rules file and the urgent rows each file
alone catches). --show RULE lists the rows a rule fires on.

Part 2 (with --cache) re-scores the out-of-fold inputs `bench/urgent_oof.py` cached for
the current train split: the model's scores are the same (rules do not touch the
features), only the rule hits change, and the shipped design's threshold pair is tuned on
them as training does. Figures: urgent P at recall ≥ 0.95 (its recall, the pair) and the
mean P over recall goals 0.93–0.96, per fold seed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from urgent_designs import shipped
from urgent_oof import GOALS, best_precision

from pasokh.triage.corpus import load_corpus
from pasokh.triage.language import detect_language
from pasokh.triage.normalise import normalise
from pasokh.triage.rules import DEFAULT_RULES_PATH, PriorityRules


def rule_hits(rules: PriorityRules, texts: list[str]) -> list[set[str]]:
    """Per text, the ids of the urgent rules that fire on it."""
    matcher = rules.matcher
    return [
        {
            h.rule.id
            for h in matcher.find(normalise(t), detect_language(t))
            if h.rule.level == "urgent"
        }
        for t in texts
    ]


def rule_table(hits: list[set[str]], truth: np.ndarray, ids: list[str]) -> dict[str, tuple]:
    """rule id -> (rows fired on, of them not urgent); '*' for any urgent rule."""
    out = {}
    for rid in [*ids, "*"]:
        fired = np.array([bool(h) if rid == "*" else rid in h for h in hits])
        out[rid] = (int(fired.sum()), int((fired & ~truth).sum()))
    return out


def oof_figures(cache: Path, hits: np.ndarray, truth: np.ndarray) -> tuple:
    """(P@0.95, its recall, pair, mean P over GOALS) on one seed's cached inputs."""
    with np.load(cache, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    assert (d["truth"] == truth).all(), f"{cache} was made on another train split"
    d["hits"] = hits
    scores = shipped(d)
    at = best_precision(scores, d, 0.95)
    mean = float(np.mean([best_precision(scores, d, g)["precision"] for g in GOALS]))
    pair = (at["threshold"], at.get("threshold_dispute"))
    return at["precision"], at["recall"], pair, mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", default=str(DEFAULT_RULES_PATH))
    parser.add_argument("--before", default=None, help="another rules file to compare with")
    parser.add_argument("--show", nargs="*", default=[])
    parser.add_argument("--cache", default=None)
    parser.add_argument("--tag", default="allin")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    args = parser.parse_args()

    rows = [r for r in load_corpus("train") if r.get("priority")]
    texts = [r["text"] for r in rows]
    truth = np.array([r["priority"] == "urgent" for r in rows])
    print(f"train: {len(rows)} rows with a priority, {int(truth.sum())} urgent")
    files = {"after": args.rules} | ({"before": args.before} if args.before else {})
    hits = {k: rule_hits(PriorityRules.from_file(p), texts) for k, p in files.items()}
    ids = [r.id for r in PriorityRules.from_file(args.rules).phrase_rules if r.level == "urgent"]
    tables = {k: rule_table(h, truth, ids) for k, h in hits.items()}
    print("| rule | " + " | ".join(files) + " |")
    for rid in [*ids, "*"]:
        cells = " | ".join(
            f"{t[rid][0]} / {t[rid][1]}" if rid in t else "—" for t in tables.values()
        )
        print(f"| {rid} | {cells} |")
    if args.before:
        a = np.array([bool(h) for h in hits["after"]])
        b = np.array([bool(h) for h in hits["before"]])
        print(
            f"urgent rows caught only after: {int((a & ~b & truth).sum())}, "
            f"not-urgent rows newly fired on: {int((a & ~b & ~truth).sum())}, "
            f"urgent rows lost: {int((b & ~a & truth).sum())}"
        )
    for rid in args.show:
        for i, h in enumerate(hits["after"]):
            if rid in h:
                print(f"  {rid} {rows[i]['priority'][:3]} | {texts[i][:140]}")
    if args.cache:
        for k, h in hits.items():
            fired = np.array([bool(x) for x in h])
            cells = []
            for seed in args.seeds:
                p, r, pair, mean = oof_figures(
                    Path(args.cache) / f"{args.tag}_s{seed}.npz", fired, truth
                )
                cells.append(f"{p:.3f} (R {r:.3f}, {pair[0]:.2f} / {pair[1]:.2f}) / {mean:.3f}")
            print(f"OOF {k}: " + " | ".join(cells))


if __name__ == "__main__":
    main()

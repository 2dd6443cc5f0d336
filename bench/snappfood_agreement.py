"""What do SnappFood's HAPPY / SAD labels agree with: the text, or something else?

    python bench/snappfood_agreement.py [--model DIR]

`bench/data/snappfood_dev_reading.jsonl` holds one reader's sentiment for 240 comments
drawn at random (seeds 2026 and 2027, 120 each) from the *dev* split of
../shared/datasets/fa_snappfood_sentiment (raw/dev.tsv; the test split, normalized.jsonl,
is what `pasokh triage eval` reports and was not read). Each line is the row's id
(`dev-<index>`), the reading (positive / negative / neutral, judged on the text alone,
before seeing the label or the model) and whether the comment is mixed (praise and a
complaint; the reading then says which side outweighs the other). Only ids and readings
are stored here, never the comments.

It prints, for all rows / clear rows / mixed rows: how often the reading matches the
dataset's label (with a Wilson 95% interval), and how often the shipped model (three-way,
and restricted to the sign of its score) matches the reading and the label. A model that
agrees with a careful reader more than the labels do is reading the text; the labels
then carry something the text does not (the customer's own satisfaction flag).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pasokh.triage.engine import TriageEngine  # noqa: E402

DATASET = ROOT.parent / "shared" / "datasets" / "fa_snappfood_sentiment" / "raw" / "dev.tsv"
READING = ROOT / "bench" / "data" / "snappfood_dev_reading.jsonl"
LABELS = {"HAPPY": "positive", "SAD": "negative"}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of k successes in n."""
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def load_dev(path: Path) -> dict[str, tuple[str, str]]:
    """id → (text, label) of the dev split, ids as `dev-<index>`."""
    out: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for row in rows:
            out[f"dev-{row[0]}"] = (row[1], LABELS[row[2]])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, metavar="DIR",
                        help="model directory (default: the shipped model)")
    args = parser.parse_args()
    if not DATASET.exists():
        sys.exit(f"{DATASET} is missing: this bench needs ../shared/datasets beside the checkout")
    dev = load_dev(DATASET)
    readings = [json.loads(line) for line in READING.open(encoding="utf-8")]
    engine = TriageEngine.load(args.model)
    rows = []
    for r in readings:
        text, label = dev[r["id"]]
        result = engine.triage(text)
        sign = "positive" if result.sentiment_score >= 0 else "negative"
        rows.append((r, label, result.sentiment, sign))
    print(f"model {engine.model_version}, {len(rows)} read rows of {DATASET.name}")
    print(f"{'rows':<7} {'n':>4}  {'reader~label (95% CI)':<24} {'model~reader':>13} "
          f"{'model~label':>12} {'sign~reader':>12} {'sign~label':>11}")
    for name, keep in (("all", lambda r: True), ("clear", lambda r: not r["mixed"]),
                       ("mixed", lambda r: r["mixed"])):
        sub = [row for row in rows if keep(row[0])]
        n = len(sub)
        agree = sum(r["reading"] == label for r, label, _, _ in sub)
        lo, hi = wilson(agree, n)
        cells = [
            sum(r["reading"] == pred for r, _, pred, _ in sub),
            sum(label == pred for _, label, pred, _ in sub),
            sum(r["reading"] == sign for r, _, _, sign in sub),
            sum(label == sign for _, label, _, sign in sub),
        ]
        print(f"{name:<7} {n:>4}  {agree / n:.3f} ({lo:.3f}–{hi:.3f})       "
              + " ".join(f"{c / n:>12.3f}" for c in cells))
    clear = [(r["reading"], label) for r, label, _, _ in rows if not r["mixed"]]
    print(f"clear negatives (by the reading) labelled HAPPY: "
          f"{clear.count(('negative', 'positive'))}; clear positives labelled SAD: "
          f"{clear.count(('positive', 'negative'))}")


if __name__ == "__main__":
    main()

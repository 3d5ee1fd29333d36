"""Label-error finding on data/train with known errors: confident learning against "the model disagrees", in one run.

For each seed: flip 5% of data/train's labels (rows chosen at random with numpy's default_rng(seed), each moved to
one of the other two labels uniformly), compute the out-of-fold probabilities once (annotator.classifier.audit:
5 folds grouped by article, the folds assigned with the same seed, the pipeline `annotator train` trains), then
score two flagged sets against the flipped rows, on the same probabilities:

- confident learning (annotator.classifier.confident.find_label_issues, cleanlab's default filter);
- the baseline: every row whose out-of-fold argmax is not its given label;
- the baseline cut to as many rows as confident learning flags, lowest self-confidence first (precision at equal
  size, so that the comparison is not only a matter of flagging fewer rows).

Precision is measured against the flipped rows only: data/train's own labels have errors too (the audit of the
unflipped corpus flags about 5% of it), and a flagged row that was not flipped counts as a false positive even
where it is a real error. So both precisions are lower bounds; their difference is what this compares.

Also: wall and CPU time of the out-of-fold step (training is one thread), wall time of confident learning, and the
peak RSS of the process.

Usage: python benchmarks/audit.py [--seeds 5] [--fraction 0.05] [--folds 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "train"


def flip(labels: list[str], classes: tuple[str, ...], fraction: float, seed: int) -> tuple[list[str], np.ndarray]:
    """``labels`` with ``fraction`` of them (rounded) moved to another class uniformly; and the flipped rows."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(labels), size=round(fraction * len(labels)), replace=False))
    out = list(labels)
    for i in rows:
        others = [c for c in classes if c != out[i]]
        out[i] = others[int(rng.integers(len(others)))]
    return out, rows


def score(mask: np.ndarray, flipped: np.ndarray) -> dict[str, float]:
    truth = np.zeros(len(mask), dtype=bool)
    truth[flipped] = True
    hits = int((mask & truth).sum())
    precision = hits / max(int(mask.sum()), 1)
    recall = hits / max(int(truth.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"flagged": int(mask.sum()), "precision": precision, "recall": recall, "f1": f1}


def run(seed: int, fraction: float, folds: int) -> dict[str, Any]:
    from annotator.classifier import confident
    from annotator.classifier.audit import out_of_fold
    from annotator.io.labelled import read_annotations
    from annotator.labels import labels

    rows = read_annotations([DATA])
    noisy, flipped = flip(rows["label"].tolist(), tuple(labels()), fraction, seed)
    rows = rows.assign(label=noisy)
    start, cpu = time.perf_counter(), time.process_time()
    oof = out_of_fold(rows, folds=folds, seed=seed)
    oof_seconds, oof_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    cl = confident.find_label_issues(oof.labels, oof.probs)
    cl_seconds = time.perf_counter() - start
    disagrees = oof.probs.argmax(axis=1) != oof.labels
    self_conf = confident.self_confidence(oof.labels, oof.probs)
    cut = np.zeros(len(cl), dtype=bool)
    candidates = np.flatnonzero(disagrees)
    cut[candidates[np.argsort(self_conf[candidates], kind="stable")[: int(cl.sum())]]] = True
    return {
        "rows": len(rows),
        "flipped": len(flipped),
        "confident learning": score(cl, flipped),
        "baseline: model disagrees": score(disagrees, flipped),
        "baseline cut to CL's size": score(cut, flipped),
        "oof_seconds": oof_seconds,
        "oof_cpu": oof_cpu,
        "cl_seconds": cl_seconds,
    }


METHODS = ("confident learning", "baseline: model disagrees", "baseline cut to CL's size")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5, help="Seeds 0 .. N-1 (each a different flip and fold split).")
    parser.add_argument("--fraction", type=float, default=0.05, help="Share of the labels flipped.")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    results = []
    print(f"{'seed':>4} {'method':<28} {'flagged':>8} {'precision':>9} {'recall':>7} {'F1':>6}")
    for seed in range(args.seeds):
        r = run(seed, args.fraction, args.folds)
        results.append(r)
        for name in METHODS:
            m = r[name]
            print(f"{seed:>4} {name:<28} {m['flagged']:>8} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f}")
    first = results[0]
    print(
        f"\n{first['rows']} rows of data/train, {first['flipped']} labels flipped ({args.fraction:.0%}) per seed, "
        f"seeds 0-{args.seeds - 1}, {args.folds} folds grouped by article; mean ± standard deviation over seeds"
    )
    print(f"{'method':<28} {'flagged':>8} {'precision':>15} {'recall':>15} {'F1':>15}")
    for name in METHODS:
        cells = []
        for key in ("precision", "recall", "f1"):
            values = [r[name][key] for r in results]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):>7.3f} ± {spread:.3f}")
        flagged = statistics.mean(r[name]["flagged"] for r in results)
        print(f"{name:<28} {flagged:>8.0f} " + " ".join(f"{c:>15}" for c in cells))
    cl_f1 = statistics.mean(r["confident learning"]["f1"] for r in results)
    base_f1 = statistics.mean(r["baseline: model disagrees"]["f1"] for r in results)
    wins = sum(r["confident learning"]["f1"] > r["baseline: model disagrees"]["f1"] for r in results)
    print(
        f"F1 ratio confident learning / baseline: {cl_f1 / base_f1:.2f} (higher F1 on {wins} of {len(results)} seeds)"
    )
    oof = statistics.mean(r["oof_seconds"] for r in results)
    oof_cpu = statistics.mean(r["oof_cpu"] for r in results)
    cl = statistics.mean(r["cl_seconds"] for r in results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"time per seed: out-of-fold probabilities {oof:.1f} s ({oof_cpu:.1f} s of CPU, one thread), "
        f"confident learning {cl * 1000:.1f} ms; "
        f"peak RSS {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()

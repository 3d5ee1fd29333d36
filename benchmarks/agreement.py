"""``annotator agreement``'s figures on a large project (issue 15): 20,000 tasks with two annotations each by default.

Ours: :func:`annotator.studio.agreement.agreement` (alpha overall, per label and per guideline version, kappa per
pair, the confusion, the disagreements and the per-annotator figures). Baseline, in the same run on the same rows:
the reference implementations of the two headline figures alone, the ``krippendorff`` package (dev extra) for
alpha overall and per label on the reliability matrix, and scikit-learn's ``cohen_kappa_score`` per pair. Prints
wall seconds (best of ``--rounds``), peak memory allocated by Python (tracemalloc) and the ratio, and checks that
both give the same alpha and kappa. ``--before FILE`` also times another version of ``annotator/studio/agreement.py``
(e.g. the main checkout's, before a change) on the same rows.

Usage: python benchmarks/agreement.py [--tasks 20000] [--annotators 2] [--rounds 3] [--before FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

LABELS = ["attributed", "unverified", "contested"]


def rows(tasks: int, annotators: int, seed: int = 0) -> pd.DataFrame:
    """``annotators`` labels per task (80% the task's true label), a review on every fifth task, gold on every
    fiftieth, the model's label, a lead time, and two guideline versions (the first and second half)."""
    rng = random.Random(seed)
    names = [f"annotator{i}@newsroom.example" for i in range(annotators)]
    out = []
    for i in range(tasks):
        truth = rng.choice(LABELS)
        for name in names:
            out.append(
                {"sentence_id": f"a{i // 20}:{i}", "annotator": name,
                 "label": truth if rng.random() < 0.8 else rng.choice(LABELS),
                 "review_label": truth if i % 5 == 0 else None, "predicted_label": rng.choice(LABELS),
                 "gold_label": truth if i % 50 == 0 else None, "lead_time": rng.uniform(2, 60),
                 "guideline_version": "1.0" if i < tasks // 2 else "1.1"}
            )  # fmt: skip
    return pd.DataFrame(out)


def baseline(df: pd.DataFrame) -> tuple[float, list[float]]:
    """Alpha (krippendorff package) overall and per label, and scikit-learn's kappa per pair."""
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    codes = {label: i for i, label in enumerate(LABELS)}
    wide = df.assign(code=df["label"].map(codes)).pivot(index="annotator", columns="sentence_id", values="code")
    matrix = wide.to_numpy(dtype=float)
    alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    for code in codes.values():
        binary = np.where(np.isnan(matrix), np.nan, (matrix == code).astype(float))
        krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal")
    kappas = []
    for i, j in itertools.combinations(range(matrix.shape[0]), 2):
        both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
        kappas.append(float(cohen_kappa_score(matrix[i, both], matrix[j, both])))
    return float(alpha), kappas


def ours(df: pd.DataFrame) -> tuple[float, list[float]]:
    from annotator.studio.agreement import agreement

    result = agreement(df)
    return result.alpha, [float(k) for k in result.kappa["kappa"]]


def before(path: str) -> Callable[[pd.DataFrame], tuple[float, list[float]]]:
    """``agreement`` of another version of the module, loaded from ``path`` under its own name."""
    spec = importlib.util.spec_from_file_location("agreement_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)

    def run(df: pd.DataFrame) -> tuple[float, list[float]]:
        result = module.agreement(df)
        return result.alpha, [float(k) for k in result.kappa["kappa"]]

    return run


def measure(fn: Callable[[pd.DataFrame], Any], df: pd.DataFrame, rounds: int) -> tuple[float, float, Any]:
    """Best wall seconds of ``rounds``, peak MiB allocated (tracemalloc, one more round), the result."""
    best, result = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn(df)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    fn(df)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=20000)
    parser.add_argument("--annotators", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", help="another annotator/studio/agreement.py to time on the same rows")
    args = parser.parse_args()
    df = rows(args.tasks, args.annotators)
    ours(df.head(40))  # imports (scikit-learn) outside the timing
    baseline(df.head(40))
    t_ours, m_ours, r_ours = measure(ours, df, args.rounds)
    t_base, m_base, r_base = measure(baseline, df, args.rounds)
    print(f"{args.tasks:,} tasks x {args.annotators} annotations ({len(df):,} rows), best of {args.rounds}")
    print(f"{'':58}{'seconds':>9}{'peak MiB':>10}")
    print(f"{'ours: agreement(), every figure incl. per annotator':58}{t_ours:9.2f}{m_ours:10.1f}")
    print(f"{'baseline: krippendorff alpha (+ per label), sklearn kappa':58}{t_base:9.2f}{m_base:10.1f}")
    same = abs(r_ours[0] - r_base[0]) < 1e-9 and np.allclose(r_ours[1], r_base[1])
    print(f"ratio: ours takes {t_ours / t_base:.2f}x the baseline's time; alpha and kappa the same: {same}")
    if args.before:
        t_old, m_old, r_old = measure(before(args.before), df, 1)
        print(f"{'before: ' + args.before:58}{t_old:9.2f}{m_old:10.1f}")
        print(f"ratio: ours is {t_old / t_ours:.0f}x as fast as before; same alpha: {abs(r_old[0] - r_ours[0]) < 1e-9}")


if __name__ == "__main__":
    main()

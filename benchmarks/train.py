"""The classifier against a plain baseline, in one run.

1. Quality on the held-out topics (annotator.io.labelled.HELD_OUT_TOPICS) after training on the rest of data/train:
   ours (guideline features + word n-grams, temperature-calibrated logistic regression), ours with character
   n-grams added, ours without the guideline features, and the baseline a user would write: TfidfVectorizer() +
   LogisticRegression() with scikit-learn's defaults. Macro-F1, each label's F1, expected calibration error.
2. Training time and peak memory on 50,000 sentences (the training split replicated), each in a fresh process.
3. Prediction throughput on 50,000 sentences: ours through Model.predict (labels, calibrated scores and the
   cue/source spans, as `annotator prelabel` uses it), ours with top features too, with character n-grams, and the
   baseline's predict_proba. One thread each; per CPU-second of this process (steadier than wall time on a shared
   machine) and per wall-clock second. Best of two runs.

Usage: python benchmarks/train.py [--sentences 50000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "train"


def _frames() -> tuple[Any, Any]:
    from annotator.classifier.training import split_held_out
    from annotator.io.labelled import read_labelled

    return split_held_out(read_labelled([DATA]))


def baseline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))


def no_guideline() -> Any:
    from sklearn.pipeline import FeatureUnion

    from annotator.classifier.training import build_pipeline

    pipeline = build_pipeline()
    union = pipeline.named_steps["features"]
    pipeline.set_params(features=FeatureUnion([p for p in union.transformer_list if p[0] != "guideline"]))
    return pipeline


def fit(name: str, texts: list[str], y: list[str]) -> Any:
    from annotator.classifier.training import build_pipeline, train

    if name == "ours":
        return train(texts, y)
    if name == "ours + character n-grams":
        return train(texts, y, pipeline=build_pipeline(chars=True))
    if name == "ours without guideline features":
        return train(texts, y, pipeline=no_guideline())
    with threadpool_limits(limits=1):
        return baseline().fit(texts, y)


NAMES = (
    "ours",
    "ours + character n-grams",
    "ours without guideline features",
    "baseline TfidfVectorizer + LogisticRegression",
)
BASELINE = NAMES[-1]


def quality() -> None:
    from annotator.classifier.training import evaluate
    from annotator.labels import labels

    training, held_out = _frames()
    print(
        f"held-out topics: {sorted(set(held_out['topic']))}: {len(held_out)} sentences; "
        f"trained on {len(training)} sentences of {training['topic'].nunique()} other topics"
    )
    print(f"{'model':<48} {'macro-F1':>8} " + " ".join(f"{lab:>11}" for lab in labels()) + f" {'ECE':>6}")
    scores = {}
    for name in NAMES:
        pipeline = fit(name, training["text"].tolist(), training["label"].tolist())
        m = evaluate(pipeline, held_out["text"].tolist(), held_out["label"].tolist())
        scores[name] = m["macro_f1"]
        per = " ".join(f"{m['per_label'][lab]['f1']:>11.3f}" for lab in labels())
        print(f"{name:<48} {m['macro_f1']:>8.3f} {per} {m['ece']:>6.3f}")
    print(
        f"ratio: ours/baseline macro-F1 {scores['ours'] / scores[BASELINE]:.3f}; guideline features add "
        f"{scores['ours'] - scores['ours without guideline features']:+.3f}"
    )


def _replicated(n: int) -> tuple[list[str], list[str]]:
    training, _ = _frames()
    texts, y = training["text"].tolist(), training["label"].tolist()
    reps = n // len(texts) + 1
    return (texts * reps)[:n], (y * reps)[:n]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _train_job(name: str, n: int, traced: bool, out: Any) -> None:
    import tracemalloc

    texts, y = _replicated(n)
    if traced:  # a second run: tracing slows the Python parts, so it is not the timed one
        tracemalloc.start()
        fit(name, texts, y)
        out.put(tracemalloc.get_traced_memory()[1] / 2**20)
        return
    start = time.perf_counter()
    fit(name, texts, y)
    out.put((time.perf_counter() - start, _rss_mib()))


def training_cost(n: int) -> None:
    print(f"\ntraining on {n:,} sentences (the training split replicated), each in a fresh process, one thread")
    print(f"{'model':<48} {'seconds':>8} {'peak RSS MiB':>13} {'peak allocated in training MiB':>31}")
    ctx = mp.get_context("spawn")
    for name in (NAMES[0], NAMES[1], BASELINE):
        results = []
        for traced in (False, True):
            queue = ctx.Queue()
            proc = ctx.Process(target=_train_job, args=(name, n, traced, queue))
            proc.start()
            results.append(queue.get())
            proc.join()
        (seconds, peak), allocated = results
        print(f"{name:<48} {seconds:>8.1f} {peak:>13.0f} {allocated:>31.0f}")


def throughput(n: int) -> None:
    from annotator.classifier.artefacts import load_model

    training, held_out = _frames()
    texts = (held_out["text"].tolist() * (n // len(held_out) + 1))[:n]
    from annotator.classifier.training import Model

    model = load_model()
    chars = Model(fit(NAMES[1], training["text"].tolist(), training["label"].tolist()))
    base = fit(BASELINE, training["text"].tolist(), training["label"].tolist())
    print(f"\nprediction on {n:,} sentences (held-out sentences replicated), one thread")
    rates = {}
    with threadpool_limits(limits=1):
        for name, call in (
            ("ours: Model.predict (label, scores, spans)", lambda: model.predict(texts, top_features=0)),
            ("ours: Model.predict with 5 top features", lambda: model.predict(texts)),
            ("ours + character n-grams: Model.predict", lambda: chars.predict(texts, top_features=0)),
            ("baseline: predict_proba", lambda: base.predict_proba(texts)),
        ):
            best = 0.0
            for _ in range(2):
                start, cpu = time.perf_counter(), time.process_time()
                call()
                wall, cpu = time.perf_counter() - start, time.process_time() - cpu
                if n / cpu > best:
                    best, best_wall = n / cpu, n / wall
            rates[name] = best
            print(f"{name:<48} {best:>10,.0f} sentences/CPU-s {best_wall:>10,.0f} sentences/s")
    values = list(rates.values())
    print(f"ratio: ours/baseline throughput (CPU) {values[0] / values[-1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=50_000)
    args = parser.parse_args()
    quality()
    training_cost(args.sentences)
    throughput(args.sentences)


if __name__ == "__main__":
    main()

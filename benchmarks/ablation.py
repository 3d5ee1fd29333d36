"""What the article context and the real-news-style training text each add: the shipped pipeline trained four ways
on data/train (held-out topics left out, as `make model` does), scored with benchmarks/quality.py's sets and scorer.

- full: every training file, each sentence read in its article (what ships);
- no context: the same files, every sentence read alone, in training and in prediction (the analysis still runs,
  with no earlier sentence: no pronoun antecedent, no quotation carried over);
- no new text: only the files written before the real-news-style articles (the 96 short articles and the sample
  articles), read in context: none of the 100 articles in the style of real reporting (wire, broadsheet, tabloid,
  news and mixed);
- neither.

Real news (realnews_dev, evaluation only) and the seeds are pre-labelled end to end; the held-out topics are the
training corpus's own. Then, on our own text only, what the 36 mixed-style articles add: five folds grouped by
article over the 64 real-reporting-style articles written first (wire, broadsheet, tabloid, news), each fold trained
on the rest of data/train (held-out topics left out) with and without the mixed-style articles. One process, one
thread; a few minutes on a 2-core machine.

Usage: python benchmarks/ablation.py [--json FILE]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import quality

ROOT = Path(__file__).resolve().parents[1]
#: the training files written in the style of real reporting (data/README.md); the rest came first
NEW_STYLE = ("-wire-", "-broadsheet-", "-tabloid-", "-news-", "-mix-")
MIXED = "-mix-"  # the 36 articles written last (data/README.md)
FOLDS = 5


class Alone:
    """A predictor that reads every sentence alone, whatever articles it is given."""

    def __init__(self, predictor: Any) -> None:
        self.predictor = predictor

    def predict(self, texts: list[str], *, articles: Any = None) -> Any:
        return self.predictor.predict(texts)

    def analyse(self, texts: list[str], articles: Any = None) -> Any:
        return self.predictor.analyse(texts)


def train(frame: Any, *, context: bool) -> Any:
    from annotator.classifier.training import split_held_out, train

    training, _ = split_held_out(frame)
    articles = training["article_id"].tolist() if context else None
    pipeline = train(training["text"].tolist(), training["label"].tolist(), articles=articles)
    from annotator.classifier.compiling import compile_pipeline

    return compile_pipeline(pipeline)


def folds(pool: pd.DataFrame, extra: pd.DataFrame) -> Iterator[tuple[Any, pd.DataFrame]]:
    """The :data:`FOLDS` folds of ``pool`` grouped by article: each fold's model (:func:`train` in context on
    ``extra`` and the other folds) and its test rows."""
    from sklearn.model_selection import GroupKFold

    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(pool, groups=pool["article_id"]):
        yield train(pd.concat([extra, pool.iloc[train_idx]], ignore_index=True), context=True), pool.iloc[test_idx]


def style_cv(frame: Any) -> dict[str, dict[str, Any]]:
    """Cross-validated :func:`annotator.classifier.training.metrics` on the first 64 real-reporting-style articles,
    trained with and without the mixed-style articles (see the module docstring)."""
    import numpy as np

    from annotator.classifier.training import metrics, split_held_out

    training, _ = split_held_out(frame)
    ids = training["article_id"]
    mixed = ids.str.contains(MIXED)
    pool = training[ids.str.contains("|".join(s for s in NEW_STYLE if s != MIXED)) & ~mixed].reset_index(drop=True)
    rest = training[~ids.isin(pool["article_id"])]
    out: dict[str, dict[str, Any]] = {}
    for name, extra in (
        ("without the mixed-style articles", rest[~rest["article_id"].str.contains(MIXED)]),
        ("with them", rest),
    ):
        gold: list[str] = []
        probas = []
        classes: tuple[str, ...] = ()
        for model, test in folds(pool, extra):
            probas.append(model.predict_proba(test["text"].tolist(), articles=test["article_id"].tolist()))
            gold += test["label"].tolist()
            classes = model.classes
        out[name] = metrics(gold, np.vstack(probas), classes)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write every figure to this JSON file (atomically)")
    args = ap.parse_args()
    from annotator.io.labelled import read_labelled

    frame = read_labelled([ROOT / "data" / "train"])
    old_text = frame[~frame["article_id"].str.contains("|".join(NEW_STYLE))].reset_index(drop=True)
    sets = [quality.realnews(), quality.held_out(), quality.seeds()]
    rows = {s.name: quality.units(s) for s in sets}
    variants = {
        "full": (frame, True),
        "no context": (frame, False),
        "no new text": (old_text, True),
        "neither": (old_text, False),
    }
    report: dict[str, Any] = {}
    for name, (data, context) in variants.items():
        predictor = train(data, context=context)
        use = predictor if context else Alone(predictor)
        report[name] = {s.name: quality.score(s, quality.predict_ours(use, rows[s.name]))[0] for s in sets}
        print(f"trained '{name}' on {len(quality_rows(data))} rows", flush=True)
    for s in sets:
        quality.table(s, {name: per_set[s.name] for name, per_set in report.items()})
    report["style_cv"] = style_cv(frame)
    print(f"\nour own text: {FOLDS} folds grouped by article over the first 64 real-reporting-style articles")
    head = ("n", "macro-F1", "attributed", "unverified", "contested", "ECE")
    print(f"{'trained':36s} " + " ".join(f"{h:>{w}s}" for h, w in zip(head, (5, 8, 10, 10, 9, 6), strict=True)))
    for name, r in report["style_cv"].items():
        f = {label: m["f1"] for label, m in r["per_label"].items()}
        print(
            f"{name:36s} {r['n']:5d} {r['macro_f1']:8.3f} {f['attributed']:10.3f} {f['unverified']:10.3f} "
            f"{f['contested']:9.3f} {r['ece']:6.3f}"
        )
    if args.json:
        quality.write_json(args.json, report)
    return 0


def quality_rows(frame: Any) -> Any:
    from annotator.classifier.training import split_held_out

    return split_held_out(frame)[0]


if __name__ == "__main__":
    sys.exit(main())

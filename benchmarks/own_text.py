"""The yardstick for a change to the analysis, the features or the classifier, measured on our own text before
realnews_dev sees it: five folds grouped by article over the 100 articles of data/train written in the style of real
reporting (wire, broadsheet, tabloid, news and mixed), each fold trained with the shipped pipeline on the rest of
data/train (held-out topics left out, as `make model` does) plus the other folds.

Prints macro-F1, per-label F1 and ECE over the out-of-fold predictions, and the errors by kind
(annotator.classifier.error_kinds). benchmarks/README.md, "Label quality", has the figures of every change tried with
it. realnews_dev is never read. Ten seconds or so on a 2-core machine.

Usage: python benchmarks/own_text.py [--json FILE]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd
from ablation import FOLDS, NEW_STYLE, ROOT, folds
from quality import write_json


def own_text_cv(frame: pd.DataFrame) -> dict[str, Any]:
    """Out-of-fold :func:`annotator.classifier.training.metrics` and error kinds over the real-reporting-style
    articles of ``frame`` (held-out topics left out)."""
    import numpy as np

    from annotator.classifier.error_kinds import error_summary
    from annotator.classifier.training import metrics, split_held_out

    training, _ = split_held_out(frame)
    styled = training["article_id"].str.contains("|".join(NEW_STYLE))
    pool = training[styled].reset_index(drop=True)
    rest = training[~styled]
    gold: list[str] = []
    analyses: list[Any] = []
    texts: list[str] = []
    probas = []
    classes: tuple[str, ...] = ()
    for model, test in folds(pool, rest):
        fold_texts, fold_articles = test["text"].tolist(), test["article_id"].tolist()
        probas.append(model.predict_proba(fold_texts, articles=fold_articles))
        analyses += model.analyse(fold_texts, fold_articles)
        texts += fold_texts
        gold += test["label"].tolist()
        classes = model.classes
    proba = np.vstack(probas)
    predicted = [classes[i] for i in proba.argmax(axis=1)]
    return {
        "rows": len(pool),
        "articles": int(pool["article_id"].nunique()),
        "metrics": metrics(gold, proba, classes),
        "errors": error_summary(gold, predicted, analyses, texts),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write every figure to this JSON file (atomically)")
    args = ap.parse_args()
    from annotator.classifier.error_kinds import format_summary
    from annotator.io.labelled import read_labelled

    result = own_text_cv(read_labelled([ROOT / "data" / "train"]))
    m = result["metrics"]
    per_label = ", ".join(f"{label} {v['f1']:.3f}" for label, v in m["per_label"].items())
    print(
        f"{result['articles']} real-reporting-style articles, {result['rows']} rows, {FOLDS} folds grouped by article:"
        f" macro-F1 {m['macro_f1']:.3f} ({per_label}), ECE {m['ece']:.3f}"
    )
    print(format_summary(result["errors"]))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

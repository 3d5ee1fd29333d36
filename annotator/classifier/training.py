"""The classifier: build, train and evaluate the scikit-learn pipeline (pure: no files), and :class:`Model`, the
:class:`~annotator.predictions.Predictor` that wraps a fitted pipeline with explanations.

The pipeline is the cue features plus word and character n-grams
(:func:`annotator.classifier.features.make_features`)
into a multinomial logistic regression whose probabilities are calibrated by temperature scaling
(``CalibratedClassifierCV(method="temperature", ensemble=False)``: one linear model, one temperature fitted on
out-of-fold scores), so the score shown to annotators means what it says. Training is deterministic (fixed seeds).

The held-out split is by topic, so the evaluation measures generalisation to new subjects:
:data:`annotator.io.labelled.HELD_OUT_TOPICS` are never trained on by ``make model``; their metrics go on the model
card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from annotator.classifier.compiling import compile_pipeline
from annotator.classifier.features import make_features
from annotator.errors import ModelError
from annotator.io.labelled import HELD_OUT_TOPICS
from annotator.labels import labels
from annotator.predictions import Prediction

SEED = 0
C = 10.0  # inverse regularisation of the logistic regression
ECE_BINS = 10
CV_FOLDS = 5


def build_pipeline(*, c: float = C, seed: int = SEED, chars: bool = False) -> Pipeline:
    """The untrained pipeline: features (:func:`annotator.classifier.features.make_features`), then a
    temperature-calibrated logistic regression."""
    classifier = CalibratedClassifierCV(
        LogisticRegression(C=c, solver="newton-cg", max_iter=1000),
        method="temperature",
        cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=seed),
        ensemble=False,
    )
    return Pipeline([("features", make_features(chars=chars)), ("classifier", classifier)])


def _check_labels(y: Sequence[str]) -> list[str]:
    known = set(labels())
    unknown = sorted(set(y) - known)
    if unknown:
        raise ModelError(f"labels {unknown} are not in the label set {list(labels())}")
    present = set(y)
    if len(present) < 2:
        raise ModelError(f"training needs at least two labels; the data has {sorted(present)}")
    return list(y)


def inputs(texts: Sequence[str], articles: Sequence[Any] | None = None) -> Any:
    """The pipeline's input: the texts, with their article keys when given (a ``DataFrame`` of ``text`` and
    ``article``: consecutive rows of one article are read in context)."""
    if articles is None:
        return list(texts)
    if len(articles) != len(texts):
        raise ModelError(f"{len(texts)} texts but {len(articles)} article keys")
    return pd.DataFrame({"text": list(texts), "article": list(articles)})


def train(
    texts: Sequence[str],
    y: Sequence[str],
    *,
    pipeline: Pipeline | None = None,
    articles: Sequence[Any] | None = None,
) -> Pipeline:
    """Fit ``pipeline`` (default: :func:`build_pipeline`) on sentences and their labels; ``articles``: each
    sentence's article key (rows of one article consecutive, in order), so features read the article's context."""
    if len(texts) != len(y):
        raise ModelError(f"{len(texts)} texts but {len(y)} labels")
    y = _check_labels(y)
    counts = pd.Series(y).value_counts()
    if counts.min() < 5:
        raise ModelError(f"every label needs at least 5 examples to train and calibrate; got {counts.to_dict()}")
    model = clone(pipeline) if pipeline is not None else build_pipeline()
    if articles is not None and len(set(articles)) >= CV_FOLDS and "classifier" in model.named_steps:
        # calibrate on whole held-out articles: sentences of one article in both the fit and the calibration fold
        # make the temperature too confident for articles it has never seen
        splits = list(GroupKFold(n_splits=CV_FOLDS).split(list(texts), y, list(articles)))
        _check_calibration_folds(y, splits)
        model.set_params(classifier__cv=splits)
    # one BLAS/OpenMP thread: the same arithmetic order on every machine (deterministic), and no spinning threads
    # fighting over a busy machine's cores (which made a 1-second fit take a minute here)
    with threadpool_limits(limits=1):
        model.fit(inputs(texts, articles), y)
    prune(model)
    return model


def _check_calibration_folds(y: Sequence[str], splits: Sequence[tuple[Any, Any]]) -> None:
    """A label left out of a calibration fit (all its sentences in the held-out articles) would be a scikit-learn
    ValueError deep in the fit: say which, and why, instead."""
    present = set(y)
    for train_idx, _ in splits:
        missing = present - {y[i] for i in train_idx}
        if missing:
            raise ModelError(
                f"labels {sorted(missing)} are in too few articles to calibrate on held-out articles "
                f"({CV_FOLDS} folds grouped by article); label sentences of more articles"
            )


def prune(model: Pipeline) -> None:
    """Remove what a fitted pipeline does not need to predict: the vectorisers' ``stop_words_`` (every n-gram
    cut by ``min_df``, kept for introspection only and most of a saved model's size; scikit-learn documents that it
    can be removed) and ``_stop_words_id`` (a memory address, set again on use)."""
    stack: list[Any] = [model]
    while stack:
        est = stack.pop()
        if hasattr(est, "stop_words_"):
            del est.stop_words_
        if hasattr(est, "_stop_words_id"):
            del est._stop_words_id  # an id() (a memory address): saved, it would make every file differ
        stack.extend(step for _, step in getattr(est, "steps", []))
        stack.extend(step for _, step in getattr(est, "transformer_list", []))


def expected_calibration_error(y: Sequence[str], proba: NDArray[np.float64], classes: Sequence[str]) -> float:
    """Top-label ECE: the gap between confidence and accuracy, averaged over 10 equal-width confidence bins
    weighted by their share of the sentences."""
    proba = np.asarray(proba, dtype=np.float64)
    confidence = proba.max(axis=1)
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    correct = (predicted == np.asarray(y, dtype=object)).astype(np.float64)
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    ece = 0.0
    for b in range(ECE_BINS):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def _r(x: float) -> float:
    return round(float(x), 6)


def metrics(y: Sequence[str], proba: NDArray[np.float64], classes: Sequence[str]) -> dict[str, Any]:
    """Per-label precision/recall/F1/support, macro-F1, accuracy, the confusion matrix (rows: true label, columns:
    predicted, in label-set order) and the expected calibration error."""
    order = list(labels())
    y = list(y)
    predicted = list(np.asarray(classes, dtype=object)[np.asarray(proba).argmax(axis=1)])
    p, r, f, s = precision_recall_fscore_support(y, predicted, labels=order, zero_division=0)
    present = [lab for lab in order if lab in set(y)]
    return {
        "n": len(y),
        "macro_f1": _r(f1_score(y, predicted, labels=present, average="macro", zero_division=0)),
        "accuracy": _r(np.mean(np.asarray(predicted, dtype=object) == np.asarray(y, dtype=object))),
        "ece": _r(expected_calibration_error(y, proba, classes)),
        "per_label": {
            lab: {"precision": _r(p[i]), "recall": _r(r[i]), "f1": _r(f[i]), "support": int(s[i])}
            for i, lab in enumerate(order)
        },
        "confusion": {"labels": order, "matrix": confusion_matrix(y, predicted, labels=order).tolist()},
    }


def evaluate(
    pipeline: Pipeline, texts: Sequence[str], y: Sequence[str], *, articles: Sequence[Any] | None = None
) -> dict[str, Any]:
    """:func:`metrics` of a fitted pipeline on labelled sentences (``articles`` as for :func:`train`)."""
    if not len(texts):
        raise ModelError("nothing to evaluate: no labelled sentences")
    proba = pipeline.predict_proba(inputs(texts, articles))
    return metrics(y, proba, list(pipeline.classes_))


def cross_validate(
    texts: Sequence[str],
    y: Sequence[str],
    groups: Sequence[str],
    *,
    pipeline: Pipeline | None = None,
    folds: int = CV_FOLDS,
) -> dict[str, Any]:
    """Cross-validation grouped by ``groups`` (article ids: no article in both a training and a test fold).

    Returns the per-fold macro-F1 and ECE, their mean and standard deviation, and the metrics of the pooled
    out-of-fold predictions."""
    texts, y, groups = list(texts), list(y), list(groups)
    n_groups = len(set(groups))
    folds = min(folds, n_groups)
    if folds < 2:
        raise ModelError(f"cross-validation needs at least 2 articles; got {n_groups}")
    base = pipeline if pipeline is not None else build_pipeline()
    classes = list(labels())
    oof = np.zeros((len(texts), len(classes)))
    per_fold = []
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(texts, y, groups):
        fitted = train(
            [texts[i] for i in train_idx],
            [y[i] for i in train_idx],
            pipeline=base,
            articles=[groups[i] for i in train_idx],
        )
        proba = fitted.predict_proba(inputs([texts[i] for i in test_idx], [groups[i] for i in test_idx]))
        cols = [classes.index(c) for c in fitted.classes_]
        oof[np.ix_(test_idx, cols)] = proba
        m = metrics([y[i] for i in test_idx], proba, list(fitted.classes_))
        per_fold.append({"macro_f1": m["macro_f1"], "ece": m["ece"], "n": m["n"]})
    f1s = [f["macro_f1"] for f in per_fold]
    eces = [f["ece"] for f in per_fold]
    return {
        "folds": folds,
        "grouped_by": "article_id",
        "per_fold": per_fold,
        "macro_f1_mean": _r(np.mean(f1s)),
        "macro_f1_std": _r(np.std(f1s)),
        "ece_mean": _r(np.mean(eces)),
        "pooled": metrics(y, oof, classes),
    }


def split_held_out(frame: pd.DataFrame, topics: Sequence[str] = HELD_OUT_TOPICS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training rows, held-out rows): the rows whose ``topic`` is in ``topics`` are held out."""
    held = frame["topic"].isin(list(topics))
    return frame[~held].reset_index(drop=True), frame[held].reset_index(drop=True)


# -- the Predictor ------------------------------------------------------------------------------------------------


class Model:
    """A trained pipeline as a :class:`~annotator.predictions.Predictor`, with explanations.

    Predictions come from the pipeline's :class:`~annotator.classifier.inference.Compiled` form (the same numbers as
    ``pipeline.predict_proba``, without scikit-learn's per-call overhead); the pipeline stays for evaluation,
    cross-validation and saving.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        A pipeline fitted by :func:`train`.
    version : str
        The model version (the content hash on its card, once saved).
    card : dict, optional
        The model card (see :mod:`annotator.classifier.artefacts`).
    """

    def __init__(self, pipeline: Pipeline, *, version: str = "unsaved", card: dict[str, Any] | None = None) -> None:
        self.pipeline = pipeline
        self.version = version
        self.card = card or {}
        self.compiled = compile_pipeline(pipeline, version=version, card=self.card)

    @property
    def model_version(self) -> str:
        return self.version

    @property
    def classes(self) -> tuple[str, ...]:
        return self.compiled.classes

    def predict_proba(self, texts: Sequence[str], *, articles: Sequence[Any] | None = None) -> NDArray[np.float64]:
        """Calibrated probabilities, one column per class in :attr:`classes` order."""
        return self.compiled.predict_proba(texts, articles=articles)

    def predict(
        self, texts: Sequence[str], *, top_features: int = 0, articles: Sequence[Any] | None = None
    ) -> list[Prediction]:
        """See :meth:`annotator.classifier.inference.Compiled.predict`."""
        return self.compiled.predict(texts, top_features=top_features, articles=articles)


@dataclass(frozen=True)
class TrainResult:
    """A trained pipeline and what its card says about how it was made."""

    pipeline: Pipeline
    card: dict[str, Any]


def train_corpus(
    frame: pd.DataFrame,
    *,
    held_out_topics: Sequence[str] | None = HELD_OUT_TOPICS,
    c: float = C,
    chars: bool = False,
    sources: Sequence[str] = (),
) -> TrainResult:
    """Train on labelled rows (:func:`annotator.io.labelled.read_labelled`), holding out ``held_out_topics``.

    The held-out rows are never trained on; their metrics go on the card. Topics not present in the data are
    ignored; None or no held-out row trains on everything and records no held-out metrics."""
    from annotator.io.labelled import data_hash

    topics = [t for t in (held_out_topics or ()) if t in set(frame["topic"].dropna())]
    training, held_out = split_held_out(frame, topics) if topics else (frame.reset_index(drop=True), frame.iloc[:0])
    if training.empty:
        raise ModelError("no training rows left after holding out topics " + ", ".join(topics))
    pipeline = train(
        training["text"].tolist(),
        training["label"].tolist(),
        pipeline=build_pipeline(c=c, chars=chars),
        articles=training["article_id"].tolist(),
    )
    held = (
        evaluate(
            pipeline, held_out["text"].tolist(), held_out["label"].tolist(), articles=held_out["article_id"].tolist()
        )
        if len(held_out)
        else None
    )
    card = {
        "training_data": {
            "sha256": data_hash(training),
            "rows": len(training),
            "articles": int(training["article_id"].nunique()),
            "topics": sorted(training["topic"].dropna().unique().tolist()),
            "label_counts": {k: int(v) for k, v in training["label"].value_counts().sort_index().items()},
            "files": list(sources),
        },
        "held_out": {
            "split": "by topic",
            "topics": topics,
            "sha256": data_hash(held_out) if len(held_out) else None,
            "rows": len(held_out),
            "metrics": held,
        },
        "params": {
            "C": c,
            "seed": SEED,
            "calibration": "temperature, 5-fold",
            "features": [name for name, _ in pipeline.named_steps["features"].transformer_list],
        },
    }
    return TrainResult(pipeline, card)

"""Probable label errors: out-of-fold probabilities from a cross-validation grouped by article, then confident
learning (:mod:`annotator.classifier.confident`) on every annotation.

Rows are annotations (``annotator pull``: one row per annotator and sentence) or labelled sentences (the seed
corpus). The cross-validation works on sentences: a sentence's annotations are one sentence (its text, read in its
article), trained on with the majority label of its annotations (a tie is not trained on, but still predicted and
audited, as ``annotator train`` leaves ties out), and folds are split by article so that no article is in both a
training and a test fold. Every fold trains the pipeline ``annotator train`` trains
(:func:`annotator.classifier.training.train`: the same features, the temperature calibration on held-out articles),
and predicts the probabilities of the sentences it did not see. Each annotation is then judged against the
probabilities of its sentence.

Articles: ``article_id`` where given; else the part of ``sentence_id`` before its last ``:`` (sentence ids are
``ARTICLE:START-END``); else each row is a sentence of its own (its own group). Articles that share a sentence
text are one group, so that no copy of a sentence is trained on in the fold that tests another. A seed corpus given
as ``extra`` joins every fold's training, is never audited, and loses the sentences whose text is among the audited
ones (for the same reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.model_selection import GroupKFold

from annotator.classifier import confident
from annotator.classifier.training import CV_FOLDS, C, build_pipeline, inputs, train
from annotator.errors import InputError, ModelError
from annotator.labels import labels as label_set

#: the columns of :func:`audit`'s result (``annotator`` only when the rows have it)
COLUMNS = (
    "rank",
    "sentence_id",
    "annotator",
    "article_id",
    "text",
    "label",
    "suggested_label",
    "self_confidence",
    "suggested_score",
    "reason",
)
#: Parquet types (pyarrow aliases) of the columns that are not strings
COLUMN_TYPES = {"rank": "int64", "self_confidence": "float64", "suggested_score": "float64"}
REQUIRED = ("text", "label")


@dataclass(frozen=True)
class OutOfFold:
    """Out-of-fold probabilities of every audited row.

    ``rows``: the audited rows (labelled ones, input order) with ``sentence_key`` and ``group`` added; ``probs``:
    one row of probabilities per row, columns in ``classes`` order; ``labels``: each row's given label as a column
    index; ``grouped_by``: what the folds were grouped by."""

    rows: pd.DataFrame
    classes: tuple[str, ...]
    probs: NDArray[np.float64]
    labels: NDArray[np.int64]
    folds: int
    sentences: int
    groups: int
    grouped_by: str
    unlabelled: int


def _missing(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str) == "")


def prepare(rows: pd.DataFrame) -> tuple[pd.DataFrame, str, int]:
    """The labelled rows with ``sentence_key`` and ``group`` (the fold unit) added, what the groups are, and how
    many rows had no label (skipped annotations, left out)."""
    absent = [c for c in REQUIRED if c not in rows.columns]
    if absent:
        raise InputError("audit", f"column{'s' if len(absent) > 1 else ''} {absent} missing; got {list(rows.columns)}")
    unlabelled = _missing(rows["label"])
    frame = rows[~unlabelled].reset_index(drop=True)
    no_text = int(_missing(frame["text"]).sum())
    if no_text:
        raise InputError("audit", f"{no_text} labelled row{'s' if no_text > 1 else ''} without a text")
    known = set(label_set())
    unknown = sorted(set(frame["label"]) - known)
    if unknown:
        raise InputError("audit", f"unknown labels {unknown}; the label set is {list(label_set())}")
    if frame["label"].nunique() < 2:
        raise InputError("audit", f"needs at least two labels; the rows have {sorted(set(frame['label']))}")
    position = pd.Series([f"row {i}" for i in range(len(frame))])
    if "sentence_id" in frame.columns:
        key = frame["sentence_id"].where(~_missing(frame["sentence_id"]), position).astype(str)
    else:
        key = position
    if "article_id" in frame.columns and not _missing(frame["article_id"]).all():
        group, grouped_by = frame["article_id"].where(~_missing(frame["article_id"]), key).astype(str), "article_id"
    elif "sentence_id" in frame.columns and not _missing(frame["sentence_id"]).all():
        group, grouped_by = key.str.rsplit(":", n=1).str[0], "the article part of sentence_id"
    else:
        group, grouped_by = key, "sentence (no article ids)"
    return (
        frame.assign(sentence_key=key, group=_join_shared_texts(group, frame["text"])),
        grouped_by,
        int(unlabelled.sum()),
    )


def _join_shared_texts(group: pd.Series, text: pd.Series) -> pd.Series:
    """``group`` with the groups that share a sentence text merged (named by their first group), so that the same
    sentence in two articles is never trained on in the fold that tests it."""
    parent: dict[str, str] = {}

    def root(g: str) -> str:
        while parent.get(g, g) != g:
            g = parent[g]
        return g

    first_group: dict[str, str] = {}
    for g, t in zip(group, text, strict=True):
        other = first_group.setdefault(t, g)
        a, b = root(g), root(other)
        if a != b:
            parent[a] = b
    return group.map(root) if parent else group


def sentences(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence (``sentence_key``, ``text``, ``group``, ``label``: the majority of its annotations, None
    on a tie), articles together in order of first appearance, sentences in input order within them."""
    first = frame.drop_duplicates("sentence_key")[["sentence_key", "text", "group"]]
    votes = frame.groupby("sentence_key", sort=False)["label"].agg(_majority)
    table = first.assign(label=first["sentence_key"].map(votes))
    article_order = {g: i for i, g in enumerate(dict.fromkeys(table["group"]))}
    table = table.assign(_order=table["group"].map(article_order))
    return table.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def _majority(labels: pd.Series) -> str | None:
    top = Counter(labels).most_common(2)
    return None if len(top) > 1 and top[0][1] == top[1][1] else top[0][0]


def _seed_rows(extra: pd.DataFrame | None, audited_texts: set[str]) -> pd.DataFrame:
    if extra is None or extra.empty:
        return pd.DataFrame({"text": [], "label": [], "group": []})
    absent = [c for c in ("text", "label", "article_id") if c not in extra.columns]
    if absent:
        raise InputError("seed corpus", f"columns {absent} missing; got {list(extra.columns)}")
    kept = extra[~extra["text"].isin(audited_texts)]
    return pd.DataFrame(
        {"text": kept["text"], "label": kept["label"], "group": "seed:" + kept["article_id"].astype(str)}
    ).reset_index(drop=True)


def fold_indices(table: pd.DataFrame, folds: int, seed: int) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """(training, test) row positions of ``table`` for each fold: its groups (articles) shuffled with ``seed`` and
    dealt to ``folds`` folds of about equal size; no group is in both sides of a fold."""
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(table, groups=table["group"]))


def _fold_probs(
    table: pd.DataFrame, seed_rows: pd.DataFrame, folds: int, seed: int, pipeline: Any, classes: Sequence[str]
) -> NDArray[np.float64]:
    """Out-of-fold probabilities of each sentence of ``table`` (columns in ``classes`` order)."""
    probs = np.zeros((len(table), len(classes)))
    for n, (train_idx, test_idx) in enumerate(fold_indices(table, folds, seed), start=1):
        fit = table.iloc[train_idx]
        fit = pd.concat([fit[fit["label"].notna()], seed_rows], ignore_index=True)
        try:
            model = train(
                fit["text"].tolist(), fit["label"].tolist(), pipeline=pipeline, articles=fit["group"].tolist()
            )
        except ModelError as err:
            raise ModelError(f"fold {n} of {folds}: {err}; use fewer --folds or more rows") from err
        test = table.iloc[test_idx]
        proba = model.predict_proba(inputs(test["text"].tolist(), test["group"].tolist()))
        cols = [list(classes).index(c) for c in model.classes_]
        probs[np.ix_(test_idx, np.asarray(cols, dtype=np.int64))] = proba
    return probs


def out_of_fold(
    rows: pd.DataFrame,
    *,
    folds: int = CV_FOLDS,
    seed: int = 0,
    extra: pd.DataFrame | None = None,
    c: float = C,
    chars: bool = False,
) -> OutOfFold:
    """Out-of-fold probabilities of each labelled row of ``rows`` (see the module's docstring).

    Parameters
    ----------
    rows : pandas.DataFrame
        ``text`` and ``label`` (rows without a label are left out), optional ``sentence_id``, ``article_id``,
        ``annotator``: :func:`annotator.io.labelled.read_annotations` or ``annotator pull`` rows.
    folds : int
        Cross-validation folds (at least 2; at most the number of articles).
    seed : int
        Seed of the assignment of articles to folds.
    extra : pandas.DataFrame, optional
        Labelled sentences (``text``, ``label``, ``article_id``) added to every fold's training, never audited.
    c, chars : float, bool
        As for :func:`annotator.classifier.training.build_pipeline`.
    """
    if folds < 2:
        raise InputError("audit", f"needs at least 2 folds; got {folds}")
    frame, grouped_by, unlabelled = prepare(rows)
    table = sentences(frame)
    n_groups = table["group"].nunique()
    if n_groups < folds:
        raise InputError("audit", f"{folds} folds need at least {folds} articles; the rows have {n_groups}")
    classes = tuple(label_set())
    seed_rows = _seed_rows(extra, set(table["text"]))
    sentence_probs = _fold_probs(table, seed_rows, folds, seed, build_pipeline(c=c, chars=chars), classes)
    where = pd.Series(np.arange(len(table)), index=table["sentence_key"])
    probs = sentence_probs[where.loc[frame["sentence_key"]].to_numpy()]
    given = np.asarray(frame["label"].map({label: i for i, label in enumerate(classes)}), dtype=np.int64)
    return OutOfFold(frame, classes, probs, given, folds, len(table), n_groups, grouped_by, unlabelled)


def _reason(label: str, self_conf: float, suggested: str, score: float) -> str:
    return f"model gives {suggested} {score:.2f}; labelled {label} ({self_conf:.2f})"


def flagged(oof: OutOfFold) -> pd.DataFrame:
    """The rows confident learning flags (:func:`annotator.classifier.confident.find_label_issues`), ranked by
    self-confidence (lowest first), with :data:`COLUMNS`."""
    mask = confident.find_label_issues(oof.labels, oof.probs)
    order = confident.rank_issues(mask, oof.labels, oof.probs)
    rows = oof.rows.iloc[order]
    probs = oof.probs[order]
    self_conf = probs[np.arange(len(order)), oof.labels[order]]
    suggested_idx = probs.argmax(axis=1)
    suggested = [oof.classes[i] for i in suggested_idx]
    scores = probs[np.arange(len(order)), suggested_idx]
    out = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "sentence_id": rows["sentence_id"].to_numpy() if "sentence_id" in rows.columns else None,
            "annotator": rows["annotator"].to_numpy() if "annotator" in rows.columns else None,
            "article_id": _articles(rows),
            "text": rows["text"].to_numpy(),
            "label": rows["label"].to_numpy(),
            "suggested_label": suggested,
            "self_confidence": np.round(self_conf, 4),
            "suggested_score": np.round(scores, 4),
            "reason": [
                _reason(lab, s, sug, p)
                for lab, s, sug, p in zip(rows["label"], self_conf, suggested, scores, strict=True)
            ],
        },
        columns=list(COLUMNS),
    )
    if "annotator" not in oof.rows.columns or _missing(oof.rows["annotator"]).all():
        out = out.drop(columns="annotator")
    return out.astype(object).where(out.notna(), None)


def _articles(rows: pd.DataFrame) -> Any:
    """The article of each row: its ``article_id``, else the one its ``sentence_id`` names, else None."""
    if "article_id" in rows.columns:
        return rows["article_id"].where(~_missing(rows["article_id"]), None).to_numpy()
    if "sentence_id" in rows.columns:
        return rows["group"].where(~_missing(rows["sentence_id"]), None).to_numpy()
    return None


def audit(
    rows: pd.DataFrame,
    *,
    folds: int = CV_FOLDS,
    seed: int = 0,
    extra: pd.DataFrame | None = None,
    c: float = C,
    chars: bool = False,
) -> pd.DataFrame:
    """The annotations of ``rows`` that are probably wrong, ranked (most probably wrong first), with
    :data:`COLUMNS`: :func:`flagged` of :func:`out_of_fold` (whose parameters these are)."""
    return flagged(out_of_fold(rows, folds=folds, seed=seed, extra=extra, c=c, chars=chars))

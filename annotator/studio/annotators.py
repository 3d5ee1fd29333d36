"""Per-annotator quality figures on labelled rows (``pull``'s output): how each annotator agrees with the others, with
the reviewed decision, with the model and with gold tasks, how long they take, and how much they did. Pure.

The figures that need a column the rows do not have (``review_label``, ``gold_label``, ``predicted_label``,
``lead_time``: older pulled files lack some) are missing values, shown as n/a.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: the columns of :func:`per_annotator`'s table, in order (``schemas/annotators.schema.json``)
ANNOTATOR_COLUMNS = (
    "annotator",
    "annotations",
    "sentences",
    "skipped",
    "pairs",
    "kappa_others",
    "reviewed",
    "review_accuracy",
    "review_kappa",
    "predicted",
    "model_agreement",
    "model_kappa",
    "gold",
    "gold_accuracy",
    "median_lead_time",
)

#: Parquet types of the table's columns (the annotator is a string)
ANNOTATOR_TYPES = {name: "float64" for name in ANNOTATOR_COLUMNS[1:]} | {
    name: "int64" for name in ("annotations", "sentences", "skipped", "pairs", "reviewed", "predicted", "gold")
}

#: the reference columns each annotator is compared with, and the names of the figures: (count, accuracy, kappa)
REFERENCES = {
    "review_label": ("reviewed", "review_accuracy", "review_kappa"),
    "predicted_label": ("predicted", "model_agreement", "model_kappa"),
    "gold_label": ("gold", "gold_accuracy", None),
}

_NAN = float("nan")


def kappa(x: Sequence[str], y: Sequence[str], order: Sequence[str]) -> float:
    """Cohen's kappa of two equally long label sequences (scikit-learn's ``cohen_kappa_score``); NaN when there are no
    pairs or when a single label is used throughout (kappa is 0/0 there)."""
    from sklearn.metrics import cohen_kappa_score

    if not len(x) or len(set(x) | set(y)) < 2:
        return _NAN
    return float(cohen_kappa_score(list(x), list(y), labels=list(order)))


def _labels(column: pd.Series) -> pd.Series:
    """A label column as strings, with every missing value (None, NaN, "") as NaN."""
    out = column.astype(object).where(column.notna(), None)
    return out.map(lambda v: str(v) if v is not None and str(v) != "" else _NAN)


def _prepare(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The labelled rows, one per (sentence, annotator) (the later one wins, as in :func:`agreement`), and the number of
    labelled annotations per annotator before that."""
    df = rows[rows["label"].notna()].copy()
    df["annotator"] = df["annotator"].astype(str)
    df["sentence_id"] = df["sentence_id"].astype(str)
    df["label"] = df["label"].astype(str)
    for column in REFERENCES:
        if column in df.columns:
            df[column] = _labels(df[column])
    counts = df.groupby("annotator").size()
    return df.drop_duplicates(subset=["sentence_id", "annotator"], keep="last"), counts


def pooled_pairs(df: pd.DataFrame) -> pd.DataFrame:
    """Every ordered pair of labels two different annotators gave the same sentence: columns ``annotator`` (whose
    label is ``label``) and ``other`` (the other annotator's label)."""
    left = df[["sentence_id", "annotator", "label"]]
    pairs = left.merge(left, on="sentence_id", suffixes=("", "_b"))
    pairs = pairs[pairs["annotator"] != pairs["annotator_b"]]
    return pairs.rename(columns={"label_b": "other"})[["annotator", "label", "other"]]


def _against(group: pd.DataFrame, column: str, order: Sequence[str]) -> tuple[int | None, float, float]:
    """(count, accuracy, kappa) of one annotator's labels against a reference column; (None, NaN, NaN) without it."""
    if column not in group.columns:
        return None, _NAN, _NAN
    known = group[group[column].notna()]
    if known.empty:
        return 0, _NAN, _NAN
    x, y = known["label"].tolist(), known[column].tolist()
    return len(known), float(np.mean([a == b for a, b in zip(x, y, strict=True)])), kappa(x, y, order)


def _figures(name: str, group: pd.DataFrame, mine: pd.DataFrame, order: Sequence[str]) -> dict[str, Any]:
    """One annotator's figures from their rows (``group``) and their pooled pairs with the others (``mine``)."""
    row: dict[str, Any] = {
        "annotator": name,
        "sentences": int(group["sentence_id"].nunique()),
        "pairs": len(mine),
        "kappa_others": kappa(mine["label"].tolist(), mine["other"].tolist(), order),
    }
    for column, (n_name, acc_name, kappa_name) in REFERENCES.items():
        n, accuracy, k = _against(group, column, order)
        row[n_name], row[acc_name] = n, accuracy
        if kappa_name:
            row[kappa_name] = k
    lead = pd.to_numeric(group["lead_time"], errors="coerce").dropna() if "lead_time" in group else pd.Series([])
    row["median_lead_time"] = float(lead.median()) if len(lead) else _NAN
    return row


def per_annotator(
    rows: pd.DataFrame,
    *,
    label_order: Sequence[str] | None = None,
    skipped: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """One row per annotator (:data:`ANNOTATOR_COLUMNS`), sorted by annotator.

    Parameters
    ----------
    rows
        Labelled rows with ``sentence_id``, ``annotator`` and ``label``; optional ``review_label`` (the reviewer's
        decision for the sentence), ``predicted_label`` (the model's label shown to the annotator), ``gold_label``
        (the known label of a gold task) and ``lead_time`` (seconds). Rows without a label are left out.
    label_order
        The labels, in order (more found in the rows are appended); they only fix kappa's label set.
    skipped
        Skipped (cancelled) annotations per annotator, when known (``pull`` counts them; a pulled file has none).

    Returns
    -------
    pandas.DataFrame
        ``annotations`` labelled annotations (a sentence labelled twice counts twice), ``sentences`` distinct
        sentences labelled, ``skipped`` (missing when unknown); ``kappa_others``: Cohen's kappa of this annotator's
        labels against the other annotators' labels, pooled over every (sentence, other annotator) pair on the
        sentences they share, ``pairs`` of them; ``review_accuracy`` / ``review_kappa``: the share of the annotator's
        labels equal to the reviewed decision and their kappa, over the ``reviewed`` sentences that have one;
        ``model_agreement`` / ``model_kappa`` likewise against the prediction shown (how far the annotator followed
        the model: anchoring), over ``predicted``; ``gold_accuracy`` on the ``gold`` tasks; ``median_lead_time`` the
        median seconds per task (of the annotation that counts). A count is missing (None) when its column is
        absent, 0 when no row has a value; a figure over no rows, or a kappa with one label throughout, is NaN.
    """
    df, counts = _prepare(rows)
    order = list(label_order or [])
    found = set(df["label"])
    for column in REFERENCES:
        if column in df.columns:
            found |= set(df[column].dropna())
    order += sorted(found - set(order))
    pairs = pooled_pairs(df)
    out = [
        _figures(str(name), group, pairs[pairs["annotator"] == name], order)
        | {
            "annotations": int(counts.get(name, 0)),
            "skipped": None if skipped is None else int(skipped.get(str(name), 0)),
        }
        for name, group in df.groupby("annotator", sort=True)
    ]
    return pd.DataFrame(out, columns=list(ANNOTATOR_COLUMNS))


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The table's rows as JSON-ready dicts: missing values None, numpy numbers Python numbers."""
    out = []
    for row in table.astype(object).where(table.notna(), None).to_dict("records"):
        out.append({str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def _pct(x: Any) -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.0%}"


def _num(x: Any, fmt: str = ".3f") -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, fmt)


def _count(x: Any) -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else str(int(x))


def _shares(table: pd.DataFrame, share: str, count: str) -> list[str]:
    """``"share (n)"`` per row, or ``n/a`` where there is nothing to compare with (no row has a value, or the column
    is absent)."""
    return [
        "n/a" if _count(n) in ("n/a", "0") else f"{_pct(a)} ({_count(n)})"
        for a, n in zip(table[share], table[count], strict=True)
    ]


def table_text(table: pd.DataFrame) -> str:
    """The per-annotator table as aligned plain text: counts, kappa against the others, agreement with the reviewed
    decision, the model and gold tasks as ``share (n)``, and the median time per task."""
    if table.empty:
        return "  (no annotations)"
    shown = pd.DataFrame(
        {
            "annotator": table["annotator"],
            "annotations": table["annotations"].map(_count),
            "skipped": table["skipped"].map(_count),
            "kappa others": table["kappa_others"].map(_num),
            "review": _shares(table, "review_accuracy", "reviewed"),
            "model": _shares(table, "model_agreement", "predicted"),
            "gold": _shares(table, "gold_accuracy", "gold"),
            "median s": table["median_lead_time"].map(lambda x: _num(x, ".1f")),
        }
    )
    cells = [list(shown.columns), *shown.astype(str).to_numpy().tolist()]
    widths = [max(len(row[i]) for row in cells) for i in range(len(shown.columns))]
    return "\n".join(
        "  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in cells
    )

"""Agreement between annotators on labelled rows (``pull``'s output): Krippendorff's alpha overall and per label,
Cohen's kappa per annotator pair, the confusion between annotators, and the sentences they disagree on. Pure.

Label Studio's free edition has none of this (agreement is an Enterprise feature there).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from annotator.errors import InputError
from annotator.labels import labels
from annotator.studio.annotators import per_annotator, pooled_pairs, table_text

REQUIRED = ("sentence_id", "annotator", "label")
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Agreement:
    """The agreement figures of one set of labelled rows.

    ``alpha`` is Krippendorff's alpha (nominal) over all labels; ``alpha_per_label`` the alpha of each label against
    the rest (label vs not label); ``kappa`` has one row per annotator pair with the number of sentences both labelled;
    ``confusion`` counts, over every pair of annotations of the same sentence by different annotators, which label met
    which (symmetric); ``disagreements`` lists each sentence with more than one label, with every annotator's label.
    ``per_annotator`` is :func:`annotator.studio.annotators.per_annotator`'s table; ``by_version`` has one row per
    guideline version (in version order: numbers compared as numbers), with its sentences, annotations, ``alpha`` and
    ``alpha_<label>`` per label, computed on the annotations of the tasks pushed under that version (empty without a
    ``guideline_version`` column).
    """

    alpha: float
    alpha_per_label: dict[str, float]
    kappa: pd.DataFrame
    confusion: pd.DataFrame
    disagreements: pd.DataFrame
    annotators: int
    sentences: int
    annotations: int
    per_annotator: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_version: pd.DataFrame = field(default_factory=pd.DataFrame)


def _check(rows: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in rows.columns]
    if missing:
        raise InputError("labelled rows", f"column {missing[0]!r} missing; got {list(rows.columns)}")
    keep = [c for c in ("text", "guideline_version") if c in rows.columns]
    df = rows.dropna(subset=["label"])[list(REQUIRED) + keep].copy()
    df["annotator"] = df["annotator"].astype(str)
    df["sentence_id"] = df["sentence_id"].astype(str)
    df["label"] = df["label"].astype(str)
    # an annotator who labelled a sentence twice counts once, with the later label
    return df.drop_duplicates(subset=["sentence_id", "annotator"], keep="last")


def nominal_alpha(matrix: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    """Krippendorff's alpha for nominal data.

    Parameters
    ----------
    matrix
        The reliability matrix: one row per annotator, one column per unit (sentence); each cell the code of the
        value that annotator gave that unit, NaN where it gave none.

    Returns
    -------
    float
        ``1 - (n - 1) * sum(o[c, k], c != k) / sum(n_c * n_k, c != k)``, with ``o`` the coincidence matrix of the
        units that at least two annotators labelled (each unit adds its ordered pairs of values, weighted
        ``1 / (m_u - 1)`` for its ``m_u`` values), ``n_c`` its marginals and ``n`` their sum (Krippendorff 2011,
        "Computing Krippendorff's Alpha-Reliability"). NaN when alpha is undefined: no unit labelled twice, or a
        single value among the pairable units.
    """
    present = ~np.isnan(matrix)
    values, codes = np.unique(matrix[present], return_inverse=True)
    counts = np.zeros((matrix.shape[1], len(values)))  # units x values: how many annotators gave each value
    np.add.at(counts, (np.nonzero(present)[1], codes), 1.0)
    m = counts.sum(axis=1)
    counts = counts[m >= 2]
    weights = 1.0 / (m[m >= 2] - 1.0)
    coincidences = (counts.T * weights) @ counts - np.diag(weights @ counts)
    n_c = coincidences.sum(axis=1)
    n = n_c.sum()
    expected = n * n - float(n_c @ n_c)
    if expected <= 0:
        return float("nan")
    observed = coincidences.sum() - np.trace(coincidences)
    return float(1.0 - (n - 1.0) * observed / expected)


def _alphas(
    df: pd.DataFrame, order: Sequence[str]
) -> tuple[float, dict[str, float], np.ndarray[Any, np.dtype[np.float64]], list[str]]:
    """Alpha over all labels, alpha of each label against the rest, the reliability matrix (annotators x sentences,
    label codes: indices into ``order``) and the annotators (its rows, sorted)."""
    codes = {label: i for i, label in enumerate(order)}
    coded = df.assign(code=df["label"].map(codes).astype(float))  # codes before the pivot: one map, not one per column
    wide = coded.pivot(index="annotator", columns="sentence_id", values="code")
    matrix = wide.to_numpy(dtype=float)
    per_label = {}
    for label, code in codes.items():
        binary = np.where(np.isnan(matrix), np.nan, (matrix == code).astype(float))
        per_label[label] = nominal_alpha(binary)
    return nominal_alpha(matrix), per_label, matrix, [str(a) for a in wide.index]


def _pair_kappas(matrix: np.ndarray[Any, np.dtype[np.float64]], names: list[str], order: Sequence[str]) -> pd.DataFrame:
    """Cohen's kappa of every pair of annotators (rows of ``matrix``) on the sentences both labelled."""
    from sklearn.metrics import cohen_kappa_score

    pairs = []
    for i, j in itertools.combinations(range(len(names)), 2):
        both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
        n = int(both.sum())
        kappa = float("nan")
        x, y = [order[int(c)] for c in matrix[i, both]], [order[int(c)] for c in matrix[j, both]]
        # kappa is undefined (0/0) when both annotators used one and the same label throughout
        if n and len(set(x) | set(y)) > 1:
            kappa = float(cohen_kappa_score(x, y, labels=list(order)))
        pairs.append({"annotator_a": names[i], "annotator_b": names[j], "sentences": n, "kappa": kappa})
    return pd.DataFrame(pairs, columns=["annotator_a", "annotator_b", "sentences", "kappa"])


def _disagreements(df: pd.DataFrame) -> pd.DataFrame:
    """Each sentence with more than one label: its text, its labels and every annotator's vote."""
    multi = df.groupby("sentence_id")["label"].nunique()
    disputed = df[df["sentence_id"].isin(multi[multi > 1].index)]
    return (
        disputed.assign(vote=disputed["annotator"] + "=" + disputed["label"])
        .groupby("sentence_id", sort=True)
        .agg(
            text=("text", "first") if "text" in disputed.columns else ("label", lambda s: None),
            labels=("label", lambda s: " ".join(sorted(set(s)))),
            votes=("vote", lambda s: " ".join(sorted(s))),
        )
        .reset_index()
    )


def _version_key(version: str) -> list[Any]:
    """Sort key of a guideline version: "1.10" after "1.9" (numbers compared as numbers)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(version) if part]


def by_version(df: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """One row per guideline version: sentences, annotations, alpha and ``alpha_<label>`` (see :class:`Agreement`)."""
    columns = ["guideline_version", "sentences", "annotations", "alpha", *(f"alpha_{label}" for label in order)]
    if "guideline_version" not in df.columns:
        return pd.DataFrame(columns=columns)
    versioned = df[df["guideline_version"].notna()].assign(
        guideline_version=lambda d: d["guideline_version"].astype(str)
    )
    out = []
    for version in sorted(set(versioned["guideline_version"]), key=_version_key):
        part = versioned[versioned["guideline_version"] == version]
        alpha, per_label, matrix, _names = _alphas(part, order)
        row = {"guideline_version": version, "sentences": matrix.shape[1], "annotations": len(part), "alpha": alpha}
        out.append(row | {f"alpha_{label}": a for label, a in per_label.items()})
    return pd.DataFrame(out, columns=columns)


def agreement(
    rows: pd.DataFrame, *, label_order: Sequence[str] | None = None, skipped: Mapping[str, int] | None = None
) -> Agreement:
    """Agreement figures of labelled rows (columns ``sentence_id``, ``annotator``, ``label``; optional columns are
    used by :func:`annotator.studio.annotators.per_annotator` and :func:`by_version`, more are ignored).
    ``skipped`` counts skipped annotations per annotator, when known."""
    df = _check(rows)
    order = list(label_order or labels())
    order += sorted(set(df["label"]) - set(order))
    alpha, per_label, matrix, names = _alphas(df, order)
    pairs = pooled_pairs(df)  # every ordered pair of two annotators' labels on one sentence
    confusion = (
        pd.crosstab(pairs["label"], pairs["other"])
        .reindex(index=order, columns=order, fill_value=0)
        .rename_axis(index="label", columns="other")
        .astype(int)
    )
    return Agreement(
        alpha=alpha,
        alpha_per_label=per_label,
        kappa=_pair_kappas(matrix, names, order),
        confusion=confusion,
        disagreements=_disagreements(df),
        annotators=len(names),
        sentences=matrix.shape[1],
        annotations=len(df),
        per_annotator=per_annotator(rows, label_order=order, skipped=skipped),
        by_version=by_version(df, order),
    )


def _fmt(x: float) -> str:
    return "n/a" if np.isnan(x) else f"{x:.3f}"


def summary(result: Agreement, *, max_disagreements: int = 20, more: str = "") -> str:
    """A plain-text report of :func:`agreement`'s figures; ``more`` follows the count of disagreements left out
    (where to find them all)."""
    lines = [
        f"{result.annotations} annotations by {result.annotators} annotators on {result.sentences} sentences",
        f"Krippendorff's alpha (nominal): {_fmt(result.alpha)}",
        "per label (label vs the rest): "
        + ", ".join(f"{label} {_fmt(a)}" for label, a in result.alpha_per_label.items()),
        "",
        "Cohen's kappa per annotator pair:",
    ]
    for pair in result.kappa.to_dict("records"):
        lines.append(
            f"  {pair['annotator_a']} / {pair['annotator_b']}: {_fmt(pair['kappa'])} on {pair['sentences']} sentences"
        )
    if result.kappa.empty:
        lines.append("  (fewer than two annotators)")
    if not result.per_annotator.empty:
        lines += ["", "per annotator (kappa against the others pooled; review, model, gold: share agreeing (n)):"]
        lines.append(table_text(result.per_annotator))
    if len(result.by_version) > 1:
        lines += ["", "alpha per guideline version:"]
        for v in result.by_version.to_dict("records"):
            per = ", ".join(f"{label} {_fmt(v[f'alpha_{label}'])}" for label in result.alpha_per_label)
            lines.append(f"  {v['guideline_version']}: {_fmt(v['alpha'])} on {v['sentences']} sentences ({per})")
    lines += ["", "confusion between annotators (pairs of labels on the same sentence):", result.confusion.to_string()]
    n = len(result.disagreements)
    lines += ["", f"{n} sentence{'s' if n != 1 else ''} to adjudicate" + (":" if n else "")]
    for row in result.disagreements.head(max_disagreements).itertuples(index=False):
        text = str(row.text) if row.text is not None else ""
        text = text if len(text) <= 80 else text[:79] + "…"
        lines.append(f"  {row.sentence_id}  {row.votes}  {text}")
    if n > max_disagreements:
        lines.append(f"  … and {n - max_disagreements} more{more}")
    return "\n".join(lines)

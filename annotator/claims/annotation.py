"""The report's "Annotation" section: the per-annotator table, the confusion between annotators (label x label), Cohen's
kappa per annotator pair (annotator x annotator) and Krippendorff's alpha per label over guideline versions, as HTML
with inline SVG (:mod:`annotator.claims.svg`).

The figures come from ``annotator.studio.agreement.agreement`` (the command passes them in: this subpackage does not
import ``studio``); :class:`AnnotationFigures` is the part of its result read here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pandas as pd

from annotator.claims.svg import heatmap, line_chart
from annotator.io import Row

#: the name of the per-annotator table among the report's tables (written as NAME.annotators.csv)
ANNOTATORS_TABLE = "annotators"
_ALL = "all labels"


class AnnotationFigures(Protocol):
    """What the section reads of ``annotator.studio.agreement.Agreement``."""

    @property
    def alpha(self) -> float: ...
    @property
    def alpha_per_label(self) -> dict[str, float]: ...
    @property
    def kappa(self) -> pd.DataFrame: ...
    @property
    def confusion(self) -> pd.DataFrame: ...
    @property
    def per_annotator(self) -> pd.DataFrame: ...
    @property
    def by_version(self) -> pd.DataFrame: ...
    @property
    def annotators(self) -> int: ...
    @property
    def sentences(self) -> int: ...
    @property
    def annotations(self) -> int: ...


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _num(x: Any, fmt: str = ".3f") -> str:
    return "n/a" if _missing(x) else format(x, fmt)


def _share(share: Any, n: Any) -> str:
    if _missing(n) or not n:
        return "n/a"  # nothing to compare with
    return f'{"n/a" if _missing(share) else format(share, ".0%")} <span class="sub">({int(n)})</span>'


def table_rows(figures: AnnotationFigures) -> tuple[list[Row], list[str]]:
    """The per-annotator table as flat rows (missing figures None) and its columns, for the CSV next to the page."""
    table = figures.per_annotator
    rows = [
        {str(k): (None if _missing(v) else (v.item() if hasattr(v, "item") else v)) for k, v in r.items()}
        for r in table.astype(object).to_dict("records")
    ]
    return rows, [str(c) for c in table.columns]


def _cell(value: Any, text: str) -> str:
    sort = "" if _missing(value) else f' data-value="{value}"'
    return f'<td class="num"{sort}>{text}</td>'


def _table(table: pd.DataFrame) -> str:
    head = ["Annotator", "Annotations", "Skipped", "Kappa others (pairs)", "Review agrees", "Kappa review",
            "Model agrees", "Kappa model", "Gold correct", "Median seconds per task"]  # fmt: skip
    number = ' data-type="number"'
    ths = "".join(f'<th{"" if i == 0 else number} scope="col">{_e(h)}</th>' for i, h in enumerate(head))
    body = []
    for r in table.to_dict("records"):
        cells = [
            f'<td data-value="{_e(r["annotator"])}"><b>{_e(r["annotator"])}</b></td>',
            _cell(r["annotations"], str(r["annotations"])),
            _cell(r["skipped"], _num(r["skipped"], "d") if not _missing(r["skipped"]) else "n/a"),
            _cell(r["kappa_others"], f'{_num(r["kappa_others"])} <span class="sub">({r["pairs"]})</span>'),
            _cell(r["review_accuracy"], _share(r["review_accuracy"], r["reviewed"])),
            _cell(r["review_kappa"], _num(r["review_kappa"])),
            _cell(r["model_agreement"], _share(r["model_agreement"], r["predicted"])),
            _cell(r["model_kappa"], _num(r["model_kappa"])),
            _cell(r["gold_accuracy"], _share(r["gold_accuracy"], r["gold"])),
            _cell(r["median_lead_time"], _num(r["median_lead_time"], ".1f")),
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table id="annotators" class="sortable"><thead><tr>{ths}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def _kappa_matrix(pairs: pd.DataFrame, names: Sequence[str]) -> list[list[float]]:
    index = {n: i for i, n in enumerate(names)}
    matrix = [[math.nan] * len(names) for _ in names]
    for r in pairs.to_dict("records"):
        a, b = index[str(r["annotator_a"])], index[str(r["annotator_b"])]
        matrix[a][b] = matrix[b][a] = float(r["kappa"])
    return matrix


def _version_chart(by_version: pd.DataFrame, labels: Sequence[str], colours: Mapping[str, str]) -> str:
    if by_version.empty:
        return '<p class="empty">No guideline_version in the labels: agreement over time cannot be shown.</p>'
    versions = [str(v) for v in by_version["guideline_version"]]
    series = {_ALL: [float(v) for v in by_version["alpha"]]}
    series |= {label: [float(v) for v in by_version[f"alpha_{label}"]] for label in labels}
    return line_chart(
        versions,
        series,
        {_ALL: "#111827", **colours},
        title="Krippendorff's alpha per label (label vs the rest) by guideline version",
        x_axis="guideline version",
        y_axis="Krippendorff's alpha",
    )


def section(figures: AnnotationFigures, *, colours: Mapping[str, str]) -> str:
    """The section's body (HTML): a summary line, the table, the two heatmaps and the chart over versions."""
    labels = list(figures.alpha_per_label)
    names = [str(n) for n in figures.per_annotator["annotator"]]
    confusion = figures.confusion
    conf = heatmap(
        [[float(v) for v in row] for row in confusion.to_numpy()],
        [str(x) for x in confusion.index],
        [str(x) for x in confusion.columns],
        title="Confusion between annotators: pairs of labels two annotators gave the same sentence",
        row_axis="one annotator",
        column_axis="another",
        fmt=lambda v: f"{v:.0f}",
    )
    kappas = (
        heatmap(
            _kappa_matrix(figures.kappa, names),
            names,
            names,
            title="Cohen's kappa per annotator pair",
            row_axis="annotator",
            column_axis="annotator",
            fmt=lambda v: f"{v:.2f}",
            lo=-1.0,
            hi=1.0,
        )
        if len(names) > 1
        else '<p class="empty">One annotator only: no pairs to compare.</p>'
    )
    per_label = ", ".join(f"{_e(label)} {_num(a)}" for label, a in figures.alpha_per_label.items())
    return (
        f'<p class="lead">{figures.annotations:,} annotations by {figures.annotators} annotators on '
        f"{figures.sentences:,} sentences. Krippendorff's alpha (nominal) {_num(figures.alpha)}; per label "
        f"(label vs the rest): {per_label}.</p>"
        f'<div class="card table-wrap">{_table(figures.per_annotator)}</div>'
        '<div class="grid2">'
        '<figure class="card chart"><figcaption>Confusion between annotators (label × label)</figcaption>'
        f"{conf}</figure>"
        f'<figure class="card chart"><figcaption>Cohen\'s kappa per pair (annotator × annotator)</figcaption>{kappas}'
        "</figure></div>"
        '<figure class="card chart"><figcaption>Agreement per label over guideline versions</figcaption>'
        f"{_version_chart(figures.by_version, labels, colours)}</figure>"
    )

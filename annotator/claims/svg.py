"""Small inline SVG charts for the HTML report: a heatmap and a line chart with axes and a legend. Pure strings: no
JavaScript, nothing fetched; every text is escaped, every chart has a ``<title>`` (and each mark its own), and values
are written as text, not shown by colour alone.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence

_FONT = 'font-family="system-ui, sans-serif"'
_INK, _MUTED, _GRID = "#111827", "#6b7280", "#e5e7eb"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _open(width: float, height: float, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" style="max-width:100%;height:auto" role="img" aria-label="{_e(title)}" {_FONT} '
        f'font-size="12"><title>{_e(title)}</title>'
    )


def _shade(value: float, lo: float, hi: float) -> tuple[str, str]:
    """Fill and text colour of a heatmap cell: white to blue from ``lo`` to ``hi``; below 0 (a negative kappa) red."""
    if math.isnan(value):
        return "#f3f4f6", _MUTED
    if value < 0:
        t = min(1.0, -value / max(abs(lo), 1e-9))
        return f"rgb(255,{int(235 - 120 * t)},{int(235 - 120 * t)})", _INK
    t = 0.0 if hi <= 0 else min(1.0, value / hi)
    r, g, b = (int(255 + (c - 255) * t) for c in (37, 99, 235))
    return f"rgb({r},{g},{b})", "#ffffff" if t > 0.55 else _INK


def heatmap(
    values: Sequence[Sequence[float]],
    rows: Sequence[str],
    columns: Sequence[str],
    *,
    title: str,
    row_axis: str,
    column_axis: str,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    lo: float | None = None,
    hi: float | None = None,
) -> str:
    """A grid of cells, ``values[i][j]`` at row ``rows[i]`` and column ``columns[j]``, each with its value written in
    it (``fmt``; NaN as "—") and a ``<title>`` naming both sides. Shades run from ``lo`` (default: the smallest value,
    or 0) to ``hi`` (default: the largest)."""
    flat = [v for row in values for v in row if not math.isnan(v)]
    lo = min([0.0, *flat]) if lo is None else lo
    hi = max(flat, default=1.0) if hi is None else hi
    label_w = min(220, 14 + 7 * max((len(r) for r in rows), default=4))
    cell_w, cell_h, top = max(64, min(132, 24 + 7 * max((len(c) for c in columns), default=4))), 34, 46
    width, height = label_w + cell_w * len(columns) + 10, top + cell_h * len(rows) + 10
    parts = [_open(width, height, title)]
    parts.append(
        f'<text x="{label_w + cell_w * len(columns) / 2:.0f}" y="14" text-anchor="middle" fill="{_MUTED}">'
        f"{_e(column_axis)} →</text>"
    )
    parts.append(f'<text x="4" y="14" fill="{_MUTED}">{_e(row_axis)} ↓</text>')
    for j, name in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(
            f'<text x="{x:.0f}" y="{top - 8}" text-anchor="middle" fill="{_INK}"><title>{_e(name)}</title>'
            f"{_e(_short(name, (cell_w - 16) // 7))}</text>"
        )
    for i, name in enumerate(rows):
        y = top + i * cell_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="end" fill="{_INK}">'
            f"<title>{_e(name)}</title>{_e(_short(name, (label_w - 14) // 7))}</text>"
        )
        for j, column in enumerate(columns):
            value = values[i][j]
            fill, ink = _shade(value, lo, hi)
            shown = "—" if math.isnan(value) else fmt(value)
            x = label_w + j * cell_w
            parts.append(
                f"<g><title>{_e(row_axis)} {_e(name)}, {_e(column_axis)} {_e(column)}: {_e(shown)}</title>"
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" fill="{fill}" '
                f'stroke="{_GRID}"/>'
                f'<text x="{x + cell_w / 2:.0f}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="middle" fill="{ink}">'
                f"{_e(shown)}</text></g>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _step(lo: float, hi: float) -> float:
    return 0.25 if hi - lo <= 1.5 else 0.5


def _ticks(lo: float, hi: float) -> list[float]:
    step = _step(lo, hi)
    start = math.ceil(lo / step) * step
    return [round(start + k * step, 6) for k in range(int((hi - start) / step + 1e-9) + 1)]


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    colours: Mapping[str, str],
    *,
    title: str,
    x_axis: str,
    y_axis: str,
    y_range: tuple[float, float] = (0.0, 1.0),
) -> str:
    """One line per series over the categories ``x_labels`` (a point where a value is NaN is left out, and the line
    broken there), with the y axis gridded and labelled, the x categories written under it, a legend naming each
    series next to its colour and dash, and each point's value in its ``<title>``. ``y_range`` is widened to hold
    every value, to the next tick."""
    flat = [v for vs in series.values() for v in vs if not math.isnan(v)]
    lo, hi = min([y_range[0], *flat]), max([y_range[1], *flat])
    step = _step(lo, hi)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step  # the axis ends on a tick
    left, right, top, plot_h = 56, 170, 16, 220
    plot_w = max(220, 110 * len(x_labels))
    width, height = left + plot_w + right, top + plot_h + 58

    def x_of(i: int) -> float:
        return left + plot_w * (i + 0.5) / max(1, len(x_labels))

    def y_of(v: float) -> float:
        return top + plot_h * (hi - v) / ((hi - lo) or 1.0)

    parts = [_open(width, height, title)]
    for tick in _ticks(lo, hi):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{_MUTED}">{tick:g}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{_MUTED}"/>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{_MUTED}"/>')
    for i, name in enumerate(x_labels):
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" fill="{_INK}">'
            f"<title>{_e(name)}</title>{_e(_short(name, 14))}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle" fill="{_MUTED}">{_e(x_axis)}</text>'
    )
    parts.append(
        f'<text transform="translate(14 {top + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle" '
        f'fill="{_MUTED}">{_e(y_axis)}</text>'
    )
    for k, (name, values) in enumerate(series.items()):
        parts.append(_line(name, values, colours.get(name, _MUTED), k, x_labels, x_of, y_of))
        ly = top + 8 + 22 * k
        dash = _dash(k)
        parts.append(
            f'<line x1="{left + plot_w + 16}" x2="{left + plot_w + 44}" y1="{ly}" y2="{ly}" '
            f'stroke="{colours.get(name, _MUTED)}" stroke-width="3"{dash}/>'
            f'<text x="{left + plot_w + 50}" y="{ly + 4}" fill="{_INK}">{_e(_short(name, 16))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _dash(k: int) -> str:
    """A dash pattern per series, so that lines differ by more than colour."""
    return ["", ' stroke-dasharray="6 4"', ' stroke-dasharray="2 3"', ' stroke-dasharray="10 3 2 3"'][k % 4]


def _line(
    name: str,
    values: Sequence[float],
    colour: str,
    k: int,
    x_labels: Sequence[str],
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
) -> str:
    parts: list[list[str]] = []
    run: list[str] = []
    for i, v in enumerate(values):
        if math.isnan(v):
            if len(run) > 1:
                parts.append(run)
            run = []
            continue
        run.append(f"{x_of(i):.1f},{y_of(v):.1f}")
    if len(run) > 1:
        parts.append(run)
    out = [f'<g aria-label="{_e(name)}">']
    for points in parts:
        out.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2.5"{_dash(k)}/>'
        )
    for i, v in enumerate(values):
        if not math.isnan(v):
            out.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="4.5" fill="{colour}">'
                f"<title>{_e(name)}, {_e(x_labels[i])}: {v:.3f}</title></circle>"
            )
    out.append("</g>")
    return "".join(out)

"""The report: one self-contained static HTML page (inline CSS, JS and SVG; nothing fetched at view time), every
table also as CSV, and a ClaimReview-style JSON export of the contested claims.

Sections: the label mix per article (an inline SVG chart, with the share of claims resting on anonymous sources),
the source ledger (a sortable, filterable table), claim drift (pairs side by side with the changes highlighted) and
the contested claims (whose claim, who contests it), and with per-annotation labels the annotation figures
(:mod:`annotator.claims.annotation`). Files written for ``-o report.html``: ``report.html``, ``report.label_mix.csv``,
``report.ledger.csv``, ``report.drift.csv``, ``report.contested.csv`` (and ``report.annotators.csv`` with the
Annotation section) and ``report.claimreview.json`` (``schemas/claimreview.schema.json``), all or nothing.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from annotator import __version__
from annotator.attribution.sources import SentenceSources
from annotator.claims.annotation import ANNOTATORS_TABLE, AnnotationFigures, section, table_rows
from annotator.claims.articles import Corpus
from annotator.claims.claimreview import claimreview, contested_rows
from annotator.claims.ledger import LedgerResult, label_names
from annotator.io import Row
from annotator.io.atomic import atomic_files
from annotator.io.write import escape_cell
from annotator.labels import CONTESTED
from annotator.resources import schema_path

TEMPLATE_NAME = "report_template.html"
TABLES = ("label_mix", "ledger", "drift", CONTESTED)
_PALETTE = ("#2563eb", "#d97706", "#dc2626", "#7c3aed", "#059669", "#db2777", "#0891b2")  # labels in config order
_ANONYMOUS = "#4b5563"
_FILES = "<!--annotator:files-->"  # filled in by write_report, which knows the file names
_CHANGE_NAMES = {
    "number_changed": "number changed",
    "hedge_added": "hedge added",
    "hedge_dropped": "hedge dropped",
    "attribution_stripped": "attribution stripped",
    "attribution_added": "attribution added",
    "attribution_replaced": "attribution replaced",
    "title_changed": "title changed",
    "citation": "citation",
}


@dataclass
class Report:
    """The page, its tables (flat rows, as written to CSV) and the ClaimReview export."""

    html: str
    tables: dict[str, list[Row]]
    columns: dict[str, list[str]]
    claimreview: dict[str, Any]


def colours() -> dict[str, str]:
    """A colour per label, in config order (blue, amber, red), then grey for any further label."""
    extra = iter(_PALETTE)
    return {label: next(extra, "#6b7280") for label in label_names()}


def build_report(
    corpus: Corpus,
    ledger: LedgerResult,
    drift: Sequence[Row],
    *,
    origin: str,
    title: str = "Sources and claim drift",
    annotation: AnnotationFigures | None = None,
) -> Report:
    """Everything the report shows, from the corpus, its ledger and its drift rows. ``origin`` says where the labels
    came from (shown on the page). ``annotation`` (the agreement figures of per-annotation labels) adds the
    Annotation section and its table (:mod:`annotator.claims.annotation`)."""
    names = label_names()
    contested = contested_rows(corpus, ledger)
    tables, columns = _tables(ledger, drift, contested, names)
    if annotation is not None:
        tables[ANNOTATORS_TABLE], columns[ANNOTATORS_TABLE] = table_rows(annotation)
    review = claimreview(corpus, contested)
    n_labelled = sum(p["n_sentences"] for p in ledger.profiles)
    stats = [
        (len(corpus.articles), "articles"),
        (len(corpus.rows), "sentences"),
        (len(ledger.ledger), "sources"),
        (len({(r["article_a"], r["article_b"]) for r in drift}), "re-report pairs"),
        (sum(1 for r in drift if r["changes"]), "drifted claims"),
        (len(contested), "contested claims"),
    ]
    page = Template(schema_path(TEMPLATE_NAME).read_text(encoding="utf-8")).substitute(
        title=_e(title),
        subtitle=_e(
            f"{len(corpus.articles)} articles from {len({o for o in corpus.outlets.values() if o})} outlets, "
            f"{n_labelled} labelled sentences"
        ),
        version=_e(__version__),
        stats="".join(f'<div class="card stat"><b>{n:,}</b><span>{_e(what)}</span></div>' for n, what in stats),
        origin=_e(f"{origin[:1].upper()}{origin[1:]}."),
        legend=_legend(names),
        chart=_chart(ledger.profiles, names),
        ledger=_ledger_table(ledger.ledger, names),
        drift=_drift(drift),
        contested=_contested_html(contested),
        annotation_nav='<a href="#annotation">Annotation</a>' if annotation is not None else "",
        annotation=_annotation(annotation),
        files=_FILES,
    )
    return Report(page, tables, columns, review)


def write_report(report: Report, path: str | Path, *, csv_raw: bool = False) -> list[Path]:
    """Write the page, one CSV per table and the ClaimReview JSON next to it, all or nothing; the paths written.

    The files (six, seven with the Annotation section's table) are written to a temporary directory beside the page
    and renamed into place only once all are complete, the page last (:func:`annotator.io.atomic.atomic_files`): a
    failure before that leaves the previous report whole. CSV cells that a spreadsheet would run as a formula are
    escaped (:func:`annotator.io.write.escape_cell`) unless ``csv_raw``."""
    target = Path(path)
    stem = target.with_suffix("")
    outputs = {name: stem.with_name(f"{stem.name}.{name}.csv") for name in report.tables}
    review_path = stem.with_name(f"{stem.name}.claimreview.json")
    written = [*outputs.values(), review_path]
    files = " · ".join(f"<code>{_e(p.name)}</code>" for p in [target, *written])
    with atomic_files([*written, target]) as tmps:
        for name, tmp in zip(report.tables, tmps, strict=False):
            tmp.write_text(_csv(report.tables[name], report.columns[name], escape=not csv_raw), encoding="utf-8")
        review = json.dumps(report.claimreview, ensure_ascii=False, indent=2) + "\n"
        tmps[len(report.tables)].write_text(review, encoding="utf-8")
        tmps[-1].write_text(report.html.replace(_FILES, files, 1), encoding="utf-8")
    return [target, *written]


def _annotation(figures: AnnotationFigures | None) -> str:
    if figures is None:
        return ""
    return (
        '<section id="annotation"><h2>Annotation</h2><p class="lead">How the annotators of the pulled labels agree '
        "with each other, with the reviewed decision, with the model and with gold tasks.</p>"
        f"{section(figures, colours=colours())}</section>\n"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _csv(rows: list[Row], columns: list[str], *, escape: bool) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    if escape:
        rows = [{key: escape_cell(value) for key, value in row.items()} for row in rows]
    writer.writerows(rows)
    return buf.getvalue()


# -- tables -----------------------------------------------------------------------------------------


def _names(relations: list[Row]) -> str:
    return "; ".join(r["source"] for r in relations)


def _tables(
    ledger: LedgerResult, drift: Sequence[Row], contested: list[Row], names: Sequence[str]
) -> tuple[dict[str, list[Row]], dict[str, list[str]]]:
    counts = [f"n_{label}" for label in names]
    shares = [f"share_{label}" for label in names]
    mix_cols = ["article_id", "outlet", "title", "n_sentences", *counts, *shares, "n_anonymous", "share_anonymous"]
    ledger_cols = ["source", "type", "n_claims", *counts, "outlets", "articles", "contested_by", "contests", "aliases"]
    ledger_rows = [
        {
            **{k: r[k] for k in ("source", "type", "n_claims", *counts)},
            "outlets": "; ".join(r["outlets"]),
            "articles": "; ".join(r["articles"]),
            "contested_by": _names(r["contested_by"]),
            "contests": _names(r["contests"]),
            "aliases": "; ".join(r["aliases"]),
        }
        for r in ledger.ledger
    ]
    drift_cols = ["article_a", "outlet_a", "sentence_a", "text_a", "article_b", "outlet_b", "sentence_b", "text_b",
                  "similarity", "changes"]  # fmt: skip
    drift_rows = [
        {
            "article_a": r["article_a"],
            "outlet_a": r["outlet_a"],
            "sentence_a": r["sentence_a"]["sentence_id"],
            "text_a": r["sentence_a"]["text"],
            "article_b": r["article_b"],
            "outlet_b": r["outlet_b"],
            "sentence_b": r["sentence_b"]["sentence_id"],
            "text_b": r["sentence_b"]["text"],
            "similarity": r["similarity"],
            "changes": "; ".join(f"{c['type']}: {c['before'] or '—'} → {c['after'] or '—'}" for c in r["changes"]),
        }
        for r in drift
    ]
    contested_cols = ["sentence_id", "article_id", "outlet", "text", "claim_by", "contested_by", "cues"]
    tables = {"label_mix": list(ledger.profiles), "ledger": ledger_rows, "drift": drift_rows, CONTESTED: contested}
    columns = {"label_mix": mix_cols, "ledger": ledger_cols, "drift": drift_cols, CONTESTED: contested_cols}
    return tables, columns


# -- HTML pieces ------------------------------------------------------------------------------------


def _legend(names: Sequence[str]) -> str:
    colour = colours()
    items = [f'<span><i style="background:{colour[n]}"></i>{_e(n)}</span>' for n in names]
    items.append(f'<span><i style="background:{_ANONYMOUS}"></i>resting on anonymous sources</span>')
    return f'<div class="legend">{"".join(items)}</div>'


def _chart(profiles: list[Row], names: Sequence[str]) -> str:
    """A stacked horizontal bar per article (label shares) with a thin bar under it (anonymous share)."""
    colour = colours()
    rows = [p for p in profiles if p["n_sentences"]]
    if not rows:
        return '<p class="empty">No labelled sentences.</p>'
    label_w, bar_w, row_h, top = 360, 760, 42, 6
    width, height = label_w + bar_w + 70, top + row_h * len(rows) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" style="width:100%;min-width:640px" '
        f'role="img" aria-label="Label mix per article">'
    ]
    for i, p in enumerate(rows):
        y = top + i * row_h
        name = p["title"] or p["article_id"]
        short = name if len(name) <= 48 else name[:46].rstrip() + "…"
        parts.append(f'<text x="0" y="{y + 12}"><title>{_e(name)}</title>{_e(short)}</text>')
        parts.append(f'<text class="sub" x="0" y="{y + 27}">{_e(p["outlet"] or "outlet unknown")} · '
                     f'{p["n_sentences"]} sentences</text>')  # fmt: skip
        x = float(label_w)
        for label in names:
            share = p[f"share_{label}"] or 0
            w = share * bar_w
            if w <= 0:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" rx="2" fill="{colour[label]}">'
                f"<title>{_e(label)}: {p[f'n_{label}']} of {p['n_sentences']} ({share:.0%})</title></rect>"
            )
            if w >= 34:
                parts.append(
                    f'<text class="val" x="{x + w / 2:.1f}" y="{y + 13}" text-anchor="middle">{share:.0%}</text>'
                )
            x += w
        anon = p["share_anonymous"] or 0
        parts.append(f'<rect x="{label_w}" y="{y + 23}" width="{bar_w}" height="5" rx="2" fill="#eef0f3"/>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 23}" width="{anon * bar_w:.1f}" height="5" rx="2" fill="{_ANONYMOUS}">'
            f"<title>resting on anonymous sources: {p['n_anonymous']} of {p['n_sentences']} ({anon:.0%})</title></rect>"
        )
        parts.append(f'<text class="sub" x="{label_w + bar_w + 8}" y="{y + 29}">{anon:.0%} anon.</text>')
    parts.append("</svg>")
    return "".join(parts)


def _ledger_table(rows: list[Row], names: Sequence[str]) -> str:
    if not rows:
        return '<p class="empty">No sources found.</p>'
    colour = colours()
    head = ["<th>Source</th>", "<th>Type</th>", '<th data-type="number">Claims</th>']
    head += [f'<th data-type="number">{_e(n.capitalize())}</th>' for n in names]
    head += ["<th>Outlets</th>", '<th data-type="number">Articles</th>', "<th>Contested by</th>", "<th>Contests</th>"]
    body = []
    for r in rows:
        total = r["n_claims"] or 1
        bar = "".join(f'<i style="width:{100 * r[f"n_{n}"] / total:.1f}%;background:{colour[n]}"></i>' for n in names)
        aliases = [a for a in r["aliases"] if a != r["source"]]
        alias = f'<span class="alias">also: {_e(", ".join(aliases[:4]))}</span>' if aliases else ""
        cells = [
            f'<td data-value="{_e(r["source"])}"><b>{_e(r["source"])}</b>{alias}</td>',
            f'<td><span class="pill {_e(r["type"])}">{_e(r["type"])}</span></td>',
            f'<td class="num" data-value="{r["n_claims"]}">{r["n_claims"]}<span class="bar">{bar}</span></td>',
        ]
        cells += [f'<td class="num">{r[f"n_{n}"]}</td>' for n in names]
        cells += [
            f'<td class="list">{_e(", ".join(r["outlets"]) or "—")}</td>',
            f'<td class="num" data-value="{len(r["articles"])}" title="{_e(", ".join(r["articles"]))}">'
            f"{len(r['articles'])}</td>",
            f'<td class="list">{_e(_names(r["contested_by"]) or "—")}</td>',
            f'<td class="list">{_e(_names(r["contests"]) or "—")}</td>',
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table id="ledger" class="sortable"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _highlight(text: str, marks: list[tuple[str, str]]) -> str:
    """``text`` escaped, with each (substring, css class) wrapped in <mark>; overlapping marks are skipped."""
    spans: list[tuple[int, int, str]] = []
    for value, cls in marks:
        for piece in value.split(" … "):
            for part in piece.split("; "):
                start = text.find(part) if part else -1
                if start < 0 or any(start < e and s < start + len(part) for s, e, _ in spans):
                    continue
                spans.append((start, start + len(part), cls))
    spans.sort()
    out, pos = [], 0
    for start, end, cls in spans:
        out.append(_e(text[pos:start]))
        out.append(f'<mark class="{cls}">{_e(text[start:end])}</mark>')
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


def _pair(r: Row) -> str:
    changes = r["changes"]
    marks_a = [(c["before"], c["type"]) for c in changes if c["before"] and c["type"] != "citation"]
    marks_b = [(c["after"], c["type"]) for c in changes if c["after"]]
    items = "".join(
        f"<li><b>{_e(_CHANGE_NAMES.get(c['type'], c['type']))}</b>"
        f"{_e(c['before'] or '—')} → {_e(c['after'] or '—')}</li>"
        for c in changes
    )
    a, b = r["sentence_a"], r["sentence_b"]
    return (
        f'<article class="card pair"><div class="head"><span>{_e(r["outlet_a"] or r["article_a"])} → '
        f"{_e(r['outlet_b'] or r['article_b'])}</span><span>similarity {r['similarity']:.2f}</span></div>"
        f'<div class="sides"><div class="side"><h3>Original · {_e(r["article_a"])}</h3>'
        f'<p title="{_e(a["sentence_id"])}">{_highlight(a["text"], marks_a)}</p></div>'
        f'<div class="side"><h3>Re-report · {_e(r["article_b"])}</h3>'
        f'<p title="{_e(b["sentence_id"])}">{_highlight(b["text"], marks_b)}</p></div></div>'
        + (f'<ul class="changes">{items}</ul>' if items else "")
        + "</article>"
    )


def _drift(rows: Sequence[Row]) -> str:
    if not rows:
        return '<p class="card empty">No re-reported claims found.</p>'
    changed = [r for r in rows if r["changes"]]
    same = [r for r in rows if not r["changes"]]
    html_ = f'<div class="pairs">{"".join(_pair(r) for r in changed)}</div>'
    if same:
        html_ += (
            f'<details class="more"><summary>{len(same)} more pair{"s" if len(same) != 1 else ""} reported without '
            f'changes</summary><div class="pairs">{"".join(_pair(r) for r in same)}</div></details>'
        )
    return html_


def _contested_html(rows: list[Row]) -> str:
    if not rows:
        return '<p class="card empty">No sentence is labelled contested.</p>'
    cards = []
    for c in rows:
        s: SentenceSources = c["_sentence"]
        marks = [(d.cue.text, "cue") for d in s.disputes]
        cards.append(
            f'<article class="card claim"><p>{_highlight(s.text, marks)}</p><dl>'
            f"<dt>Claim by</dt><dd>{_e(c['claim_by'] or 'unknown')}</dd>"
            f"<dt>Contested by</dt><dd>{_e(c['contested_by'] or 'the article (no named disputer)')}</dd>"
            f"<dt>Where</dt><dd>{_e(c['outlet'] or 'outlet unknown')} · <code>{_e(s.sentence_id)}</code></dd>"
            "</dl></article>"
        )
    return f'<div class="claims">{"".join(cards)}</div>'

"""annotator.claims.annotation: the report's Annotation section shows agreement's figures (checked against the figures
and against counts by hand), its SVGs parse as XML, names are escaped, missing columns say n/a; the section and its
CSV appear only with per-annotation labels; and the page renders in Debian's chromium."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from cli_run import run

from annotator.claims.articles import corpus_of
from annotator.claims.drift import drift_rows
from annotator.claims.html_report import Report, build_report, write_report
from annotator.claims.ledger import build
from annotator.io.articles import read_text
from annotator.studio.agreement import agreement

REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = REPO / "out" / "test-artefacts"  # gitignored
EVIL = "<script>alert(1)</script>@x"
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def rows() -> pd.DataFrame:
    """Two annotators and one with a hostile name, on four sentences under two guideline versions."""
    data = [
        # sentence, annotator, label, review, model, gold, lead time, version
        ("s1", "ann", "attributed", "attributed", "attributed", None, 4.0, "1.0"),
        ("s1", "bob", "contested", "attributed", "attributed", None, 6.0, "1.0"),
        ("s1", EVIL, "attributed", "attributed", "unverified", None, 2.0, "1.0"),
        ("s2", "ann", "unverified", None, "unverified", "unverified", 3.0, "1.0"),
        ("s2", "bob", "unverified", None, "unverified", "unverified", 5.0, "1.0"),
        ("s3", "ann", "contested", None, "contested", None, 8.0, "1.1"),
        ("s3", "bob", "contested", None, "attributed", None, 2.0, "1.1"),
        ("s4", "ann", "attributed", None, "attributed", None, 1.0, "1.1"),
        ("s4", EVIL, "unverified", None, "attributed", None, 9.0, "1.1"),
    ]
    columns = ["sentence_id", "annotator", "label", "review_label", "predicted_label", "gold_label", "lead_time",
               "guideline_version"]  # fmt: skip
    return pd.DataFrame(data, columns=columns)


def report(annotation: object) -> Report:
    corpus = corpus_of([read_text("Headline\nThe mayor said the road would open.\n", article_id="a")])
    ledger = build(corpus, {r["sentence_id"]: "attributed" for r in corpus.rows})
    return build_report(corpus, ledger, drift_rows(corpus), origin="test", annotation=annotation)  # type: ignore[arg-type]


def page(annotation: object) -> str:
    return report(annotation).html


def section(html: str) -> str:
    match = re.search(r'<section id="annotation">.*?</section>', html, re.DOTALL)
    assert match, "no Annotation section"
    return match.group(0)


def test_the_section_shows_the_figures():
    figures = agreement(rows())
    html = section(page(figures))
    ann = figures.per_annotator.set_index("annotator").loc["ann"]
    # ann: 4 annotations; against bob on s1, s2, s3 and the other on s1, s4 (5 pairs); review on s1 only
    assert ann["pairs"] == 5 and ann["reviewed"] == 1 and ann["gold"] == 1
    row = re.search(r"<tr><td data-value=\"ann\">.*?</tr>", html).group(0)  # type: ignore[union-attr]
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[:3] == ["ann", "4", "n/a"]  # annotations; skipped unknown in a file
    assert cells[3] == f"{ann['kappa_others']:.3f} (5)"
    assert cells[4] == "100% (1)" and cells[6] == "100% (4)" and cells[8] == "100% (1)"  # review, model, gold
    assert cells[9] == "3.5"  # median of 4, 3, 8, 1
    assert f"{figures.alpha:.3f}" in html and "9 annotations by 3 annotators on 4 sentences" in html


def test_the_svgs_parse_and_hold_the_counts():
    figures = agreement(rows())
    svgs = [ET.fromstring(s) for s in SVG.findall(section(page(figures)))]
    assert len(svgs) == 3  # confusion, kappa per pair, alpha over versions
    confusion, kappas, versions = svgs
    cells = {g.find("{http://www.w3.org/2000/svg}title").text for g in confusion.iter("{http://www.w3.org/2000/svg}g")}
    # pairs of labels on the same sentence, both orders: s1 gives attributed/contested twice (ann, EVIL vs bob)
    assert "one annotator attributed, another contested: 2" in cells
    assert "one annotator unverified, another unverified: 2" in cells  # s2
    assert "one annotator attributed, another attributed: 2" in cells  # s1: ann and EVIL
    kappa_titles = [
        g.find("{http://www.w3.org/2000/svg}title").text for g in kappas.iter("{http://www.w3.org/2000/svg}g")
    ]
    ann_bob = figures.kappa.set_index(["annotator_a", "annotator_b"]).loc[("ann", "bob"), "kappa"]
    assert f"annotator ann, annotator bob: {ann_bob:.2f}" in kappa_titles
    points = [
        c.find("{http://www.w3.org/2000/svg}title").text for c in versions.iter("{http://www.w3.org/2000/svg}circle")
    ]
    first = figures.by_version.iloc[0]
    assert f"all labels, 1.0: {first['alpha']:.3f}" in points


def test_names_are_escaped():
    html = page(agreement(rows()))
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;@x" in html


def test_absent_columns_say_not_available():
    plain = rows()[["sentence_id", "annotator", "label"]]
    html = section(page(agreement(plain)))
    assert "No guideline_version in the labels" in html
    row = re.search(r"<tr><td data-value=\"bob\">.*?</tr>", html).group(0)  # type: ignore[union-attr]
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[4:] == ["n/a"] * 6


def test_one_annotator_has_no_pair_heatmap():
    html = section(page(agreement(rows()[rows()["annotator"] == "ann"])))
    assert "One annotator only" in html


def test_no_section_without_annotations(tmp_path):
    html = page(None)
    assert 'id="annotation"' not in html and 'href="#annotation"' not in html


def test_the_table_is_written_as_csv_escaped(tmp_path):
    data = rows()
    data.loc[data["annotator"] == "bob", "annotator"] = "=cmd|' /C calc'!A0"
    written = write_report(report(agreement(data)), tmp_path / "r.html")
    table = tmp_path / "r.annotators.csv"
    assert table in written
    with table.open(encoding="utf-8", newline="") as fh:
        out = list(csv.DictReader(fh))
    assert [r["annotator"] for r in out] == [EVIL, "'=cmd|' /C calc'!A0", "ann"]  # sorted by the name as it is
    assert out[2]["annotations"] == "4" and out[2]["skipped"] == ""


@pytest.mark.slow
def test_report_command_adds_the_section_from_pulled_labels(tmp_path, capsys):
    pulled = tmp_path / "pulled.jsonl"
    resolved = tmp_path / "resolved.jsonl"
    data = rows().assign(text="The mayor said the road would open.")
    pulled.write_text("".join(json.dumps(r) + "\n" for r in data.to_dict("records")), encoding="utf-8")
    resolved.write_text(json.dumps({"sentence_id": "s1", "text": "x", "label": "attributed"}) + "\n", encoding="utf-8")
    articles = str(REPO / "data" / "articles" / "climate-serra-brava-wildfire.html")
    out = tmp_path / "with.html"
    assert run(["report", articles, "--labels", str(pulled), "-o", str(out)]) == 0
    assert "an Annotation section (3 annotators), with 5 CSV tables" in capsys.readouterr().err
    assert 'id="annotation"' in out.read_text(encoding="utf-8") and (tmp_path / "with.annotators.csv").is_file()
    out = tmp_path / "without.html"
    assert run(["report", articles, "--labels", str(resolved), "-o", str(out)]) == 0
    assert 'id="annotation"' not in out.read_text(encoding="utf-8")
    assert not (tmp_path / "without.annotators.csv").exists()


@pytest.mark.browser
def test_the_section_in_chromium(tmp_path: Path, chromium: dict[str, object]) -> None:
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    write_report(report(agreement(rows())), path)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(**chromium)
        try:
            view = browser.new_page(viewport={"width": 1280, "height": 1000})
            view.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            view.on("pageerror", lambda e: errors.append(str(e)))
            view.goto(path.as_uri())
            view.click('a[href="#annotation"]')
            assert view.locator("#annotation svg").count() == 3
            for svg in view.locator("#annotation svg").all():
                box = svg.bounding_box()
                assert box and box["width"] > 100 and box["height"] > 80
            header = view.locator("#annotators thead th", has_text="Median s")
            header.click()
            medians = view.locator("#annotators tbody td:nth-child(10)").evaluate_all(
                "cells => cells.map(c => parseFloat(c.getAttribute('data-value')))"
            )
            assert medians == sorted(medians) and len(medians) == 3
            view.locator("#annotation").screenshot(path=str(ARTEFACTS / "report-annotation.png"))
        finally:
            browser.close()
    assert errors == []
    assert (ARTEFACTS / "report-annotation.png").stat().st_size > 10_000

"""The HTML report: files written next to it, CSV tables, the ClaimReview export, self-containment, and the page
in Debian's chromium (Playwright): no console errors, no network, a sortable column that sorts, a screenshot."""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import annotator.cli  # noqa: F401  (registers the commands)
from annotator.claims.articles import corpus_of, read_corpus
from annotator.claims.drift import drift_rows
from annotator.claims.html_report import TABLES, Report, build_report, write_report
from annotator.claims.ledger import build
from annotator.errors import OutputError
from annotator.io.articles import read_text

REPO = Path(__file__).resolve().parents[2]
ARTICLES = REPO / "data" / "articles"
ARTEFACTS = REPO / "out" / "test-artefacts"  # gitignored
ANNOTATOR = str(Path(sys.executable).parent / "annotator")
CLAIMREVIEW = json.loads((REPO / "schemas" / "claimreview.schema.json").read_text(encoding="utf-8"))
Draft202012Validator.check_schema(CLAIMREVIEW)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    proc = subprocess.run(
        [ANNOTATOR, "report", str(ARTICLES), str(seeds_dir), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "4 CSV tables and a ClaimReview export" in proc.stderr
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_files_next_to_the_page(report: Path) -> None:
    for name in TABLES:
        assert (report.parent / f"report.{name}.csv").is_file(), name
    assert (report.parent / "report.claimreview.json").is_file()
    mix = read_csv(report.parent / "report.label_mix.csv")
    assert len(mix) == 18  # 16 sample articles and 2 seeds
    ledger = read_csv(report.parent / "report.ledger.csv")
    budanov = next(r for r in ledger if r["source"] == "Kyrlo Budanov")
    assert budanov["contests"] == "Alexei Zhuravlev"
    drift = read_csv(report.parent / "report.drift.csv")
    assert any("number_changed: About 120 → Several hundred" in r["changes"] for r in drift)
    page = report.read_text(encoding="utf-8")
    for name in ("report.ledger.csv", "report.claimreview.json"):
        assert name in page  # the page lists its companion files


@pytest.mark.slow
def test_claimreview_export(report: Path) -> None:
    data = json.loads((report.parent / "report.claimreview.json").read_text(encoding="utf-8"))
    Draft202012Validator(CLAIMREVIEW).validate(data)
    contested = read_csv(report.parent / "report.contested.csv")
    assert len(data["@graph"]) == len(contested) > 0
    zhuravlev = [
        item
        for item in data["@graph"]
        if any(a["name"] == "Alexei Zhuravlev" for a in item["itemReviewed"].get("author", []))
    ]
    assert zhuravlev and "Kyrlo Budanov" in zhuravlev[0]["reviewRating"]["ratingExplanation"]
    assert zhuravlev[0]["itemReviewed"]["author"][0]["@type"] == "Person"


@pytest.mark.slow
def test_page_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert not re.search(r"<(?:script|img|iframe)[^>]+src=|<link\b|@import|url\(", page, re.IGNORECASE)
    assert "<svg" in page and "<style>" in page and "<script>" in page


def test_text_is_escaped() -> None:
    article = read_text(
        "Council <b>vote</b> row\nThe council said <script>alert(1)</script> would not pass.\n",
        article_id="x<y",
        source="A & B Gazette",
    )
    corpus = corpus_of([article])
    ledger = build(corpus, {r["sentence_id"]: "contested" for r in corpus.rows})  # shown in the contested cards
    page = build_report(corpus, ledger, drift_rows(corpus), origin="test").html
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>vote</b>" not in page and "A &amp; B Gazette" in page


@pytest.mark.browser
def test_report_in_chromium(report: Path, chromium: dict[str, object]) -> None:
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(**chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
            page.goto(report.as_uri())
            page.wait_for_load_state("load")

            table = page.locator("#ledger")
            header = table.locator("thead th", has_text="Claims")

            def claims() -> list[float]:
                values = table.locator("tbody tr td:nth-child(3)").evaluate_all(
                    "cells => cells.map(c => parseFloat(c.getAttribute('data-value')))"
                )
                return [float(v) for v in values]

            before = claims()
            header.click()
            assert header.get_attribute("aria-sort") == "ascending"
            ascending = claims()
            assert ascending == sorted(before)
            header.click()
            assert header.get_attribute("aria-sort") == "descending"
            assert claims() == sorted(before, reverse=True)
            # sorting by name
            source = table.locator("thead th", has_text="Source")
            source.click()
            names = table.locator("tbody tr td:nth-child(1)").evaluate_all(
                "cells => cells.map(c => c.getAttribute('data-value').toLowerCase())"
            )
            assert names == sorted(names)
            # filtering
            page.fill("#ledger-filter", "budanov")
            visible = table.locator("tbody tr:visible")
            assert visible.count() >= 1
            assert all("budanov" in t.lower() for t in visible.all_inner_texts())
            page.fill("#ledger-filter", "")
            # the chart has a bar per article; drift pairs are side by side with highlights
            assert page.locator("#mix svg rect[fill='#2563eb']").count() >= 10
            assert page.locator("#drift .pair mark.number_changed").count() >= 2
            assert page.locator("#contested .claim").count() >= 1
            page.screenshot(path=str(ARTEFACTS / "report.png"), full_page=False)
            page.locator("#drift").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTEFACTS / "report-drift.png"), full_page=False)
        finally:
            browser.close()
    assert errors == []
    assert requests == []
    assert (ARTEFACTS / "report.png").stat().st_size > 10_000


def test_report_needs_an_output() -> None:
    proc = subprocess.run([ANNOTATOR, "report", str(ARTICLES)], capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "--output" in proc.stderr


@pytest.mark.slow
def test_unreadable_input_still_writes_the_report(tmp_path: Path, seeds_dir: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe")
    out = tmp_path / "r.html"
    args: list[Any] = [ANNOTATOR, "report", str(seeds_dir), str(bad), "-o", str(out)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "bad.txt" in proc.stderr and "Traceback" not in proc.stderr
    assert out.is_file()
    assert read_csv(tmp_path / "r.label_mix.csv")[0]["article_id"] in {p.stem for p in seeds_dir.glob("*.txt")}
    assert read_corpus([seeds_dir]).articles  # the seeds themselves are readable


@pytest.mark.parametrize("csv_raw", [False, True])
def test_report_tables_escape_formula_cells_unless_raw(tmp_path: Path, csv_raw: bool) -> None:
    # a source name an attacker chose, as a spreadsheet would run it; numbers are never touched
    attack = '=HYPERLINK("http://x.example","open")'
    rows = [{"source": attack, "n_claims": -3}, {"source": "Ann Lee", "n_claims": 2}]
    tables = {name: rows if name == "ledger" else [] for name in TABLES}
    columns = {name: ["source", "n_claims"] for name in TABLES}
    report = Report(html="<p><!--annotator:files--></p>", tables=tables, columns=columns, claimreview={})
    write_report(report, tmp_path / "r.html", csv_raw=csv_raw)
    with (tmp_path / "r.ledger.csv").open(encoding="utf-8", newline="") as fh:
        cells = list(csv.reader(fh))
    expected = attack if csv_raw else "'" + attack
    assert cells == [["source", "n_claims"], [expected, "-3"], ["Ann Lee", "2"]]


def _small_report(marker: str, review: object = None) -> Report:
    tables = {name: [{"source": f"{marker} {name}"}] for name in TABLES}
    columns = {name: ["source"] for name in TABLES}
    return Report(html=f"<p>{marker}<!--annotator:files--></p>", tables=tables, columns=columns, claimreview=review)  # type: ignore[arg-type]


def _contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fault", ["crash", "disk full"])
def test_a_report_that_fails_halfway_leaves_the_previous_one_whole(
    tmp_path: Path, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing (issue 14, item 11): the tables are written before the ClaimReview export and the page, so a
    failure there comes after four new tables exist; none of them may replace the old ones."""
    page = tmp_path / "r.html"
    written = write_report(_small_report("old", {"@graph": []}), page)
    assert len(written) == 6
    before = _contents(tmp_path)
    assert len(before) == 6 and all("old" in text or "@graph" in text for text in before.values())
    if fault == "crash":
        with pytest.raises(TypeError):  # the export cannot be encoded: after the four CSVs are written
            write_report(_small_report("new", {"bad": object()}), page)
    else:
        real_write = Path.write_text

        def full_on_the_page(self: Path, data: str, **kw: Any) -> int:
            if self.name == page.name:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(self, data, **kw)

        monkeypatch.setattr(Path, "write_text", full_on_the_page)
        with pytest.raises(OutputError, match=r"r\.html: cannot write \(No space left on device\); the previous"):
            write_report(_small_report("new", {"@graph": []}), page)
    assert _contents(tmp_path) == before  # every old file whole, no temporary directory left


def test_a_new_report_lands_whole(tmp_path: Path) -> None:
    write_report(_small_report("old", {"@graph": []}), tmp_path / "r.html")
    write_report(_small_report("new", {"@graph": []}), tmp_path / "r.html")
    after = _contents(tmp_path)
    assert len(after) == 6 and not any("old" in text for text in after.values())

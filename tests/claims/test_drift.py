"""Claim drift: near-duplicate search (against the all-pairs baseline), pairing, change detection, the command.

The planned changes come from data/articles/DRIFT.json (written with the articles); the seed articles are read
from ../shared/seeds at test time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jsonschema import Draft202012Validator

import annotator.cli  # noqa: F401  (registers the commands before claims_cli is imported anywhere)
from annotator.attribution.quantities import AT_LEAST, VAGUE, align, quantities
from annotator.claims.articles import read_corpus
from annotator.claims.drift import CHANGE_TYPES, DriftOptions, drift_rows, find_pairs
from annotator.claims.neardup import all_pairs, claim_words, copies, similar_pairs, vectorise

REPO = Path(__file__).resolve().parents[2]
ARTICLES = REPO / "data" / "articles"
DRIFT_PLAN = json.loads((ARTICLES / "DRIFT.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((REPO / "schemas" / "drift.schema.json").read_text(encoding="utf-8"))
Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = Draft202012Validator(SCHEMA)
ANNOTATOR = str(Path(sys.executable).parent / "annotator")

Row = dict[str, Any]


@pytest.fixture(scope="module")
def article_rows() -> list[Row]:
    return drift_rows(read_corpus([ARTICLES]))


@pytest.fixture(scope="module")
def seed_rows(seeds_dir: Path) -> list[Row]:
    return drift_rows(read_corpus([seeds_dir]))


# -- quantities -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "changed"),
    [
        ("About 120 workers left.", "Several hundred workers left.", True),
        ("About 120 workers left.", "120 workers left.", False),
        ("More than 120 troops arrived.", "120 troops arrived.", True),
        ("Eleven people were hurt.", "11 people were hurt.", False),
        ("Eleven people were hurt.", "A dozen people were hurt.", True),
        ("The fund lost £7.4bn.", "The fund lost £7.4 billion.", False),
        ("Hundreds of homes flooded.", "Dozens of homes flooded.", True),
        ("Around ninety soldiers stayed.", "Some 90 soldiers stayed.", False),
    ],
)
def test_number_changes(a: str, b: str, changed: bool) -> None:
    (pair,) = align(quantities(a), quantities(b))
    assert (not pair[0].same_claim(pair[1])) is changed


def test_dates_times_years_and_model_numbers_are_not_quantities() -> None:
    text = "On 17 March 2026 at 9:42 p.m., No. 10 said F-35 jets flew over in 2024 and on November 11."
    assert quantities(text) == []


def test_quantity_reads_bounds_and_vague_amounts() -> None:
    (q,) = quantities("a group of more than 120 personnel")
    assert (q.bound, q.low, q.text) == (AT_LEAST, 120, "more than 120")
    (q,) = quantities("alongside several hundred military personnel")
    assert q.bound == VAGUE and q.low >= 200 and "personnel" in q.nouns


# -- near-duplicate search is exact and not all-pairs ----------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("threshold", [0.2, 0.25, 0.5, 0.9])
def test_prefix_filter_finds_exactly_the_all_pairs_result(threshold: float, seeds_dir: Path) -> None:
    corpus = read_corpus([ARTICLES, seeds_dir])
    ids = {a.article_id: i for i, a in enumerate(corpus.articles)}
    groups = np.array([ids[r["article_id"]] for r in corpus.rows])
    x = vectorise([r["text"] for r in corpus.rows])
    ours, baseline = similar_pairs(x, groups, threshold), all_pairs(x, groups, threshold)
    assert ours.as_set() == baseline.as_set()
    assert len(ours) > 0
    np.testing.assert_allclose(ours.similarity, baseline.similarity, atol=1e-9)
    assert all(groups[i] != groups[j] for i, j in ours.as_set())


def test_claim_words_leave_out_what_re_reporting_changes() -> None:
    a = claim_words("Lt Col Ruth Okafor said about 120 workers appear to have left on Tuesday.")
    b = claim_words("Col Ruth Okafor told reporters several hundred workers left on Wednesday, officials say.")
    assert a == b == ["ruth", "okafor", "worker", "left"]


# -- the sample articles: planned changes, nothing unrelated ---------------------------------------


def test_rows_match_the_schema(article_rows: list[Row], seed_rows: list[Row]) -> None:
    assert article_rows and seed_rows
    for row in article_rows + seed_rows:
        VALIDATOR.validate(row)
        assert row["article_a"] != row["article_b"]


def test_offsets_point_into_the_articles(article_rows: list[Row]) -> None:
    corpus = read_corpus([ARTICLES])
    texts = {r["sentence_id"]: r["text"] for r in corpus.rows}
    for row in article_rows:
        for side in ("sentence_a", "sentence_b"):
            s = row[side]
            assert texts[s["sentence_id"]] == s["text"]
            assert s["sentence_id"].endswith(f":{s['start']}-{s['end']}")


def test_no_pair_between_unrelated_articles(article_rows: list[Row]) -> None:
    pair = DRIFT_PLAN["pair"]
    expected = {(pair["original"]["article_id"], pair["rereport"]["article_id"])}
    assert {(r["article_a"], r["article_b"]) for r in article_rows} == expected


@pytest.mark.parametrize("planned", DRIFT_PLAN["changes"], ids=lambda c: c["type"])
def test_every_planned_change_is_found(article_rows: list[Row], planned: dict[str, str]) -> None:
    assert planned["type"] in CHANGE_TYPES

    def matches(row: Row, change: Row) -> bool:
        a, b = row["sentence_a"]["text"], row["sentence_b"]["text"]
        before, after = change["before"] or "", change["after"] or ""
        original_ok = planned["original"] in a or planned["original"] == before
        rereport_ok = planned["rereport"] in b or planned["rereport"] == after
        # the reported values are the planned ones (or part of them)
        values_ok = all(v in planned[k] or planned[k] in v for k, v in (("original", before), ("rereport", after)) if v)
        return change["type"] == planned["type"] and original_ok and rereport_ok and values_ok

    found = [c for r in article_rows for c in r["changes"] if matches(r, c)]
    assert found, f"planned {planned['type']} not found: {planned}"


def test_changes_quote_the_sentences(article_rows: list[Row], seed_rows: list[Row]) -> None:
    for row in article_rows + seed_rows:
        for change in row["changes"]:
            for key, side in (("before", "sentence_a"), ("after", "sentence_b")):
                value = change[key]
                if value is None or (change["type"] == "citation" and key == "before"):
                    continue
                for piece in value.split(" … "):
                    for part in piece.split("; "):
                        assert part in row[side]["text"], (change, row[side]["text"])


def test_direction_original_first(article_rows: list[Row]) -> None:
    pair = DRIFT_PLAN["pair"]
    assert {r["article_a"] for r in article_rows} == {pair["original"]["article_id"]}


# -- the seeds ----------------------------------------------------------------------------------------


def test_seeds_120_becomes_several_hundred(seed_rows: list[Row]) -> None:
    numbers = [c for r in seed_rows for c in r["changes"] if c["type"] == "number_changed"]
    assert any("120" in c["before"] and "several hundred" in c["after"].lower() for c in numbers), numbers


def test_seeds_daily_mail_citation(seed_rows: list[Row]) -> None:
    citations = [c for r in seed_rows for c in r["changes"] if c["type"] == "citation"]
    assert any("Daily Mail" in c["after"] for c in citations), citations
    # the article that credits the Daily Mail is the re-report
    citing = {r["article_b"] for r in seed_rows for c in r["changes"] if c["type"] == "citation"}
    assert len(citing) == 1
    assert {r["article_a"] for r in seed_rows}.isdisjoint(citing)


def test_seeds_title_change(seed_rows: list[Row]) -> None:
    titles = {(c["before"], c["after"]) for r in seed_rows for c in r["changes"] if c["type"] == "title_changed"}
    assert ("Lt General Kyrlo Budanov", "General Kyrlo Budanov") in titles


def test_stricter_thresholds_report_fewer_pairs(seeds_dir: Path) -> None:
    corpus = read_corpus([ARTICLES, seeds_dir])
    loose = find_pairs(corpus, DriftOptions(min_similarity=0.2))
    strict = find_pairs(corpus, DriftOptions(min_similarity=0.45))
    assert 0 < len(strict) < len(loose)
    assert {(p.left, p.right) for p in strict} <= {(p.left, p.right) for p in loose}
    # one shared near-duplicate is not enough to relate two articles at min_anchors=9
    assert find_pairs(corpus, DriftOptions(min_anchors=9)) == []
    with pytest.raises(ValueError, match="min_similarity"):
        DriftOptions(anchor=0.3, min_similarity=0.5)


# -- the command -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_drift_command_writes_rows_and_reports_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\xff\xfe not text")
    out = tmp_path / "drift.jsonl"
    proc = subprocess.run(
        [ANNOTATOR, "drift", str(ARTICLES), str(bad), "-o", str(out)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "broken.txt" in errors[0]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 0
    for row in rows:
        VALIDATOR.validate(row)
    assert "sentence pairs from 1 re-report pair written" in proc.stderr


def _with_copies(folder: Path, n: int) -> list[Path]:
    """The drift pair's two articles, and ``n`` copies of the original that differ only in whitespace, case of a
    word, quotes and dashes (syndicated wire copy), as one JSONL file."""
    pair = DRIFT_PLAN["pair"]
    text = (ARTICLES / pair["original"]["file"]).read_text(encoding="utf-8")
    variants = [text, text.replace("\n", "\n\n  "), text.replace("'", "’").replace(" - ", " — "), text.upper()]
    feed = folder / "wire.jsonl"
    feed.write_text("".join(json.dumps({"id": f"wire-{i}", "text": variants[i % 4]}) + "\n" for i in range(n)))
    return [ARTICLES / pair["original"]["file"], ARTICLES / pair["rereport"]["file"], feed]


def test_copies_are_left_out_before_pairing_and_reported(tmp_path: Path) -> None:
    """Issue 14, item 7: 40 copies of the original give the rows of the pair alone, not 41 x the pairs."""
    paths = _with_copies(tmp_path, 40)
    alone = drift_rows(read_corpus(paths[:2]))
    copies: dict[str, str] = {}
    rows = drift_rows(read_corpus(paths), copies=copies)
    assert rows == alone and rows
    assert copies == {f"wire-{i}": DRIFT_PLAN["pair"]["original"]["article_id"] for i in range(40)}


def test_a_re_report_that_changes_a_figure_is_not_a_copy() -> None:
    text = (ARTICLES / DRIFT_PLAN["pair"]["original"]["file"]).read_text(encoding="utf-8")
    changed = text.replace("1", "7", 1)
    assert changed != text
    assert copies([("a", [text]), ("b", [changed]), ("c", [" ".join(text.split())])]) == {"c": "a"}


def test_drift_command_says_how_many_copies_it_left_out(tmp_path: Path) -> None:
    out = tmp_path / "drift.jsonl"
    proc = subprocess.run(
        [ANNOTATOR, "drift", *map(str, _with_copies(tmp_path, 5)), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.rstrip().endswith("; 5 copies of 1 article left out"), proc.stderr
    assert {json.loads(line)["article_b"] for line in out.read_text(encoding="utf-8").splitlines()} == {
        DRIFT_PLAN["pair"]["rereport"]["article_id"]
    }

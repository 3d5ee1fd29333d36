"""The I/O edge of drift, ledger and report: articles to sentence rows with an outlet each, and pulled labels to one
label per sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.claims.articles import corpus_of, read_corpus, read_pulled_labels
from annotator.errors import InputError
from annotator.io.articles import Article, ReadReport
from annotator.io.labelled import CorpusReport

BYLINE = (
    "Pier to reopen in May\n\n"
    "By Tamsin Rowe, Harbour Gazette | 3 March\n\n"
    "The pier will reopen in May, the council said. Repairs cost more than planned.\n"
)


def test_rows_carry_the_outlet_given_or_read_from_the_byline() -> None:
    given = Article(id="a", text="The ferry was late again. Passengers complained.", source="Island Times")
    inferred = Article(id="b", text=BYLINE, url="https://example.org/b", published="2025-03-03")
    corpus = corpus_of([given, inferred])
    assert corpus.outlets == {"a": "Island Times", "b": "Harbour Gazette"}
    assert {r["source"] for r in corpus.rows if r["article_id"] == "b"} == {"Harbour Gazette"}
    assert (corpus.urls["b"], corpus.published["b"], corpus.titles["b"]) == (
        "https://example.org/b",
        "2025-03-03",
        "Pier to reopen in May",
    )
    # the source finder gets the same sentences as the table, with their ids
    [_, second] = corpus.articles
    assert second.article_id == "b"
    assert [s for s, _ in second.sentences] == [r["sentence_id"] for r in corpus.rows if r["article_id"] == "b"]


def test_without_a_byline_the_outlet_is_unknown() -> None:
    corpus = corpus_of([Article(id="c", text="The ferry was late again.")])
    assert corpus.outlets == {"c": None}


def test_read_corpus_reports_bad_inputs_and_reads_the_rest(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text(BYLINE, encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\xff\xfe not text")
    report = ReadReport()
    corpus = read_corpus([tmp_path], report=report)
    assert [a.article_id for a in corpus.articles] == ["b"]
    assert [e.where for e in report.errors] == [str(tmp_path / "broken.txt")]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_pulled_annotations_resolve_to_the_majority_and_ties_are_left_out(tmp_path: Path) -> None:
    pulled = write_jsonl(
        tmp_path / "pulled.jsonl",
        [
            {"sentence_id": "b:0-9", "text": "One.", "label": "contested", "annotator": "ann"},
            {"sentence_id": "b:0-9", "text": "One.", "label": "contested", "annotator": "bo"},
            {"sentence_id": "b:0-9", "text": "One.", "label": "unverified", "annotator": "cy"},
            {"sentence_id": "b:10-20", "text": "Two.", "label": "attributed", "annotator": "ann"},
            {"sentence_id": "b:10-20", "text": "Two.", "label": "unverified", "annotator": "bo"},
            {"sentence_id": "b:21-30", "text": "Three.", "label": "attributed", "annotator": "ann"},
        ],
    )
    report = CorpusReport()
    assert read_pulled_labels([pulled], report=report) == {"b:0-9": "contested", "b:21-30": "attributed"}
    assert report.ties == 1


def test_labels_without_sentence_ids_are_refused(tmp_path: Path) -> None:
    unlinked = write_jsonl(tmp_path / "train.jsonl", [{"text": "The pier reopened.", "label": "unverified"}])
    with pytest.raises(InputError, match="no rows with a sentence_id"):
        read_pulled_labels([unlinked])

"""annotator.io.parse under hostile records (issue 14, items 8 and 11): lone surrogates, deep nesting, ids that are
not one value, broken CSV quoting. Each bad record is one error naming its file and line; the rest is read.

Inputs are small fictional records written into pytest's tmp_path; expected values come from those inputs.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from annotator.io.articles import ReadReport, read_articles
from annotator.io.labelled import CorpusReport, read_labelled
from annotator.io.parse import MAX_DEPTH, MAX_HTML_ELEMENTS, from_html

GOOD = {"id": "good", "text": "The ferry sailed again on Friday, the harbour master said."}


def _read(path: Path) -> tuple[list[str], list[str]]:
    """The ids read and the error messages."""
    report = ReadReport()
    ids = [a.id for a in read_articles([path], report=report)]
    return ids, [str(e) for e in report.errors]


def _jsonl(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ('{"id": "bad", "text": "Hello \\ud800 world."}', "field 'text': lone surrogate U+D800 at character 6"),
        ('{"id": "bad", "text": "Ends in a low half \\udfff"}', "field 'text': lone surrogate U+DFFF at character 19"),
        ('{"id": "bad", "text": "Fine.", "tags": ["a", "\\udc80"]}', "field 'tags': lone surrogate"),
        ('{"id": "bad", "text": "Fine.", "\\ud800": 1}', "field name '\\\\ud800': lone surrogate"),
        ('{"id": "bad\\ud800", "text": "Fine."}', "field 'id': lone surrogate U+D800 at character 3"),
    ],
)
def test_a_lone_surrogate_is_an_error_for_its_record(tmp_path: Path, record: str, reason: str) -> None:
    path = _jsonl(tmp_path, record, json.dumps(GOOD))
    ids, errors = _read(path)
    assert ids == ["good"]
    assert errors == [f"line 1 of {path}: {reason}: not valid Unicode; re-encode the text or drop the character"]


def test_a_surrogate_pair_is_one_character_and_reads(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, '{"id": "smile", "text": "Smile \\ud83d\\ude00 now."}')
    [article] = list(read_articles([path]))
    assert article.text == "Smile \U0001f600 now."


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deep_nesting_is_an_error_for_its_record(tmp_path: Path, depth: int) -> None:
    path = _jsonl(tmp_path, '{"id": "deep", "text": "Fine.", "meta": ' + _nested(depth) + "}", json.dumps(GOOD))
    ids, errors = _read(path)
    assert ids == ["good"]
    assert errors == [f"line 1 of {path}: nested more than {MAX_DEPTH} levels deep"]


def test_nesting_up_to_the_limit_and_brackets_in_strings_read(tmp_path: Path) -> None:
    brackets = "[" * (3 * MAX_DEPTH)
    path = _jsonl(
        tmp_path,
        '{"id": "nested", "text": "Fine.", "meta": ' + _nested(MAX_DEPTH - 1) + "}",
        json.dumps({"id": "brackets", "text": f"Odd {brackets} text."}),
    )
    ids, errors = _read(path)
    assert errors == []
    assert ids == ["nested", "brackets"]


@pytest.mark.parametrize(("value", "kind"), [(["a", "b"], "array"), ({"k": 1}, "object"), (True, "boolean")])
def test_an_id_that_is_not_one_value_is_an_error_never_a_repr(tmp_path: Path, value: object, kind: str) -> None:
    path = _jsonl(tmp_path, json.dumps({"id": value, "text": "Fine."}), json.dumps(GOOD))
    ids, errors = _read(path)
    assert ids == ["good"]
    assert errors == [f"line 1 of {path}: 'id' must be a string or a number; got a JSON {kind}"]


def test_other_single_value_fields_are_checked_alike_and_numbers_are_json_text(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path,
        json.dumps({"id": 12, "text": "Fine.", "published": 2024}),
        json.dumps({"id": 1.5, "text": "Fine."}),
        json.dumps({"id": "t", "text": "Fine.", "title": ["Two", "titles"]}),
    )
    report = ReadReport()
    articles = list(read_articles([path], report=report))
    assert [(a.id, a.published) for a in articles] == [("12", "2024"), ("1.5", None)]
    assert [str(e) for e in report.errors] == [
        f"line 3 of {path}: 'title' must be a string or a number; got a JSON array"
    ]


def test_a_csv_with_an_unterminated_quote_is_an_error_never_merged_rows(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(
        'id,text\na,"The mayor said so."\nb,"The quote never ends.\nc,Another article.\nd,And one more.\n',
        encoding="utf-8",
    )
    ids, errors = _read(path)
    assert ids == ["a"]  # rows c and d are not swallowed into b's text
    assert errors == [
        f"row 2 (line 3) of {path}: a quoted field is never closed (unterminated quote); nothing after it was read"
    ]


def test_a_csv_quote_closed_later_is_an_error_never_merged_rows(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text('id,text\na,"Opened.\nb,Swallowed.\nc,"Closed" late\n', encoding="utf-8")
    ids, errors = _read(path)
    assert ids == []
    assert errors == [f"row 1 (line 2) of {path}: not valid CSV (',' expected after '\"'); nothing after it was read"]


def test_a_quoted_csv_field_may_hold_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text('id,text\na,"Two\nlines."\nb,One line.\n', encoding="utf-8")
    report = ReadReport()
    articles = list(read_articles([path], report=report))
    assert report.errors == []
    assert [(a.id, a.text) for a in articles] == [("a", "Two\nlines."), ("b", "One line.")]


def test_labelled_lines_are_checked_like_article_lines(tmp_path: Path) -> None:
    row = {"text": "The mayor said so.", "label": "attributed", "topic": "local", "article_id": "a"}
    path = tmp_path / "train.jsonl"
    path.write_text(
        json.dumps(row)
        + "\n"
        + json.dumps({**row, "text": "x"})[:-1].replace('"x"', '"\\ud800"')
        + "}\n"
        + '{"text": '
        + _nested(1_000)
        + "}\n",
        encoding="utf-8",
    )
    report = CorpusReport()
    frame = read_labelled([path], report=report)
    assert frame["text"].tolist() == ["The mayor said so."]
    assert [str(e) for e in report.errors] == [
        f"line 2 of {path}: field 'text': lone surrogate U+D800 at character 0: not valid Unicode; "
        "re-encode the text or drop the character",
        f"line 3 of {path}: nested more than {MAX_DEPTH} levels deep",
    ]


def _many_paragraphs(n: int) -> str:
    body = "".join(f"<p>Paragraph {i}: the council met on Tuesday, officials said.</p>" for i in range(n))
    return f"<html><head><title>Council plan</title></head><body><nav><p>Home</p></nav>{body}</body></html>"


def test_a_page_of_many_paragraphs_is_read_by_the_linear_extractor_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14, item 11: a page past MAX_HTML_ELEMENTS is not given to trafilatura (192 s for 7 MB of <p>); the
    fallback keeps every paragraph outside the navigation, in order, and a warning names the page."""
    n = MAX_HTML_ELEMENTS + 500
    page = tmp_path / "long.html"
    page.write_text(_many_paragraphs(n), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="annotator.io.parse"):
        started = time.perf_counter()
        (article,) = read_articles([page])
        seconds = time.perf_counter() - started
    lines = article.text.splitlines()
    assert lines[0] == article.title == "Council plan" and "Home" not in lines
    assert lines[1:] == [f"Paragraph {i}: the council met on Tuesday, officials said." for i in range(n)]
    assert [r.getMessage() for r in caplog.records] == [
        f"warning: {page}: {n + 6:,} HTML elements, more than {MAX_HTML_ELEMENTS:,}: read with the linear extractor "
        "(the text of <p> and headings) instead of trafilatura"
    ]
    assert seconds < 30  # trafilatura: minutes at this size on a loaded machine


def test_an_ordinary_page_still_goes_to_trafilatura(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="annotator.io.parse"):
        article = from_html("small.html", _many_paragraphs(50), article_id="s")
    assert not caplog.records and "Paragraph 49" in article.text

"""annotator.io.write under hostile values (issue 14, items 8 and 11): CSV cells that a spreadsheet would run as
formulas are escaped by default and read back as they were; a lone surrogate never stops a writer.

Rows are small fictional values; expected bytes are derived from the documented escaping rule (a ``'`` in front
of a text cell that starts with ``= + - @``, tab or CR), never copied from a run of the code.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.io.labelled import CorpusReport, read_labelled
from annotator.io.write import FORMULA_START, encode, escape_cell, unescape_cell, write_rows

COLUMNS = ["id", "text", "score"]


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("first", FORMULA_START)
def test_a_formula_cell_is_escaped_by_default_and_raw_on_request(first: str) -> None:
    text = f'{first}HYPERLINK("http://example.invalid")'
    rows = [{"id": "a", "text": text, "score": -0.5}]
    assert _csv_cells(encode(rows, fmt="csv", columns=COLUMNS)) == [["a", "'" + text, "-0.5"]]
    assert _csv_cells(encode(rows, fmt="csv", columns=COLUMNS, csv_raw=True)) == [["a", text, "-0.5"]]


def test_only_text_cells_that_start_a_formula_are_escaped() -> None:
    rows = [{"id": "x=1", "text": "'quoted' already", "score": -3}, {"id": "@", "text": "a - b", "score": 1.5}]
    assert _csv_cells(encode(rows, fmt="csv", columns=COLUMNS)) == [
        ["x=1", "'quoted' already", "-3"],
        ["'@", "a - b", "1.5"],
    ]


def test_json_and_parquet_are_never_escaped(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": "=1+1", "score": 0.5}]
    assert json.loads(encode(rows, fmt="jsonl", columns=COLUMNS)) == rows[0]
    out = tmp_path / "rows.parquet"
    write_rows([rows], str(out), fmt="parquet", columns=COLUMNS, types={"score": "float64"})
    assert pd.read_parquet(out).to_dict("records") == rows


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "a", " "]), max_size=6) | st.text())
def test_unescape_reads_back_what_escape_wrote(value: str) -> None:
    escaped = escape_cell(value)
    assert unescape_cell(escaped) == value
    assert not escaped.startswith(FORMULA_START)


def test_pulled_labels_written_as_csv_read_back_as_they_were(tmp_path: Path) -> None:
    texts = ["- Mayor: the bridge reopens.", "=SUM(A1) is not a formula here.", "'=already quoted", "+1 said Ann."]
    rows = [{"text": t, "label": "attributed", "topic": "local", "article_id": f"a{i}"} for i, t in enumerate(texts)]
    out = tmp_path / "train.csv"
    write_rows([rows], str(out), fmt="csv", columns=["text", "label", "topic", "article_id"])
    assert "'- Mayor" in out.read_text(encoding="utf-8")
    report = CorpusReport()
    frame = read_labelled([out], report=report)
    assert report.errors == []
    assert frame["text"].tolist() == texts


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_a_lone_surrogate_is_written_as_a_replacement_character(tmp_path: Path, fmt: str) -> None:
    rows = [{"id": "caf\udce9", "text": "Lone \ud800 half.", "score": 1.0}]
    out = tmp_path / f"rows.{fmt}"
    assert write_rows([rows], str(out), fmt=fmt, columns=COLUMNS, types={"score": "float64"}) == 1
    if fmt == "parquet":
        back = pd.read_parquet(out).to_dict("records")
    elif fmt == "csv":
        back = pd.read_csv(out).to_dict("records")
    else:
        back = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert back == [{"id": "caf\ufffd", "text": "Lone \ufffd half.", "score": 1.0}]
    assert len(back[0]["text"]) == len(rows[0]["text"])  # one character for one: offsets stay true


def test_a_lone_surrogate_in_a_json_array_is_written_too() -> None:
    data = encode([{"k\ud800": ["v\udfff"]}], fmt="json", columns=())
    assert json.loads(data) == {"k\ufffd": ["v\ufffd"]}

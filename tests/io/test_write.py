"""Writing row streams: the format from the suffix, JSONL / CSV / Parquet content, and atomic replacement."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from annotator.errors import InputError
from annotator.io.write import atomic_path, format_for, write_rows

COLUMNS = ("sentence_id", "text", "start", "end")
ROWS = [
    {"sentence_id": "a1:0-14", "text": "Café opens.", "start": 0, "end": 14},
    {"sentence_id": "a1:15-40", "text": 'The owner said "soon", twice.', "start": 15, "end": 40},
    {"sentence_id": "a2:0-9", "text": "Line\nbreak", "start": 0, "end": 9},
]


def chunks(rows: list[dict], size: int = 2) -> list[list[dict]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


@pytest.mark.parametrize(
    ("path", "fmt", "expected"),
    [
        ("out.jsonl", None, "jsonl"),
        ("out.ndjson", None, "jsonl"),
        ("OUT.CSV", None, "csv"),
        ("out.parquet", None, "parquet"),
        ("out.txt", "csv", "csv"),  # asked for beats the suffix
        (None, None, "jsonl"),
        ("-", None, "jsonl"),
    ],
)
def test_format_for(path: str | None, fmt: str | None, expected: str) -> None:
    assert format_for(path, fmt) == expected


def test_unknown_format_and_unknown_suffix_are_input_errors() -> None:
    with pytest.raises(InputError, match="'xml'"):
        format_for("out.jsonl", "xml")
    with pytest.raises(InputError, match=r"'\.txt'") as err:
        format_for("rows.txt", None)
    assert err.value.where == "rows.txt"


def test_jsonl_round_trip_keeps_unicode_readable(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    assert write_rows(chunks(ROWS), str(out), fmt="jsonl", columns=COLUMNS) == 3
    raw = out.read_text(encoding="utf-8")
    assert "Café" in raw  # not \u00e9
    assert [json.loads(line) for line in raw.splitlines()] == ROWS


def test_csv_round_trip_with_header_quoting_and_nested_values(tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    rows = [{**r, "scores": {"a": 0.25, "b": 0.75}, "extra": "left out"} for r in ROWS]
    columns = (*COLUMNS, "scores")
    types = {"scores": pa.map_(pa.string(), pa.float64())}
    assert write_rows(chunks(rows), str(out), fmt="csv", columns=columns, types=types) == 3
    with out.open(encoding="utf-8", newline="") as fh:
        back = list(csv.DictReader(fh))
    assert list(back[0]) == list(columns)
    assert [r["text"] for r in back] == [r["text"] for r in ROWS]
    assert [json.loads(r["scores"]) for r in back] == [{"a": 0.25, "b": 0.75}] * 3


def test_parquet_round_trip_with_types(tmp_path: Path) -> None:
    out = tmp_path / "rows.parquet"
    rows = [{**r, "score": 0.5, "agreed": True} for r in ROWS]
    n = write_rows(
        chunks(rows),
        str(out),
        fmt="parquet",
        columns=(*COLUMNS, "score", "agreed"),
        types={"score": "float64", "agreed": "bool"},
    )
    assert n == 3
    frame = pd.read_parquet(out)
    assert frame.to_dict("records") == rows
    assert str(frame["start"].dtype) == "int64" and str(frame["agreed"].dtype) == "bool"


def test_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert write_rows(chunks(ROWS), None, fmt="jsonl", columns=COLUMNS) == 3
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == ROWS
    assert write_rows(chunks(ROWS), "-", fmt="csv", columns=COLUMNS) == 3
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 3


def test_parquet_needs_a_file() -> None:
    with pytest.raises(InputError, match="Parquet needs an output file"):
        write_rows(chunks(ROWS), None, fmt="parquet", columns=COLUMNS)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    out.write_text("old\n", encoding="utf-8")

    def broken():  # type: ignore[no-untyped-def]
        yield ROWS[:1]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_rows(broken(), str(out), fmt="jsonl", columns=COLUMNS)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl"]


def test_commit_if_can_keep_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    out.write_text("old\n", encoding="utf-8")
    assert write_rows(chunks(ROWS), str(out), fmt="jsonl", columns=COLUMNS, commit_if=lambda n: n > 5) == 0
    assert out.read_text(encoding="utf-8") == "old\n"
    assert write_rows(chunks(ROWS), str(out), fmt="jsonl", columns=COLUMNS, commit_if=lambda n: n == 3) == 3
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl"]


def test_atomic_path_creates_folders_and_gives_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "rows.csv"
    umask = os.umask(0o022)
    try:
        with atomic_path(target) as tmp:
            assert tmp.parent == target.parent and tmp != target
            tmp.write_text("x\n", encoding="utf-8")
            assert not target.exists()
    finally:
        os.umask(umask)
    assert target.read_text(encoding="utf-8") == "x\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644

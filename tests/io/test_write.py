"""Writing row streams: the format from the suffix, JSONL / CSV / Parquet content, atomic replacement; and under
hostile values (issue 14, items 8 and 11): CSV cells that a spreadsheet would run as formulas are escaped by default
and read back as they were, and a lone surrogate never stops a writer. Expected bytes of the escaping are derived from
the documented rule (a ``'`` in front of a text cell that starts with ``= + - @``, tab or CR), never copied from a run
of the code."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from cli_run import run
from hypothesis import given
from hypothesis import strategies as st

from annotator.errors import InputError, OutputError
from annotator.io.atomic import atomic_path
from annotator.io.labelled import CorpusReport, read_labelled
from annotator.io.write import FORMULA_START, encode, escape_cell, format_for, unescape_cell, write_rows

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


# -- hostile values ---------------------------------------------------------------------------------------------

HOSTILE_COLUMNS = ["id", "text", "score"]


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("first", FORMULA_START)
def test_a_formula_cell_is_escaped_by_default_and_raw_on_request(first: str) -> None:
    text = f'{first}HYPERLINK("http://example.invalid")'
    rows = [{"id": "a", "text": text, "score": -0.5}]
    assert _csv_cells(encode(rows, fmt="csv", columns=HOSTILE_COLUMNS)) == [["a", "'" + text, "-0.5"]]
    assert _csv_cells(encode(rows, fmt="csv", columns=HOSTILE_COLUMNS, csv_raw=True)) == [["a", text, "-0.5"]]


def test_only_text_cells_that_start_a_formula_are_escaped() -> None:
    rows = [{"id": "x=1", "text": "'quoted' already", "score": -3}, {"id": "@", "text": "a - b", "score": 1.5}]
    assert _csv_cells(encode(rows, fmt="csv", columns=HOSTILE_COLUMNS)) == [
        ["x=1", "'quoted' already", "-3"],
        ["'@", "a - b", "1.5"],
    ]


def test_json_and_parquet_are_never_escaped(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": "=1+1", "score": 0.5}]
    assert json.loads(encode(rows, fmt="jsonl", columns=HOSTILE_COLUMNS)) == rows[0]
    out = tmp_path / "rows.parquet"
    write_rows([rows], str(out), fmt="parquet", columns=HOSTILE_COLUMNS, types={"score": "float64"})
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
    assert write_rows([rows], str(out), fmt=fmt, columns=HOSTILE_COLUMNS, types={"score": "float64"}) == 1
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


# -- special files and failing disks (issue 14, item 5 and disk full of item 11) --------------------------------


def test_dev_null_is_written_in_place_not_replaced() -> None:
    assert write_rows(chunks(ROWS), os.devnull, fmt="jsonl", columns=COLUMNS) == 3
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def _drain(path: str, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as fh:
            into.append(fh.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_fifo_is_streamed_to_its_reader_and_stays_a_fifo(tmp_path: Path, fmt: str) -> None:
    fifo = tmp_path / f"rows.{fmt}"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _drain(str(fifo), got)
    assert write_rows(chunks(ROWS), str(fifo), fmt=fmt, columns=COLUMNS) == 3
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == [fifo.name]  # no temporary file beside it
    lines = got[0].decode("utf-8").splitlines()
    assert len(lines) == (3 if fmt == "jsonl" else 1 + 3 + 1)  # the CSV's third row holds a line break


def test_proc_self_fd_of_a_pipe_is_written_in_place() -> None:
    r, w = os.pipe()
    got: list[bytes] = []
    reader = _drain(f"/proc/self/fd/{r}", got)
    try:
        assert write_rows(chunks(ROWS), f"/proc/self/fd/{w}", fmt="jsonl", columns=COLUMNS) == 3
    finally:
        os.close(w)
    reader.join(timeout=10)
    os.close(r)
    assert [json.loads(line) for line in got[0].splitlines()] == ROWS


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real.name)
    assert write_rows(chunks(ROWS), str(link), fmt="jsonl", columns=COLUMNS) == 3
    assert link.is_symlink() and os.readlink(link) == real.name
    assert [json.loads(line) for line in real.read_text(encoding="utf-8").splitlines()] == ROWS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.jsonl", "real.jsonl"]


def test_a_directory_or_an_unwritable_path_is_one_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory") as err:
        write_rows(chunks(ROWS), str(tmp_path), fmt="jsonl", columns=COLUMNS)
    assert err.value.where == str(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write") as err:
        write_rows(chunks(ROWS), str(blocker / "rows.jsonl"), fmt="jsonl", columns=COLUMNS)
    assert err.value.where == str(blocker / "rows.jsonl")


@contextlib.contextmanager
def _small_tmpfs(where: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs at ``where`` (root only), unmounted afterwards; skips the test where it cannot be mounted."""
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], check=False, capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill_then_enospc(parts, fh, **kw):  # type: ignore[no-untyped-def]
    fh.write(b"partial\n")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("disk", ["tmpfs", "injected"])
def test_disk_full_is_one_line_exit_1_old_file_kept_no_temporary(
    tmp_path: Path, disk: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{**ROWS[0], "text": "x" * 1_000, "sentence_id": f"a:{i}"} for i in range(200)]  # ~200 KB > 64 KiB
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"a{i}", "text": "Words said here. " * 200}) + "\n" for i in range(60)))
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(_small_tmpfs(tmp_path / "disk")) if disk == "tmpfs" else tmp_path / "disk"
        folder.mkdir(exist_ok=True)
        out = folder / "rows.jsonl"
        out.write_text("old\n", encoding="utf-8")
        if disk == "injected":
            monkeypatch.setattr("annotator.io.write._write_stream", _fill_then_enospc)
        with pytest.raises(OutputError, match=r"No space left on device\); the previous file is left as it was"):
            write_rows([rows], str(out), fmt="jsonl", columns=COLUMNS)
        capsys.readouterr()
        assert run(["split", str(source), "-o", str(out)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1] == f"error: {out}: cannot write (No space left on device); the previous file is left as it was"
        assert "Traceback" not in "\n".join(err)
        assert out.read_text(encoding="utf-8") == "old\n"
        assert sorted(p.name for p in folder.iterdir()) == ["rows.jsonl"]

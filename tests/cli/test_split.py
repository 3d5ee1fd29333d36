"""End-to-end tests of the ``annotator`` console script (subprocess) and of ``annotator.cli.main``
(in-process). Inputs are small fictional articles written into pytest's tmp_path; expectations are
derived from those inputs and from the documented contract (schemas/sentence.schema.json)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from jsonschema import Draft202012Validator

import annotator.text.split
from annotator.cli import cli, main
from annotator.errors import InputError

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
README = REPO / "README.md"
ANNOTATOR = shutil.which("annotator", path=str(Path(sys.executable).parent)) or str(
    Path(sys.executable).parent / "annotator"
)

SENTENCE_SCHEMA = json.loads((SCHEMAS / "sentence.schema.json").read_text(encoding="utf-8"))
Draft202012Validator.check_schema(SENTENCE_SCHEMA)
VALIDATOR = Draft202012Validator(SENTENCE_SCHEMA)
RULE_NAMES = {r["name"] for r in json.loads((SCHEMAS / "boilerplate.json").read_text(encoding="utf-8"))["rules"]}
COLUMNS = list(SENTENCE_SCHEMA["required"])

BOM = "\ufeff"

# Two articles written as .txt files. BRIDGE is written with a BOM and CRLF line breaks, so that
# offsets must refer to the normalised text.
BRIDGE = (
    "Council Approves Footbridge\n"
    "The city council approved a new footbridge over the Lenna on Monday. Work starts in May.\n"
    "\n"
    '"We have waited long enough," said Mayor Ada Pell. Residents cheered.\n'
)
BRIDGE_SENTENCES = (
    "The city council approved a new footbridge over the Lenna on Monday.",
    "Work starts in May.",
    "Residents cheered.",
)
ORCHARD = (
    "Frost Hits Orchards\n"
    "A late frost damaged apple blossom across the Tarn valley overnight.\n"
    "Growers said the harvest could fall by a third. Insurers are assessing claims.\n"
)
ORCHARD_SENTENCES = (
    "A late frost damaged apple blossom across the Tarn valley overnight.",
    "Growers said the harvest could fall by a third.",
    "Insurers are assessing claims.",
)

# Lines the shipped rules treat as site furniture, between real sentences.
BOILERPLATE_LINES = ("Advertisement", "Share this article", "Copyright 2024 The Fictional Gazette")
POOL = (
    "Pool Reopens After Repairs\n"
    "The municipal pool in Arnholt reopened on Saturday after a leak was fixed.\n"
    "Advertisement\n"
    "Swimmers queued from early morning. The manager thanked them for their patience.\n"
    "Share this article\n"
    "Swimmers queued from early morning. The manager thanked them for their patience.\n"
    "Copyright 2024 The Fictional Gazette\n"
)
REPEATED_LINE = "Swimmers queued from early morning. The manager thanked them for their patience."


# -- helpers -------------------------------------------------------------------------------------


def run(*args: str, cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([ANNOTATOR, *args], cwd=cwd, input=input, capture_output=True, timeout=120, check=False)


def write_txt(path: Path, text: str, *, crlf: bool = False, bom: bool = False) -> Path:
    raw = text.replace("\n", "\r\n") if crlf else text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(((BOM if bom else "") + raw).encode("utf-8"))
    return path


def ingested_text(path: Path) -> str:
    """The text of a .txt article as the package defines it: BOM removed, line breaks -> \\n."""
    return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def jsonl_rows(data: bytes | str) -> list[dict]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    assert text.endswith("\n") or text == ""
    return [json.loads(line) for line in text.splitlines()]


def check_rows(rows: list[dict], texts: dict[str, str], *, boilerplate: bool = False) -> None:
    """The table's invariants: schema, offsets into the article text, ids, order, index."""
    assert rows, "no rows"
    for row in rows:
        errors = [e.message for e in VALIDATOR.iter_errors(row)]
        assert errors == [], (row, errors)
        assert ("boilerplate_rule" in row) == boilerplate
        article = texts[row["article_id"]]
        assert article[row["start"] : row["end"]] == row["text"], row
        assert row["sentence_id"] == f"{row['article_id']}:{row['start']}-{row['end']}"
        assert row["text"] == row["text"].strip()
    ids = [r["sentence_id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert {r["article_id"] for r in rows} == set(texts)
    for aid in texts:
        mine = [r for r in rows if r["article_id"] == aid]
        # in text order, non-overlapping
        assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(mine))
        indexes = [r["index"] for r in mine if r["kind"] != "boilerplate"]
        assert indexes == list(range(len(indexes)))


def summary_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8").strip().splitlines()
    assert lines, "no summary on stderr"
    return lines[-1]


@pytest.fixture
def articles(tmp_path) -> dict[str, Path]:
    """Two good .txt articles (one with BOM + CRLF), in their own directory."""
    src = tmp_path / "in"
    return {
        "bridge": write_txt(src / "bridge.txt", BRIDGE, crlf=True, bom=True),
        "orchard": write_txt(src / "orchard.txt", ORCHARD),
    }


def normalise_value(value):
    """CSV/Parquet/JSONL cell -> comparable Python value (missing -> None, numbers -> int)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        assert value.is_integer()
        return int(value)
    if value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return normalise_value(value.item())
    return value


# -- help and documentation ----------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["split", "--help"], ["-h"]], ids=" ".join)
def test_help_exits_zero_with_example(tmp_path, args):
    proc = run(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Example:" in proc.stdout.decode("utf-8")
    assert b"Traceback" not in proc.stderr


def test_every_command_has_help_with_example(capsys):
    assert cli.commands, "no commands registered"
    for name, command in cli.commands.items():
        assert command.help and "Example:" in command.help, name
        main([name, "--help"])
        out = capsys.readouterr().out
        assert f"annotator {name}" in out
        assert "Example:" in out, name


def test_every_command_is_documented_in_readme():
    assert README.is_file(), f"{README} does not exist: every command must be documented there"
    readme = README.read_text(encoding="utf-8")
    for name in cli.commands:
        assert re.search(rf"\b{re.escape(name)}\b", readme), f"command {name!r} is not mentioned in README.md"


def test_version(tmp_path):
    import annotator

    proc = run("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert annotator.__version__ in proc.stdout.decode("utf-8")


# -- split: JSONL to stdout ----------------------------------------------------------------------


def test_split_writes_valid_jsonl_to_stdout(tmp_path, articles):
    proc = run("split", str(articles["bridge"]), str(articles["orchard"]), cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    rows = jsonl_rows(proc.stdout)
    texts = {aid: ingested_text(p) for aid, p in articles.items()}
    check_rows(rows, texts)
    assert [r["article_id"] for r in rows] == sorted((r["article_id"] for r in rows), key=["bridge", "orchard"].index)

    by_article = {aid: [r for r in rows if r["article_id"] == aid] for aid in texts}
    for aid, sentences, headline in (
        ("bridge", BRIDGE_SENTENCES, "Council Approves Footbridge"),
        ("orchard", ORCHARD_SENTENCES, "Frost Hits Orchards"),
    ):
        mine = by_article[aid]
        assert mine[0]["text"] == headline and mine[0]["kind"] == "headline" and mine[0]["index"] == 0
        assert all(r["title"] == headline for r in mine)  # no metadata title: the headline
        body = [r["text"] for r in mine if r["kind"] == "body"]
        for sentence in sentences:
            assert sentence in body
        assert all(r["source"] is None and r["url"] is None and r["published"] is None for r in mine)
    quoted = [r for r in by_article["bridge"] if r["text"].startswith('"We have waited')]
    assert len(quoted) == 1 and quoted[0]["quote_id"] == "bridge:q0"

    summary = summary_line(proc.stderr)
    assert "2 articles" in summary and "2 files" in summary
    assert f"{len(rows)} sentences" in summary
    assert b"Traceback" not in proc.stderr


@pytest.mark.slow
def test_split_html_and_jsonl_offsets(tmp_path):
    """Offsets of JSONL articles refer to the record's text (normalised); HTML to its extracted text."""
    from annotator.io.articles import read_articles

    html = (
        "<html><head><title>Tram Line Extended</title><meta name='author' content='Rosa Kell'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/city'>City news index page</a></nav><article>"
        "<p>The tram line in Vessby will be extended to the airport by the end of next year, officials said.</p>"
        "<p>The work will close two stations for a month in the summer while the new track is laid.</p>"
        "</article><footer>Footer furniture: tram timetable office hours.</footer></body></html>"
    )
    (tmp_path / "tram.html").write_text(html, encoding="utf-8")
    records = [
        {
            "id": "j-1",
            "text": "Ice Rink Opens\r\nSkaters filled the new rink on Sunday. Tickets sold out.",
            "source": "Nord Daily",
        },
        {"text": "A lost dog walked twelve miles home. Its owners were delighted."},
    ]
    (tmp_path / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    proc = run("split", "tram.html", "feed.jsonl", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    rows = jsonl_rows(proc.stdout)
    html_text = next(iter(read_articles([tmp_path / "tram.html"]))).text
    texts = {
        "tram": html_text,
        "j-1": records[0]["text"].replace("\r\n", "\n"),
        "feed-2": records[1]["text"],
    }
    check_rows(rows, texts)
    assert not any("City news index page" in r["text"] or "Footer furniture" in r["text"] for r in rows)
    assert {r["title"] for r in rows if r["article_id"] == "tram"} == {"Tram Line Extended"}
    assert {r["source"] for r in rows if r["article_id"] == "j-1"} == {"Nord Daily"}
    assert "Skaters filled the new rink on Sunday." in [r["text"] for r in rows]


def test_main_in_process_matches_console_script(tmp_path, articles, capsys):
    paths = [str(p) for p in articles.values()]
    main(["split", *paths])
    captured = capsys.readouterr()

    proc = run("split", *paths, cwd=tmp_path)
    assert proc.returncode == 0
    assert captured.out.encode("utf-8") == proc.stdout
    assert summary_line(captured.err.encode("utf-8")) == summary_line(proc.stderr)


# -- output formats ------------------------------------------------------------------------------


@pytest.mark.slow
def test_csv_and_parquet_outputs_hold_the_same_rows_as_jsonl(tmp_path, articles):
    paths = [str(p) for p in articles.values()]
    jsonl = run("split", *paths, cwd=tmp_path)
    to_csv = run("split", *paths, "-o", "out.csv", cwd=tmp_path)
    to_parquet = run("split", *paths, "-o", "out.parquet", cwd=tmp_path)
    csv_stdout = run("split", *paths, "--format", "csv", cwd=tmp_path)
    for proc in (jsonl, to_csv, to_parquet, csv_stdout):
        assert proc.returncode == 0, proc.stderr
    assert to_csv.stdout == b"" and to_parquet.stdout == b""
    assert "out.csv" in summary_line(to_csv.stderr) and "out.parquet" in summary_line(to_parquet.stderr)

    expected = jsonl_rows(jsonl.stdout)
    check_rows(expected, {aid: ingested_text(p) for aid, p in articles.items()})
    assert all(list(r) == COLUMNS for r in expected)

    # CSV: header = the columns; every cell a string, missing values empty
    csv_bytes = (tmp_path / "out.csv").read_bytes()
    assert csv_stdout.stdout == csv_bytes
    reader = csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"), newline=""))
    assert reader.fieldnames == COLUMNS
    as_text = [{k: "" if v is None else str(v) for k, v in r.items()} for r in expected]
    assert list(reader) == as_text

    # Parquet: typed, nulls as nulls
    frame = pd.read_parquet(tmp_path / "out.parquet")
    assert list(frame.columns) == COLUMNS
    got = [{k: normalise_value(v) for k, v in rec.items()} for rec in frame.to_dict(orient="records")]
    assert got == expected


def test_unknown_output_suffix_without_format_is_a_one_line_error(tmp_path, articles):
    proc = run("split", str(articles["orchard"]), "-o", "out.xyz", cwd=tmp_path)

    assert proc.returncode == 1
    err = proc.stderr.decode("utf-8").strip()
    assert len(err.splitlines()) == 1, err
    assert "out.xyz" in err and "--format" in err
    assert "Traceback" not in err
    assert proc.stdout == b""
    assert not (tmp_path / "out.xyz").exists()


def test_unknown_output_suffix_with_format_is_fine(tmp_path, articles):
    proc = run("split", str(articles["orchard"]), "-o", "out.xyz", "--format", "csv", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    header = (tmp_path / "out.xyz").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == COLUMNS


def test_parquet_to_stdout_is_a_clear_error(tmp_path, articles):
    proc = run("split", str(articles["orchard"]), "--format", "parquet", cwd=tmp_path)

    assert proc.returncode == 1
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Parquet" in err and "-o" in err
    assert proc.stdout == b""


# -- boilerplate ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_keep_boilerplate_emits_dropped_lines(tmp_path):
    path = write_txt(tmp_path / "pool.txt", POOL)
    kept = run("split", str(path), "--keep-boilerplate", cwd=tmp_path)
    dropped = run("split", str(path), cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr
    assert dropped.returncode == 0, dropped.stderr

    with_bp = jsonl_rows(kept.stdout)
    without = jsonl_rows(dropped.stdout)
    check_rows(with_bp, {"pool": POOL}, boilerplate=True)
    check_rows(without, {"pool": POOL})

    furniture = [r for r in with_bp if r["kind"] == "boilerplate"]
    assert [r["text"] for r in furniture] == [*BOILERPLATE_LINES[:2], REPEATED_LINE, BOILERPLATE_LINES[2]]
    for row in furniture:
        assert row["index"] is None
        assert row["boilerplate_rule"] in RULE_NAMES | {"repeated_line"}
    repeated = next(r for r in furniture if r["text"] == REPEATED_LINE)
    assert repeated["boilerplate_rule"] == "repeated_line"
    assert repeated["start"] == POOL.rindex(REPEATED_LINE)  # the second occurrence is the dropped one
    assert all(r["boilerplate_rule"] is None for r in with_bp if r["kind"] != "boilerplate")

    # without the flag: none of those lines, and otherwise the same rows
    assert not any(r["text"] in BOILERPLATE_LINES for r in without)
    assert all(r["start"] < POOL.rindex(REPEATED_LINE) for r in without)
    assert all(r["kind"] != "boilerplate" and "boilerplate_rule" not in r for r in without)
    stripped = [{k: v for k, v in r.items() if k != "boilerplate_rule"} for r in with_bp if r["kind"] != "boilerplate"]
    assert stripped == without


# -- bad inputs ----------------------------------------------------------------------------------


def test_bad_inputs_mixed_with_a_good_file(tmp_path, articles):
    good = articles["orchard"]
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"GIF89a\x00\x00\x01\x00")
    latin = tmp_path / "latin.md"
    latin.write_bytes("The café reopened.\n".encode("latin-1"))
    missing = tmp_path / "gone.txt"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    broken = tmp_path / "wire.jsonl"
    broken.write_text('{"id": "w-1", "text": "Half a line\n{"id": "w-2", "text": "A whole line."}\n', encoding="utf-8")
    nocol = tmp_path / "sheet.csv"
    nocol.write_text("doc,body\nd-1,Some text.\n", encoding="utf-8")
    out = tmp_path / "out" / "sentences.jsonl"

    bad = {
        binary: "binary",
        latin: "UTF-8",
        missing: "no such file",
        pdf: "unsupported",
        empty: "empty",
        broken: "not valid JSON",
        nocol: "missing",
    }
    inputs = [binary, good, latin, missing, pdf, empty, broken, nocol]
    proc = run("split", *map(str, inputs), "-o", str(out), cwd=tmp_path)

    assert proc.returncode == 1
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == len(bad), err
    for path, reason in bad.items():
        assert any(str(path) in line and reason in line for line in error_lines), (path, reason, err)
    assert any("line 1" in line and str(broken) in line for line in error_lines)
    summary = summary_line(proc.stderr)
    assert f"{len(bad)} inputs failed" in summary

    rows = jsonl_rows(out.read_bytes())
    check_rows(rows, {"orchard": ingested_text(good), "w-2": "A whole line."})
    assert proc.stdout == b""


def test_bad_input_in_process_exits_1(tmp_path, articles, capsys):
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(SystemExit) as exc:
        main(["split", str(articles["orchard"]), str(missing)])
    assert exc.value.code == 1
    captured = capsys.readouterr()
    check_rows(jsonl_rows(captured.out), {"orchard": ORCHARD})
    assert f"error: {missing}: no such file" in captured.err


# -- atomic writes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        (["--chunk-size", "0"], 2),
        (["--format", "xml"], 2),
        (["--no-such-option"], 2),
        (["--rules", "broken-rules.json"], 1),
    ],
    ids=["bad-chunk-size", "bad-format", "unknown-option", "broken-rules"],
)
def test_failed_run_leaves_existing_output_untouched(tmp_path, articles, extra, status):
    (tmp_path / "broken-rules.json").write_text("{not json", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "sentences.jsonl"
    out.write_bytes(b'{"sentinel": true}\n')
    stamp = out.stat().st_mtime_ns

    proc = run("split", str(articles["orchard"]), "-o", str(out), *extra, cwd=tmp_path)

    assert proc.returncode == status, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert out.read_bytes() == b'{"sentinel": true}\n'
    assert out.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in out_dir.iterdir()) == ["sentences.jsonl"]


def test_fault_while_writing_leaves_existing_output_untouched(tmp_path, articles, monkeypatch, capsys):
    """Inject a failure after some rows were written: the target keeps its old content."""
    out = tmp_path / "sentences.csv"
    out.write_bytes(b"old,content\n")
    real_iter_rows = annotator.text.split.iter_rows

    def failing_iter_rows(*args, **kwargs):
        for n, row in enumerate(real_iter_rows(*args, **kwargs)):
            if n == 2:
                raise InputError("injected", "disk on fire")
            yield row

    monkeypatch.setattr(annotator.text.split, "iter_rows", failing_iter_rows)
    with pytest.raises(SystemExit) as exc:
        main(["split", str(articles["bridge"]), "-o", str(out), "--chunk-size", "1"])

    assert exc.value.code == 1
    assert "injected: disk on fire" in capsys.readouterr().err
    assert out.read_bytes() == b"old,content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "sentences.csv"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sentences.jsonl", "sentences.csv", "sentences.parquet"])
def test_successful_run_leaves_no_temporary_files(tmp_path, articles, name):
    out_dir = tmp_path / "results" / "today"  # created on demand
    proc = run("split", str(articles["orchard"]), "-o", str(out_dir / name), cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in out_dir.iterdir()] == [name]
    assert not any(p.name.startswith(".") for p in tmp_path.rglob("*"))
    assert (out_dir / name).stat().st_size > 0


def test_output_file_gets_ordinary_permissions(tmp_path, articles):
    """An output file is created like any other file: mode 0666 minus the umask (not 0600)."""
    reference = tmp_path / "reference.jsonl"
    reference.write_text("", encoding="utf-8")
    out = tmp_path / "sentences.jsonl"

    proc = run("split", str(articles["orchard"]), "-o", str(out), cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert oct(out.stat().st_mode & 0o777) == oct(reference.stat().st_mode & 0o777)


# -- determinism, column mapping, stdin ----------------------------------------------------------


@pytest.mark.slow
def test_split_is_idempotent(tmp_path, articles):
    (tmp_path / "in" / "feed.jsonl").write_text(
        json.dumps({"text": "The bakery won a regional prize. Its owner wept."}) + "\n", encoding="utf-8"
    )
    first = run("split", "in", cwd=tmp_path)
    second = run("split", "in", cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0
    assert first.stdout == second.stdout
    check_rows(
        jsonl_rows(first.stdout),
        {
            "bridge": ingested_text(articles["bridge"]),
            "orchard": ORCHARD,
            "feed-1": "The bakery won a regional prize. Its owner wept.",
        },
    )

    for target in ("a.parquet", "b.parquet"):
        assert run("split", "in", "-o", target, cwd=tmp_path).returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet"))
    for target in ("a.csv", "b.csv"):
        assert run("split", "in", "-o", target, cwd=tmp_path).returncode == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_text_column_option(tmp_path):
    body = "Night Buses Return\nNight buses will run again from June. Drivers agreed a new rota."
    sheet = tmp_path / "sheet.csv"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "body", "source"])
        writer.writerow(["nb-1", body, "Metro Line"])

    without = run("split", str(sheet), cwd=tmp_path)
    assert without.returncode == 1
    assert "'text'" in without.stderr.decode("utf-8") and str(sheet) in without.stderr.decode("utf-8")
    assert without.stdout == b""

    proc = run("split", str(sheet), "--text-column", "body", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = jsonl_rows(proc.stdout)
    check_rows(rows, {"nb-1": body})
    assert {r["source"] for r in rows} == {"Metro Line"}
    assert "Night buses will run again from June." in [r["text"] for r in rows]


def test_dash_reads_stdin_text(tmp_path):
    raw = BOM + "Museum Reopens\r\nThe town museum reopened on Tuesday. Entry is free this week.\r\n"
    proc = run("split", "-", cwd=tmp_path, input=raw.encode("utf-8"))

    assert proc.returncode == 0, proc.stderr
    rows = jsonl_rows(proc.stdout)
    check_rows(rows, {"stdin": raw[1:].replace("\r\n", "\n")})
    assert "The town museum reopened on Tuesday." in [r["text"] for r in rows]
    assert "1 article" in summary_line(proc.stderr)


def test_dash_reads_stdin_jsonl(tmp_path):
    records = [
        {"id": "in-1", "text": "The harbour wall was repaired. Boats can moor again."},
        {"text": "Snow closed the mountain pass on Friday."},
    ]
    data = "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")

    proc = run("split", "-", "-o", "piped.jsonl", cwd=tmp_path, input=data)

    assert proc.returncode == 0, proc.stderr
    rows = jsonl_rows((tmp_path / "piped.jsonl").read_bytes())
    check_rows(rows, {"in-1": records[0]["text"], "stdin-2": records[1]["text"]})


def test_environment_sanity():
    """The console script under test is the venv's, not some other install."""
    assert Path(ANNOTATOR).is_file() and os.access(ANNOTATOR, os.X_OK)
    assert Path(ANNOTATOR).parent == Path(sys.executable).parent

"""Every command that reads articles survives hostile inputs (issue 14, items 8 and 11), end to end through the
console script: a lone surrogate and JSON nested 1,000 deep are one ``error:`` line each naming the file and line,
the rest of the batch is written, the exit status is 1, and no traceback is printed. CSV outputs escape cells that
a spreadsheet would run as formulas unless ``--csv-raw``.

Inputs are small fictional articles written into pytest's tmp_path; expectations come from those inputs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ANNOTATOR = shutil.which("annotator", path=str(Path(sys.executable).parent)) or str(
    Path(sys.executable).parent / "annotator"
)
GOOD = "Bridge Opens\nThe bridge opened on Monday, the mayor said. Traffic was light all day.\n"
SURROGATE = '{"id": "lone", "text": "Hello \\ud800 world. It said so."}'
DEEP = '{"id": "deep", "text": "Fine.", "meta": ' + "[" * 1000 + "]" * 1000 + "}"
WIRE = json.dumps({"id": "wire", "text": "Rain is due on Sunday, forecasters said. Take a coat."})


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [ANNOTATOR, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False, env=env
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A batch: one good .txt article, and a JSONL file of a lone surrogate, a deep record and a good record."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bridge.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "in" / "feed.jsonl").write_text(f"{SURROGATE}\n{DEEP}\n{WIRE}\n", encoding="utf-8")
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("command", ["split", "prelabel", "drift", "ledger", "report"])
def test_every_command_survives_a_lone_surrogate_and_deep_nesting(hostile: Path, command: str) -> None:
    out = hostile / ("out.html" if command == "report" else "out.jsonl")
    result = run(command, "in", "-o", str(out), cwd=hostile)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    feed = str(Path("in") / "feed.jsonl")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: line 1 of {feed}: field 'text': lone surrogate U+D800 at character 6: not valid Unicode; "
        "re-encode the text or drop the character",
        f"error: line 2 of {feed}: nested more than 100 levels deep",
    ]
    assert "read 2 articles from 2 files" in result.stderr.splitlines()[-1]
    assert out.exists()  # drift finds no re-report pair in two unrelated articles: an empty file, still written
    assert out.stat().st_size > 0 or command == "drift"
    if command in ("split", "prelabel"):
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert {r["article_id"] for r in rows} == {"bridge", "wire"}


@pytest.mark.slow
@pytest.mark.parametrize("command", ["split", "prelabel", "ledger", "report"])
def test_a_file_name_that_is_not_utf8_gives_an_id_with_a_replacement_character(tmp_path: Path, command: str) -> None:
    name = os.fsdecode(b"caf\xe9.txt")  # a Latin-1 name: a lone surrogate once decoded
    try:
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / name).write_text(GOOD, encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    out = tmp_path / ("out.html" if command == "report" else "out.jsonl")
    result = run(command, "in", "-o", str(out), cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    if command in ("split", "prelabel"):
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert {r["article_id"] for r in rows} == {"caf\ufffd"}
    else:  # the report page, and the ledger's per-article profiles, name the article
        page = out.with_name("out.profile.jsonl") if command == "ledger" else out
        assert "caf\ufffd" in page.read_text(encoding="utf-8")


FORMULAS = 'Notice\n=HYPERLINK("http://example.invalid") was written on the wall. @everyone saw it, police said.\n'


def _cells(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row[column] for row in csv.DictReader(io.StringIO(fh.read(), newline=""))]


@pytest.mark.parametrize("command", ["split", "prelabel"])
def test_csv_output_escapes_formulas_unless_csv_raw(tmp_path: Path, command: str) -> None:
    (tmp_path / "wall.txt").write_text(FORMULAS, encoding="utf-8")
    assert run(command, "wall.txt", "-o", "safe.csv", cwd=tmp_path).returncode == 0
    assert run(command, "wall.txt", "-o", "raw.csv", "--csv-raw", cwd=tmp_path).returncode == 0
    raw, safe = _cells(tmp_path / "raw.csv", "text"), _cells(tmp_path / "safe.csv", "text")
    starts = [t for t in raw if t[:1] in ("=", "@")]
    assert starts, raw  # the article does give sentences that start a formula
    assert safe == [f"'{t}" if t in starts else t for t in raw]


@pytest.mark.parametrize("command", ["split", "prelabel", "pull", "agreement"])
def test_every_command_that_writes_csv_offers_csv_raw(tmp_path: Path, command: str) -> None:
    result = run(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--csv-raw" in result.stdout


@pytest.mark.slow
def test_agreement_reads_back_the_csv_that_pull_writes(tmp_path: Path) -> None:
    from annotator.io.write import write_rows

    labels = ["attributed", "unverified", "contested"]
    rows = [
        {"sentence_id": f"a:{i}-{i + 1}", "text": "- said so.", "label": labels[(i + j) % 3 if i % 2 else 0],
         "annotator": name}
        for i in range(6)
        for j, name in enumerate(["=ann", "@bob"])
    ]  # fmt: skip
    columns = ["sentence_id", "text", "label", "annotator"]
    write_rows([rows], str(tmp_path / "labels.csv"), fmt="csv", columns=columns)
    write_rows([rows], str(tmp_path / "labels.jsonl"), fmt="jsonl", columns=columns)
    assert "'=ann" in (tmp_path / "labels.csv").read_text(encoding="utf-8")
    from_csv = run("agreement", "labels.csv", "--disagreements", "d-csv.jsonl", cwd=tmp_path)
    from_jsonl = run("agreement", "labels.jsonl", "--disagreements", "d-jsonl.jsonl", cwd=tmp_path)
    assert from_csv.returncode == from_jsonl.returncode == 0, from_csv.stderr
    assert from_csv.stdout == from_jsonl.stdout
    assert "=ann" in from_csv.stdout and "'=ann" not in from_csv.stdout
    assert (tmp_path / "d-csv.jsonl").read_bytes() == (tmp_path / "d-jsonl.jsonl").read_bytes()

"""``annotator drift``, ``ledger`` and ``report`` in-process on two small articles written here (one re-reports the
other). The same commands on the sample articles and the seeds: tests/claims/test_drift.py, test_ledger.py and
test_html_report.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import run

ORIGINAL = """Dock strike closes Dunmore yard

By Tamsin Rowe, Harbour Gazette | 3 March

More than 120 dockers walked out of the Dunmore shipyard on Monday over unpaid overtime, the union said.
The shipyard owner, Calder Marine, said the overtime had been paid in full in February.
Union organiser Petra Vance said the walkout would last until the overtime money reached every docker.
"""
RE_REPORT = """Dunmore shipyard strike

By Ola Brenn, Island Times | 4 March

Several hundred dockers reportedly walked out of the Dunmore shipyard on Monday over unpaid overtime.
The shipyard owner, Calder Marine, denied that any overtime was unpaid in February.
Petra Vance said the walkout would last until the overtime money reached every docker.
"""


@pytest.fixture
def articles(tmp_path: Path) -> list[str]:
    (tmp_path / "gazette.txt").write_text(ORIGINAL, encoding="utf-8")
    (tmp_path / "times.txt").write_text(RE_REPORT, encoding="utf-8")
    return [str(tmp_path / "gazette.txt"), str(tmp_path / "times.txt")]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_drift_finds_what_the_re_report_changed(
    articles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "drift.jsonl"
    assert run(["drift", *articles, "-o", str(out)]) == 0
    rows = read_jsonl(out)
    assert {(r["article_a"], r["article_b"]) for r in rows} == {("gazette", "times")}
    changes = {c["type"]: c for r in rows for c in r["changes"]}
    assert changes["number_changed"]["before"] == "More than 120"
    assert changes["number_changed"]["after"] == "Several hundred"
    assert changes["hedge_added"]["after"] == "reportedly"
    assert "attribution_stripped" in changes
    err = capsys.readouterr().err
    assert f"read 2 articles from 2 files: {len(rows)} sentence pairs from 1 re-report pair written to {out}" in err


def test_drift_refuses_an_anchor_outside_0_1(articles: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["drift", *articles, "--anchor", "1.5"]) == 2
    assert "--anchor" in capsys.readouterr().err


def test_ledger_with_pulled_labels_writes_the_profile_next_to_it(
    articles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentences = tmp_path / "sentences.jsonl"
    assert run(["split", *articles, "-o", str(sentences)]) == 0
    pulled = tmp_path / "pulled.jsonl"
    rows = [{**r, "label": "attributed", "annotator": "ann"} for r in read_jsonl(sentences)]
    pulled.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    capsys.readouterr()
    out = tmp_path / "ledger.jsonl"
    assert run(["ledger", *articles, "--labels", str(pulled), "-o", str(out)]) == 0
    ledger = read_jsonl(out)
    vance = next(r for r in ledger if "Petra Vance" in r["source"])
    assert set(vance["outlets"]) == {"Harbour Gazette", "Island Times"}
    profiles = read_jsonl(tmp_path / "ledger.profile.jsonl")
    assert {p["article_id"] for p in profiles} == {"gazette", "times"}
    err = capsys.readouterr().err
    assert f"labels from {pulled}: {len(rows)} of {len(rows)} match these articles" in err


def test_report_with_nothing_readable_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\xff\xfe not text")
    out = tmp_path / "report.html"
    assert run(["report", str(broken), "-o", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "no report written; 1 input failed" in err and "Traceback" not in err

"""The Label Studio commands where no server is needed: ``agreement`` on a pulled file, and the one-line errors of
``push`` / ``pull`` / ``agreement`` before any request. Against a real server: tests/studio/test_sync.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli_run import run

PULLED = [  # two annotators, three sentences, one disagreement
    ("a1:0-20", "The pier reopened.", "attributed", "ann"),
    ("a1:0-20", "The pier reopened.", "attributed", "bo"),
    ("a1:21-50", "Fares rise, the firm said.", "attributed", "ann"),
    ("a1:21-50", "Fares rise, the firm said.", "attributed", "bo"),
    ("a1:51-80", "Critics denied the claim.", "contested", "ann"),
    ("a1:51-80", "Critics denied the claim.", "unverified", "bo"),
]


@pytest.fixture
def pulled(tmp_path: Path) -> Path:
    path = tmp_path / "labels.jsonl"
    rows = [{"sentence_id": s, "text": t, "label": label, "annotator": a} for s, t, label, a in PULLED]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_agreement_on_a_pulled_file(pulled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "adjudicate.csv"
    assert run(["agreement", str(pulled), "--disagreements", str(out)]) == 0
    shown = capsys.readouterr()
    assert "6 annotations by 2 annotators on 3 sentences" in shown.out
    assert "Krippendorff's alpha" in shown.out
    assert "1 disagreements written to" in shown.err
    with out.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["sentence_id"] == "a1:51-80"


def test_agreement_needs_a_project_or_a_file_not_both(pulled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["agreement"], ["agreement", str(pulled), "--project", "x"]):
        assert run(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "either --project TITLE or a labels file" in err
        assert "Traceback" not in err


def test_an_unreadable_labels_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "labels.csv"
    broken.write_bytes(b"\x00\x01not,a\ncsv")
    assert run(["agreement", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [["pull", "--project", "x"], ["push", "--project", "x", "data/articles"]])
def test_without_a_token_or_local_studio_commands_say_how_to_connect(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .studio/ here
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    (tmp_path / "data" / "articles").mkdir(parents=True)
    (tmp_path / "data" / "articles" / "a.txt").write_text("The pier reopened.", encoding="utf-8")
    assert run(command) == 1
    err = capsys.readouterr().err
    assert "no API token" in err and "Traceback" not in err


def test_loopback_webhooks_are_an_opt_in_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Health(BaseHTTPRequestHandler):  # something already answers on the port: studio stops before starting
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = str(server.server_address[1])
        data = str(tmp_path / "d")
        assert run(["studio", "--port", port, "--data-dir", data]) == 1
        assert "SSRF" not in capsys.readouterr().err
        assert run(["studio", "--port", port, "--data-dir", data, "--allow-loopback-webhooks"]) == 1
        err = capsys.readouterr().err
        assert "SSRF protection is off" in err and "127.0.0.1 and private addresses" in err
    finally:
        server.shutdown()
        server.server_close()

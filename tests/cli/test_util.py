"""What the commands share (annotator.cli._util): shared options, the closing summary line, and the connection
defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

# the module is private to the CLI (the commands share it); these are its own tests
from annotator.cli._util import CONTEXT, columns_from, connect, finish, input_options, parse_auth
from annotator.errors import InputError, StudioError
from annotator.io.articles import ReadReport


def test_parse_auth() -> None:
    assert parse_auth(None) is None
    assert parse_auth("") is None
    assert parse_auth("ann:s3cr:et") == ("ann", "s3cr:et")  # the password may hold a colon
    for bad in ("ann", "ann:", ":pw"):
        with pytest.raises(InputError, match="expected USER:PASSWORD") as err:
            parse_auth(bad, "--backend-auth")
        assert err.value.where == "--backend-auth"


def test_input_options_give_the_columns() -> None:
    seen = {}

    @click.command(context_settings=CONTEXT)
    @input_options
    def cmd(paths: tuple[str, ...], stdin_format: str | None, **kwargs: str) -> None:
        seen["paths"] = paths
        seen["columns"] = columns_from(kwargs)
        seen["left"] = kwargs

    result = CliRunner().invoke(cmd, ["a.jsonl", "b.csv", "--text-column", "body", "--id-column", "uid"])
    assert result.exit_code == 0, result.output
    assert seen["paths"] == ("a.jsonl", "b.csv")
    columns = seen["columns"]
    assert (columns.text, columns.id, columns.title, columns.html) == ("body", "uid", "title", "html")
    assert seen["left"] == {}  # every column option was taken
    assert CliRunner().invoke(cmd, []).exit_code == 2  # a path is required
    assert "-h, --help" in CliRunner().invoke(cmd, ["-h"]).output


def test_finish_summarises_and_exits_1_on_failure(capsys: pytest.CaptureFixture[str]) -> None:
    report = ReadReport()
    report.files, report.articles = 2, 1
    finish(report, "3 sentences")
    assert capsys.readouterr().err == "read 1 article from 2 files: 3 sentences\n"
    report.errors.append(InputError("bad.txt", "not UTF-8"))
    with pytest.raises(SystemExit) as stop:
        finish(report, "3 sentences")
    assert stop.value.code == 1
    assert capsys.readouterr().err.endswith("; 1 input failed\n")


def test_connect_without_a_token_or_a_local_studio_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .studio/ here
    with pytest.raises(StudioError, match="no API token: pass --token"):
        connect("http://127.0.0.1:9", None)


@pytest.fixture
def refusing() -> Any:
    """A loopback server that refuses every token with 401 and keeps the Authorization headers it got."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            body = b'{"detail": "Invalid token."}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_the_token_comes_from_a_file_and_is_never_shown(
    refusing: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli_run import run

    url, seen = refusing
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-file-token\r\n", encoding="utf-8")  # a line end is not part of the token
    assert run(["pull", "--project", "x", "--url", url, "--token-file", str(token_file)]) == 1
    err = capsys.readouterr().err
    assert seen == ["Token s3cret-file-token"]
    assert "refused" in err and "s3cret" not in err and len(err.strip().splitlines()) == 1
    # the environment variable does the same; --token and --token-file together are one error
    monkeypatch.setenv("LABEL_STUDIO_API_KEY_FILE", str(token_file))
    assert run(["pull", "--project", "x", "--url", url]) == 1
    assert seen[-1] == "Token s3cret-file-token"
    assert run(["pull", "--project", "x", "--url", url, "--token", "t", "--token-file", str(token_file)]) == 1
    assert "give --token or --token-file, not both" in capsys.readouterr().err
    assert run(["pull", "--project", "x", "--url", url, "--token-file", str(tmp_path / "missing")]) == 1
    assert "cannot read the token file" in capsys.readouterr().err


def test_user_and_password_in_the_url_are_not_echoed(
    refusing: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli_run import run

    url, _ = refusing
    monkeypatch.delenv("LABEL_STUDIO_API_KEY_FILE", raising=False)
    secret_url = url.replace("://", "://me:pa55word@")
    assert run(["pull", "--project", "x", "--url", secret_url, "--token", "tok\r"]) == 1
    err = capsys.readouterr().err
    assert "pa55word" not in err and "http://***@127.0.0.1" in err and "Illegal header" not in err


@pytest.mark.parametrize("command", ["push", "pull", "agreement", "serve", "connect"])
def test_every_command_that_takes_a_token_takes_a_token_file(command: str) -> None:
    from annotator.cli import cli

    options = {o for p in cli.commands[command].params for o in p.opts}
    assert {"--token", "--token-file", "--url"} <= options

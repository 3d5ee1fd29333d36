"""What the commands share (annotator.cli._util): shared options, the closing summary line, and the connection
defaults."""

from __future__ import annotations

from pathlib import Path

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

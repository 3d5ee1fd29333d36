"""The live commands' errors before anything starts: ``serve`` with bad basic auth, ``connect`` with no way to reach
Label Studio. Serving and connecting for real: tests/backend/; ``prelabel``: tests/prelabel/test_engines.py and
tests/cli/test_model.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_run import run


@pytest.fixture(autouse=True)
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No local studio, no Label Studio in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("LABEL_STUDIO_API_KEY", "LABEL_STUDIO_URL", "ANNOTATOR_BACKEND_AUTH"):
        monkeypatch.delenv(name, raising=False)


def test_serve_refuses_malformed_basic_auth_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["serve", "--basic-auth", "just-a-user", "--port", "9"]) == 1
    err = capsys.readouterr().err
    assert err == "error: --basic-auth: expected USER:PASSWORD\n"


def test_connect_without_a_token_says_how_to_get_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["connect", "--project", "x", "--backend", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no API token") and len(err.splitlines()) == 1


def test_connect_needs_a_project_and_a_backend(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["connect", "--backend", "http://127.0.0.1:9"]) == 2  # click's usage error
    assert "Missing option '--project'" in capsys.readouterr().err


def test_serve_checks_a_webhook_project_with_the_real_label_studio(studio: Any, sdk: Any, title: str) -> None:
    """What serve asks before it keeps a webhook's project id: True for a project, False for an id Label Studio does
    not have (its 404), an error (not False) when Label Studio cannot be asked."""
    from annotator.cli._serve import project_check
    from annotator.errors import StudioError
    from annotator.studio.client import Studio

    exists = project_check(studio)
    assert exists(int(sdk.projects.create(title=title).id))
    assert not exists(987_654_321)
    with pytest.raises(StudioError, match="cannot reach Label Studio"):
        project_check(Studio("http://127.0.0.1:9", "not-a-token"))(1)

"""The local studio: credentials, the command line and environment it starts Label Studio with, and make demo's
path (start in the background, reuse, stop) against a real server on a copy of the migrated template."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.errors import StudioError
from annotator.studio.local import CREDENTIALS, LocalStudio, Postgres, credentials, free_port, healthy, running

REPO = Path(__file__).resolve().parents[2]


def test_credentials_are_created_once_and_private(tmp_path):
    first = credentials(tmp_path / "d")
    path = tmp_path / "d" / CREDENTIALS
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert credentials(tmp_path / "d") == first
    assert len(first.token) >= 40 and len(first.password) >= 16
    assert first.token not in repr(first) and first.password not in repr(first)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(StudioError, match="not a credentials file"):
        credentials(tmp_path / "d")


def test_command_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", "https://leak.example/1")
    local = LocalStudio(tmp_path / "d", port=8765, postgres=Postgres("db.local", 5433, "ls", "me", "pw"))
    cmd = local.command()
    creds = local.credentials
    for flag, value in [
        ("--data-dir", str(tmp_path / "d")),
        ("--internal-host", "127.0.0.1"),
        ("-p", "8765"),
        ("--username", creds.username),
    ]:
        assert cmd[cmd.index(flag) + 1] == value
    assert "--no-browser" in cmd and "--enable-legacy-api-token" in cmd and Path(cmd[cmd.index("start") - 1]).exists()
    # secrets stay off the command line (anyone can read it with ps); Label Studio reads them from the environment
    assert creds.password not in " ".join(cmd) and creds.token not in " ".join(cmd)
    env = local.env()
    assert (env["LABEL_STUDIO_PASSWORD"], env["LABEL_STUDIO_USER_TOKEN"]) == (creds.password, creds.token)
    assert env["COLLECT_ANALYTICS"] == "false" and env["LATEST_VERSION_CHECK"] == "false"
    assert env["SENTRY_DSN"] == "" and env["FRONTEND_SENTRY_DSN"] == ""
    assert (env["DJANGO_DB"], env["POSTGRE_HOST"], env["POSTGRE_PORT"], env["POSTGRE_NAME"]) == (
        "default",
        "db.local",
        "5433",
        "ls",
    )
    assert LocalStudio(tmp_path / "e").env().get("DJANGO_DB") == os.environ.get("DJANGO_DB")  # SQLite by default


def test_demo_starts_reuses_and_stops(studio_template, tmp_path):
    data = tmp_path / ".studio"  # the default data directory, relative to the working directory
    shutil.copytree(studio_template, data, ignore=shutil.ignore_patterns("*.log", "*.pid"))
    port = free_port()
    demo = [sys.executable, "-m", "annotator.studio.demo", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    articles = str(REPO / "data" / "articles" / "harbour-ammonia-leak.txt")
    try:
        first = subprocess.run([*demo, articles], check=False, capture_output=True, text=True, cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stderr
        assert healthy(f"http://127.0.0.1:{port}") and running(data) is not None
        creds = json.loads((data / CREDENTIALS).read_text(encoding="utf-8"))
        assert f"http://127.0.0.1:{port}/projects/" in first.stdout and creds["username"] in first.stdout
        assert creds["token"] not in first.stdout + first.stderr and creds["password"] not in first.stdout
        card = json.loads((REPO / "models" / "default" / "card.json").read_text(encoding="utf-8"))
        assert f"pre-annotated by model {card['version']}" in first.stdout
        second = subprocess.run([*demo, articles], check=False, capture_output=True, text=True, cwd=tmp_path, env=env)
        assert second.returncode == 0 and "already runs" in second.stdout and " 0 new tasks" in second.stdout
        # other commands find the running local studio and its credentials by themselves
        pull = [str(Path(sys.executable).parent / "annotator"), "pull", "--project", "annotator demo", "-o", "x.csv"]
        pulled = subprocess.run(pull, check=False, capture_output=True, text=True, cwd=tmp_path, env=env)
        assert pulled.returncode == 0 and "0 annotations written to x.csv" in pulled.stderr, pulled.stderr
    finally:
        stop = subprocess.run([*demo, "--stop"], check=False, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert stop.stdout.strip() == "stopped Label Studio"
    assert not healthy(f"http://127.0.0.1:{port}") and running(data) is None

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
from annotator.studio.local import (
    CREDENTIALS,
    LocalStudio,
    Postgres,
    credentials,
    free_port,
    healthy,
    make_private,
    running,
)

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
    _loosen(data)  # as an older version left it: the database (which holds the token) readable by everyone
    port = free_port()
    demo = [sys.executable, "-m", "annotator.studio.demo", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    articles = str(REPO / "data" / "articles" / "harbour-ammonia-leak.txt")
    try:
        first = subprocess.run([*demo, articles], check=False, capture_output=True, text=True, cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stderr
        assert healthy(f"http://127.0.0.1:{port}") and running(data) is not None
        _assert_private(data)  # after a start and a push: what Label Studio wrote since is private too
        _assert_ssrf_guard_on(running(data))
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


def _loosen(data: Path) -> None:
    data.chmod(0o755)
    for path in data.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _assert_private(data: Path) -> None:
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    paths = list(data.rglob("*"))
    assert data / "label_studio.sqlite3" in paths and data / "label-studio.log" in paths
    loose = {str(p.relative_to(data)): oct(stat.S_IMODE(p.stat().st_mode)) for p in paths if not p.is_symlink()}
    assert {k: v for k, v in loose.items() if v != ("0o700" if (data / k).is_dir() else "0o600")} == {}


def _assert_ssrf_guard_on(found: tuple[int, str] | None) -> None:
    import psutil

    assert found is not None
    envs = [p.environ() for p in [psutil.Process(found[0]), *psutil.Process(found[0]).children(recursive=True)]]
    assert all(env.get("ML_BLOCK_LOCAL_IP") == "false" for env in envs)
    assert all(env.get("SSRF_PROTECTION_ENABLED", "true") != "false" for env in envs)


def test_the_ssrf_guard_stays_on_unless_loopback_webhooks_are_asked_for(tmp_path: Path) -> None:
    assert LocalStudio(tmp_path / "d").env().get("SSRF_PROTECTION_ENABLED", "true") == "true"
    assert LocalStudio(tmp_path / "d").env()["ML_BLOCK_LOCAL_IP"] == "false"
    assert LocalStudio(tmp_path / "d", allow_loopback_webhooks=True).env()["SSRF_PROTECTION_ENABLED"] == "false"


def test_make_private_fixes_modes_and_leaves_symlinks(tmp_path: Path) -> None:
    data = tmp_path / "d"
    (data / "media" / "upload").mkdir(parents=True)
    (data / "label_studio.sqlite3").write_bytes(b"db")
    (data / "media" / "upload" / "t.json").write_text("{}", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    outside.chmod(0o644)
    (data / "link").symlink_to(outside)
    _loosen_no_links(data)
    make_private(data)
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644  # not ours: not followed
    (data / "link").unlink()
    _assert_private_tree(data)


def _loosen_no_links(data: Path) -> None:
    data.chmod(0o755)
    for path in data.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def _assert_private_tree(data: Path) -> None:
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in data.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def test_a_url_import_cannot_read_a_local_address(studio_server, sdk, title, tmp_path):
    """SSRF protection on: a task import from http://127.0.0.1/... is refused; the file's content is not echoed."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    import httpx

    (tmp_path / "secret.json").write_text(json.dumps([{"text": "internal-secret-4711"}]), encoding="utf-8")
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        project = sdk.projects.create(title=title)
        answer = httpx.post(
            f"{studio_server.url}/api/projects/{project.id}/import",
            headers={"Authorization": f"Token {studio_server.token}"},
            data={"url": f"http://127.0.0.1:{server.server_address[1]}/secret.json"},
            timeout=60,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status_code >= 400, answer.text
    assert "internal-secret-4711" not in answer.text
    assert sdk.projects.get(id=project.id).task_number in (0, None)


def test_a_failed_start_names_the_last_error_of_its_own_log_lines(tmp_path: Path) -> None:
    from annotator.studio.local import last_error

    log = tmp_path / "label-studio.log"
    log.write_text("Traceback (most recent call last):\nValueError: from an earlier start\n", encoding="utf-8")
    since = log.stat().st_size
    assert last_error(log, since) is None
    with log.open("a", encoding="utf-8") as fh:
        fh.write('  File "x.py", line 1\ndjango.db.utils.OperationalError: connection failed: password authentication'
                 ' failed for user "labelstudio"\n  more context\n')  # fmt: skip
    assert last_error(log, since) == (
        'django.db.utils.OperationalError: connection failed: password authentication failed for user "labelstudio"'
    )
    assert last_error(log) == last_error(log, since) and last_error(tmp_path / "missing.log") is None

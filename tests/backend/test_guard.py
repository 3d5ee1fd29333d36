"""Who may reach the backend (annotator.backend.guard): the secret file, and the Host / Origin check, on its own and in
front of the real app on 127.0.0.1 (uvicorn in a thread, with the backend's own uvicorn settings)."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from served import ThreadServer, refusing_backend

from annotator.backend.guard import TOKEN_FILE, USER, HostGuard, backend_token, read_credentials
from annotator.errors import InputError


def test_the_secret_is_generated_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path, secret = backend_token(tmp_path / "models")
    assert path == tmp_path / "models" / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret) >= 32
    assert backend_token(tmp_path / "models") == (path, secret)  # the next start keeps it
    assert backend_token(tmp_path / "other")[1] != secret
    path.chmod(0o644)
    assert backend_token(tmp_path / "models")[1] == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a file others could read is closed again
    assert read_credentials(path) == (USER, secret)
    assert read_credentials(tmp_path / "missing") is None
    assert [p.name for p in path.parent.iterdir()] == [TOKEN_FILE]  # no temporary file left


def test_a_secret_too_short_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / TOKEN_FILE).write_text("abc\n")
    with pytest.raises(InputError, match="shorter than 16 characters; delete the file"):
        backend_token(tmp_path)


GUARD = HostGuard(lambda *a: None, hosts=("127.0.0.1", "localhost", "::1"), port=9090)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("127.0.0.1:9090", None),
        ("localhost:9090", None),
        ("LOCALHOST", None),
        ("[::1]:9090", None),
        ("127.0.0.1:9090", "http://127.0.0.1:9090"),
        ("localhost", "http://localhost"),
    ],
)
def test_the_guard_lets_through_requests_addressed_to_the_backend(host: str, origin: str | None) -> None:
    assert GUARD.refusal(host, origin) is None


@pytest.mark.parametrize(
    ("host", "origin", "reason"),
    [
        ("evil.example:9090", None, "Host 'evil.example:9090' is not this backend's"),  # DNS rebinding
        ("127.0.0.1:9091", None, "is not this backend's"),
        ("", None, "is not this backend's"),
        ("127.0.0.1:x", None, "is not this backend's"),
        ("127.0.0.1:9090", "http://127.0.0.1:8000", "Origin 'http://127.0.0.1:8000' is not the backend's own"),
        ("127.0.0.1:9090", "http://evil.example", "is not the backend's own"),
        ("127.0.0.1:9090", "null", "is not the backend's own"),  # a sandboxed page, a file:// page
        ("127.0.0.1:9090", "https://127.0.0.1:9090", "is not the backend's own"),
    ],
)
def test_the_guard_refuses_other_hosts_and_origins(host: str, origin: str | None, reason: str) -> None:
    refusal = GUARD.refusal(host, origin)
    assert refusal is not None and reason in refusal


@pytest.fixture(scope="module")
def guarded(model_dir: Path) -> Iterator[tuple[ThreadServer, list[int]]]:
    """The backend with retraining, no credentials (only the guard stands), and a record of the projects that
    retraining was asked to read (each refused here: no model is trained)."""
    with refusing_backend(model_dir, model_dir.parent / "guard-models") as served:
        yield served


START = {"action": "START_TRAINING", "project": 3}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Host": "evil.example"}, 403),
        ({"Origin": "http://127.0.0.1:1"}, 403),
        ({"Origin": "null"}, 403),
        ({"Content-Type": "text/plain"}, 415),  # what a page may post cross-origin without asking
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ],
)
def test_a_request_from_elsewhere_starts_nothing(
    guarded: tuple[ThreadServer, list[int]], headers: dict[str, str], status: int
) -> None:
    server, fetched = guarded
    import json

    r = httpx.post(
        server.url + "/webhook", content=json.dumps(START), headers={"Content-Type": "application/json", **headers}
    )
    assert r.status_code == status, r.text
    time.sleep(0.2)
    assert fetched == []
    assert httpx.get(server.url + "/status").json()["training"]["failures"] == 0


def test_the_same_request_from_the_backend_itself_gets_through(guarded: tuple[ThreadServer, list[int]]) -> None:
    """The control: without a foreign Host, Origin or Content-Type the webhook does start a retraining."""
    server, fetched = guarded
    r = httpx.post(server.url + "/webhook", json=START, headers={"Origin": server.url})
    assert r.status_code == 200 and r.json()["status"] == "queued"
    deadline = time.monotonic() + 30
    while httpx.get(server.url + "/status").json()["training"]["failures"] < 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert fetched == [3]
    fetched.clear()

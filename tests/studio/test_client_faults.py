"""Faults: no server, and a connection dropped in the middle of a batch import. The only fake here is the fault: a
small HTTP proxy on loopback in front of the real session server that passes everything through except the import
request it is told to break."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from annotator.errors import StudioError
from annotator.studio.client import Studio
from annotator.studio.local import free_port
from annotator.studio.sync import push
from annotator.text.split import split

pytestmark = pytest.mark.studio
REPO = Path(__file__).resolve().parents[2]
ARTICLES = REPO / "data" / "articles"
ANNOTATOR = str(Path(sys.executable).parent / "annotator")


def _read_request(conn: socket.socket) -> tuple[bytes, bytes]:
    """Headers and body of one HTTP request (bodies have a Content-Length: the SDK sends JSON)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data, b""
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


class DroppingProxy:
    """Forwards HTTP requests to ``upstream``, one connection per request. The ``drop_import``-th request to an
    import endpoint is broken: with ``after_forward`` the server receives and commits it, then the client's
    connection is closed without a response; otherwise the connection is closed after half the body, before the
    server sees anything."""

    def __init__(self, upstream_port: int, *, drop_import: int, after_forward: bool) -> None:
        self.upstream_port = upstream_port
        self.drop_import = drop_import
        self.after_forward = after_forward
        self.imports = 0
        self.dropped = 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            head, body = _read_request(conn)
            if not head:
                return
            request_line = head.split(b"\r\n", 1)[0]
            drop = False
            if b"/import" in request_line and request_line.startswith(b"POST"):
                with self._lock:
                    self.imports += 1
                    drop = self.imports == self.drop_import
            lines = [
                line
                for line in head.split(b"\r\n")
                if not line.lower().startswith((b"connection:", b"keep-alive:", b"host:"))
            ]
            lines.insert(1, f"Host: 127.0.0.1:{self.upstream_port}".encode())
            request = b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body
            if drop and not self.after_forward:
                self.dropped += 1
                return  # closed while the client still sends: the server never saw it
            with socket.create_connection(("127.0.0.1", self.upstream_port)) as up:
                up.sendall(request)
                response = b""
                while chunk := up.recv(65536):
                    response += chunk
            if drop:
                self.dropped += 1
                return  # the server did the work; the client never hears of it
            # say that this connection closes, so that the client does not pool it for a later request
            head, _, rest = response.partition(b"\r\n\r\n")
            kept = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
            conn.sendall(b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n" + rest)

    def close(self) -> None:
        self._server.close()


def test_server_down_is_a_clear_error_and_exit_1(tmp_path):
    article = ARTICLES / "transport-signal-failure.txt"
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    proc = subprocess.run(
        [ANNOTATOR, "push", str(article), "--project", "x", "--url", url, "--token", "abc123", "--no-model"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach Label Studio at {url}"), proc.stderr
    assert "Traceback" not in proc.stderr and "abc123" not in proc.stderr
    proc = subprocess.run(
        [ANNOTATOR, "pull", "--project", "x", "--url", url, "--token", "abc123", "-o", str(tmp_path / "o.csv")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "cannot reach Label Studio" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_wrong_token_is_a_clear_error(studio_server):
    proc = subprocess.run(
        [ANNOTATOR, "pull", "--project", "x", "--url", studio_server.url, "--token", "not-the-token"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "token was refused (HTTP 401)" in proc.stderr
    assert "not-the-token" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("after_forward", [True, False], ids=["saved-but-unanswered", "never-arrived"])
def test_dropped_connection_mid_batch_then_rerun(studio_server, title, project_tasks, after_forward):
    rows = split([ARTICLES / "harbour-ammonia-leak.txt", ARTICLES / "health-clinic-closures.txt"]).to_dict("records")
    port = int(studio_server.url.rsplit(":", 1)[1])
    proxy = DroppingProxy(port, drop_import=2, after_forward=after_forward)
    try:
        with pytest.raises(StudioError) as err:
            push(Studio(proxy.url, studio_server.token), rows, title=title, batch_size=10)
        assert (proxy.dropped, proxy.imports) == (1, 2), str(err.value)  # and no blind retry of the broken import
        assert "10 tasks were imported before this batch" in str(err.value) and "run the same push again" in str(err)
        saved = len(project_tasks(title))
        assert saved == (20 if after_forward else 10)
    finally:
        proxy.close()

    report = push(Studio(studio_server.url, studio_server.token), rows, title=title, batch_size=10)
    tasks = project_tasks(title)
    counts = Counter(t["data"]["sentence_id"] for t in tasks)
    assert max(counts.values()) == 1, "duplicates after the re-run"
    assert set(counts) == {r["sentence_id"] for r in rows}, "sentences lost"
    assert report.already == saved and report.imported == len(rows) - saved

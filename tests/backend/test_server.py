"""The backend under hostile clients, over real HTTP: a real `annotator serve` process on 127.0.0.1 (its secret, its
log, its memory while a 50 MB chunked body and hundreds of slow clients come in), and the app run as serve runs it
(annotator.backend.server) for the deadlines, made short here.

The peak resident memory of the serve process is printed (run with -s to see it) and bounded by the assertions."""

from __future__ import annotations

import base64
import logging
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest
from served import ThreadServer, free_port

from annotator.backend.app import ModelHolder, Settings, create_app
from annotator.backend.guard import TOKEN_FILE, USER
from annotator.backend.server import HeaderTimeoutProtocol
from annotator.classifier.artefacts import load_model

ANNOTATOR = str(Path(sys.executable).parent / "annotator")
MB = 1024 * 1024
TASK = b'{"tasks": [{"id": 1, "data": {"text": "The mayor said the bridge would open."}}]}'


@dataclass
class Serve:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    secret: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.secret}"}


@pytest.fixture(scope="module")
def serve(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """`annotator serve --no-retrain` with its defaults: credentials on, a secret generated in --models-dir."""
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = tmp / "serve.log"
    cmd = [ANNOTATOR, "serve", "--no-retrain", "--model", str(model_dir), "--port", str(port)]
    cmd += ["--models-dir", str(tmp / "models"), "--log-level", "debug"]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    secret = (tmp / "models" / TOKEN_FILE).read_text().strip()
    yield Serve(url, port, proc, log, secret)
    proc.terminate()
    proc.wait(30)


def test_serve_requires_its_secret_and_never_shows_it(serve: Serve) -> None:
    token_file = Path(serve.log.parent / "models" / TOKEN_FILE)
    assert token_file.stat().st_mode & 0o777 == 0o600
    basic = "Basic " + base64.b64encode(f"{USER}:{serve.secret}".encode()).decode()
    assert httpx.get(serve.url + "/status").status_code == 401
    assert httpx.get(serve.url + "/status", headers={"Authorization": "Token wrong"}).status_code == 401
    assert httpx.get(serve.url + "/status", headers=serve.headers()).status_code == 200
    assert httpx.get(serve.url + "/status", headers={"Authorization": basic}).status_code == 200  # Label Studio's
    r = httpx.post(
        serve.url + "/predict", content=TASK, headers={**serve.headers(), "Content-Type": "application/json"}
    )
    assert r.status_code == 200 and len(r.json()["results"]) == 1
    logged = serve.log.read_text()
    assert f"password in {token_file}" in logged
    assert serve.secret not in logged and base64.b64encode(serve.secret.encode()).decode() not in logged


def test_a_text_plain_post_is_refused_even_with_the_secret(serve: Serve) -> None:
    r = httpx.post(serve.url + "/predict", content=TASK, headers={**serve.headers(), "Content-Type": "text/plain"})
    assert r.status_code == 415 and "application/json" in r.json()["error"]


def _rss_peak(pid: int) -> tuple[Callable[[], int], threading.Event]:
    """Sample ``pid``'s resident memory every 10 ms until the event is set; the callable returns the peak."""
    proc = psutil.Process(pid)
    peak = [proc.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.01)

    threading.Thread(target=sample, daemon=True).start()
    return lambda: peak[0], stop


def _chunked_post(port: int, secret: str, total: int) -> tuple[bytes, int]:
    """POST /predict with a chunked body of ``total`` bytes, generated as it is sent, until the server answers or
    closes; the start of its answer and how many body bytes went out."""
    head = (
        f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {secret}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"[" * (256 * 1024)
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        pending = b""
        while sent < total or pending:
            readable, writable, _ = select.select([sock], [sock], [], 10)
            if readable or not writable:  # the server answered (or closed) before the body was all sent
                break
            if not pending:
                pending = framed
                sent += len(chunk)
            try:
                pending = pending[sock.send(pending) :]
            except OSError:  # the server closed the connection: its answer may still be readable
                break
        try:
            while b"\r\n\r\n" not in answer:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
        except OSError:
            pass
    return answer, sent


@pytest.mark.slow
def test_a_chunked_oversize_body_is_refused_as_it_streams_in(serve: Serve) -> None:
    base = psutil.Process(serve.process.pid).memory_info().rss
    peak, stop = _rss_peak(serve.process.pid)
    try:
        answer, sent = _chunked_post(serve.port, serve.secret, 50 * MB)
    finally:
        stop.set()
    grew = (peak() - base) / MB
    print(f"\nchunked 50 MB body: {sent / MB:.1f} MB sent; serve RSS {base / MB:.0f} MB, peak +{grew:.1f} MB")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 50 * MB  # refused before the client was done
    assert grew < 48, f"the server grew by {grew:.0f} MB for a body limited to 16 MB"
    assert httpx.get(serve.url + "/health").status_code == 200


@pytest.mark.slow
def test_slow_clients_are_cut_off_after_the_header_deadline(serve: Serve) -> None:
    """300 clients that open a connection and send one header line, then nothing (slowloris): all are closed
    within the header deadline, and meanwhile the backend answers others."""
    base = psutil.Process(serve.process.pid).memory_info().rss
    peak, stop = _rss_peak(serve.process.pid)
    socks = []
    try:
        for _ in range(300):
            s = socket.create_connection(("127.0.0.1", serve.port), timeout=30)
            s.sendall(f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{serve.port}\r\n".encode())
            socks.append(s)
        assert httpx.get(serve.url + "/health", timeout=10).status_code == 200
        time.sleep(12)  # the header deadline is 10 s
        closed = sum(1 for s in socks if s.recv(1024) == b"")  # b"": closed by the server
    finally:
        stop.set()
        for s in socks:
            s.close()
    grew = (peak() - base) / MB
    print(f"\n300 slow clients: serve RSS {base / MB:.0f} MB, peak +{grew:.1f} MB; {closed} closed by the server")
    assert closed == 300
    assert grew < 48


def test_no_auth_only_on_127_0_0_1_and_with_a_warning(tmp_path: Path) -> None:
    cmd = [ANNOTATOR, "serve", "--no-auth", "--no-retrain", "--host", "0.0.0.0", "--models-dir", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stderr == "error: --no-auth: only with --host 127.0.0.1 and without --basic-auth; got --host 0.0.0.0\n"
    assert not (tmp_path / TOKEN_FILE).exists()


# -- the deadlines and a client that goes away, with the app run as serve runs it -------------------------------


@pytest.fixture(scope="module")
def quick(model_dir: Path) -> Iterator[ThreadServer]:
    """The app with a 1 s body deadline and a 1 s header deadline."""
    port = free_port()
    app = create_app(ModelHolder(load_model(model_dir)), Settings(body_timeout=1.0, port=port, max_body=MB))
    HeaderTimeoutProtocol.header_timeout = 1.0
    try:
        with ThreadServer(app, port) as server:
            yield server
    finally:
        HeaderTimeoutProtocol.header_timeout = 10.0


def _raw(port: int, head: str, body: bytes = b"") -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(head.encode() + body)
    return s


def test_a_body_that_does_not_arrive_in_time_gets_408(quick: ThreadServer) -> None:
    head = f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{quick.port}\r\nContent-Type: application/json\r\n"
    with _raw(quick.port, head + "Content-Length: 1000\r\n\r\n", b'{"tasks": ') as s:
        started = time.monotonic()
        answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert 0.8 < time.monotonic() - started < 5


def test_headers_that_do_not_arrive_in_time_close_the_connection(quick: ThreadServer) -> None:
    with _raw(quick.port, f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{quick.port}\r\n") as s:
        started = time.monotonic()
        assert s.recv(4096) == b""
    assert 0.8 < time.monotonic() - started < 5
    # a kept-alive connection that starts its next request and stalls is closed too
    with _raw(quick.port, f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{quick.port}\r\n\r\n") as s:
        first = s.recv(4096)
        while not first.endswith(b"}"):  # the whole answer, its JSON body last
            first += s.recv(4096)
        assert first.startswith(b"HTTP/1.1 200")
        s.sendall(b"GET /health HTTP/1.1\r\n")
        assert s.recv(4096) == b""


def test_a_body_over_the_limit_is_refused_without_reading_the_rest(quick: ThreadServer) -> None:
    head = f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{quick.port}\r\nContent-Type: application/json\r\n"
    with _raw(quick.port, head + f"Content-Length: {MB + 1}\r\n\r\n") as s:
        assert s.recv(4096).startswith(b"HTTP/1.1 413")  # from the declared length, before any body byte
    answer, sent = _chunked_post(quick.port, "unused", 8 * MB)
    assert answer.startswith(b"HTTP/1.1 413") and sent < 8 * MB


def test_a_client_that_goes_away_is_one_info_line(quick: ThreadServer, caplog: pytest.LogCaptureFixture) -> None:
    head = f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{quick.port}\r\nContent-Type: application/json\r\n"
    with caplog.at_level(logging.DEBUG):
        with _raw(quick.port, head + "Content-Length: 1000\r\n\r\n", b'{"tasks"'):
            time.sleep(0.2)
        deadline = time.monotonic() + 5
        while not any("went away" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
            time.sleep(0.05)
    [record] = [r for r in caplog.records if "went away" in r.getMessage()]
    assert record.levelno == logging.INFO and record.exc_info is None
    assert record.getMessage() == "POST /predict: the client went away before its request was read"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_no_secret_in_any_log_line(model_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cret-" + os.urandom(8).hex()
    port = free_port()
    app = create_app(ModelHolder(load_model(model_dir)), Settings(basic_auth=(USER, secret), port=port))
    with caplog.at_level(logging.DEBUG), ThreadServer(app, port) as server:
        for auth in (f"Token {secret}", f"Token {secret}x", f"Basic {secret}", "Bearer \u2603".encode()):
            for path in ("/status", "/predict", "/nowhere"):
                httpx.post(server.url + path, content=b"{", headers={"Authorization": auth})
                httpx.post(server.url + path, content=TASK, headers={"Authorization": auth, "Host": "evil"})
    text = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert caplog.records and secret not in text

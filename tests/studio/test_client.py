"""The client's errors without a real server: no URL or token, nothing listening, and a server that refuses the
token or fails (a small HTTP fake on loopback: the fault is all it does). The client against a real Label Studio:
tests/studio/test_sync.py and test_client_faults.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from annotator.errors import StudioError
from annotator.studio.client import TOKEN_ENV, URL_ENV, Studio
from annotator.studio.local import free_port


@pytest.fixture
def answering() -> Iterator[ThreadingHTTPServer]:
    """A loopback server that answers every request with ``server.status`` and ``server.body``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the client only reads here
            body = self.server.body  # type: ignore[attr-defined]
            self.send_response(self.server.status)  # type: ignore[attr-defined]
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_url_and_token_are_required() -> None:
    # the library names what is missing and the variable that gives it, never a command-line flag
    with pytest.raises(StudioError, match=rf"^no Label Studio URL \(\${URL_ENV} unset\)$"):
        Studio("", "token")
    with pytest.raises(StudioError, match=rf"^no Label Studio API token \(\${TOKEN_ENV} unset\)$"):
        Studio("http://127.0.0.1:8080", "")


@pytest.mark.slow  # waits for the connection to be refused and retried
def test_nothing_listening_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StudioError, match=rf"cannot reach Label Studio at {url} \(checking the connection\).*running"):
        Studio(url + "/", "token", timeout=5).check()


def test_a_refused_token_says_so(answering: ThreadingHTTPServer) -> None:
    answering.status, answering.body = 401, json.dumps({"detail": "Invalid token."}).encode()  # type: ignore[attr-defined]
    with pytest.raises(StudioError) as err:
        Studio(url_of(answering), "not-the-token", timeout=5).check()
    message = str(err.value)
    assert "the token was refused (HTTP 401): Invalid token." in message
    assert "not-the-token" not in message  # the token is never echoed


def test_an_error_answer_gives_status_and_body(answering: ThreadingHTTPServer) -> None:
    answering.status, answering.body = 404, json.dumps({"detail": "Not found."}).encode()  # type: ignore[attr-defined]
    with pytest.raises(StudioError, match=r"failed looking up project 'News': HTTP 404: Not found\."):
        Studio(url_of(answering), "token", timeout=5).find_project("News")


def test_a_token_with_a_line_end_is_stripped_and_one_with_a_control_character_refused(
    answering: ThreadingHTTPServer,
) -> None:
    answering.status, answering.body = 404, json.dumps({"detail": "Not found."}).encode()  # type: ignore[attr-defined]
    # a CR or newline at the end (a token file written on Windows, a paste) is not part of the token
    with pytest.raises(StudioError, match="HTTP 404"):
        Studio(url_of(answering), "s3cret-token\r\n", timeout=5).find_project("News")
    with pytest.raises(StudioError) as err:
        Studio(url_of(answering), "s3cret\r\ntoken", timeout=5)
    assert "s3cret" not in str(err.value) and "control character" in str(err.value)


def test_an_answer_or_a_url_that_quotes_a_secret_is_redacted(answering: ThreadingHTTPServer) -> None:
    answering.status, answering.body = 400, json.dumps({"detail": "bad token s3cret-token"}).encode()  # type: ignore[attr-defined]
    url = url_of(answering).replace("://", "://me:pa55word@")
    with pytest.raises(StudioError) as err:
        Studio(url, "s3cret-token", timeout=5).find_project("News")
    message = str(err.value)
    assert "s3cret-token" not in message and "pa55word" not in message
    assert "bad token ***" in message and "http://***@127.0.0.1" in message
    assert err.value.__cause__ is None  # no chained exception that would quote the headers in a traceback

"""A web page in a real browser (Debian's chromium, driven by Playwright) tries to drive the backend on 127.0.0.1 from
another origin on 127.0.0.1: a no-cors ``text/plain`` POST to /webhook (what any page may send without asking) and a
``fetch`` with JSON. The backend runs without credentials here, so only the Content-Type, Host and Origin checks
stand: neither request may start a retraining. The control: the same page's requests do reach the backend (and are
refused there), and the same webhook sent by the backend's own origin does start one."""

from __future__ import annotations

import http.server
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright
from served import ThreadServer, refusing_backend

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><title>elsewhere</title><script>
const target = "%(target)s/webhook";
const body = JSON.stringify({action: "START_TRAINING", project: 2});
window.results = {};
fetch(target, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body})
  .then(r => { window.results.nocors = "sent " + r.type; }, e => { window.results.nocors = "failed " + e; });
fetch(target, {method: "POST", headers: {"Content-Type": "application/json"}, body})
  .then(r => { window.results.json = "status " + r.status; }, e => { window.results.json = "failed " + e; });
</script>"""


@pytest.fixture
def backend(model_dir: Path, tmp_path: Path) -> Iterator[tuple[ThreadServer, list[int]]]:
    with refusing_backend(model_dir, tmp_path, min_interval=0) as served:
        yield served


@pytest.fixture
def elsewhere(backend: tuple[ThreadServer, list[int]]) -> Iterator[str]:
    """A page served from another origin on 127.0.0.1 (another port)."""
    page = (PAGE % {"target": backend[0].url}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_of_another_origin_cannot_start_a_retraining(
    backend: tuple[ThreadServer, list[int]],
    elsewhere: str,
    chromium: dict[str, object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, fetched = backend
    with caplog.at_level(logging.INFO, logger="annotator.backend"), sync_playwright() as pw:
        browser = pw.chromium.launch(**chromium)  # type: ignore[arg-type]
        try:
            page = browser.new_page()
            page.goto(elsewhere)
            page.wait_for_function("window.results.nocors && window.results.json", timeout=20_000)
            results = page.evaluate("window.results")
        finally:
            browser.close()
        time.sleep(0.5)
    status = httpx.get(server.url + "/status").json()["training"]
    assert fetched == [] and status["failures"] == 0 and status["trainings"] == 0 and status["state"] == "idle"
    assert results["nocors"] == "sent opaque"  # the browser sent it; the answer is hidden from the page
    assert results["json"].startswith("failed")  # the preflight (or the answer) lacks CORS headers
    refused = [r.getMessage() for r in caplog.records if "refused: Origin" in r.getMessage()]
    assert any(m.startswith("POST /webhook refused: Origin 'http://127.0.0.1:") for m in refused), refused
    # the control: the backend's own origin starts one (so the test above could fail)
    r = httpx.post(
        server.url + "/webhook", json={"action": "START_TRAINING", "project": 2}, headers={"Origin": server.url}
    )
    assert r.json()["status"] == "queued"
    deadline = time.monotonic() + 20
    while not fetched:
        assert time.monotonic() < deadline
        time.sleep(0.05)

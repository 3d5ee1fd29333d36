"""A backend app on 127.0.0.1 run by uvicorn in a thread, as `annotator serve` runs it (annotator.backend.server), for
the backend's tests."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from annotator.backend.server import config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThreadServer:
    """The app on a free loopback port, run by uvicorn as `annotator serve` runs it (server.config), in a thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, **config(host="127.0.0.1", port=self.port)))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

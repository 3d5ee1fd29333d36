"""A backend app on 127.0.0.1 run by uvicorn in a thread, as `annotator serve` runs it (annotator.backend.server), for
the backend's tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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


@contextmanager
def refusing_backend(model_dir: Path, models_dir: Path, **retrainer: Any) -> Iterator[tuple[ThreadServer, list[int]]]:
    """The backend with retraining, on 127.0.0.1, and the list of projects retraining was asked to read: each one is
    refused (no Label Studio here), so no model is ever trained. ``retrainer``: more :class:`Retrainer` options."""
    from annotator.backend.app import ModelHolder, Settings, create_app
    from annotator.backend.retrain import Retrainer
    from annotator.classifier.artefacts import load_model
    from annotator.errors import StudioError

    fetched: list[int] = []

    def fetch(project: int) -> list[tuple[str, str]]:
        fetched.append(project)
        raise StudioError("no Label Studio in this test")

    holder = ModelHolder(load_model(model_dir))
    port = free_port()
    trainer = Retrainer(holder, fetch=fetch, seed=[], models_dir=models_dir, load=load_model, **retrainer)
    try:
        with ThreadServer(create_app(holder, Settings(port=port), trainer=trainer), port) as server:
            yield server, fetched
    finally:
        trainer.close()

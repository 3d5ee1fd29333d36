"""SIGTERM (``kill``, ``timeout``, a container's stop) ends a command as Ctrl-C does: a real ``annotator prelabel``
in a subprocess, terminated mid-write, leaves the previous output as it was, no temporary file, no spool directory
and no process behind; ``annotator serve`` stops its training process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from annotator.studio.local import free_port

REPO = Path(__file__).resolve().parents[2]
ANNOTATOR = str(Path(sys.executable).parent / "annotator")


def _env(tmp_path: Path) -> dict[str, str]:
    # the spool is made under TMPDIR: a directory of the test's own, to see what is left there
    spool_root = tmp_path / "tmp"
    spool_root.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(spool_root), "PYTHONPATH": str(REPO)}


def _corpus(path: Path, articles: int = 3000) -> Path:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "data" / "articles").glob("*.txt"))]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(articles):
            fh.write(json.dumps({"id": f"a{i}", "text": texts[i % len(texts)]}) + "\n")
    return path


def _gone(pids: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
        time.sleep(0.2)
    return alive


def _descendants_once_running(process: subprocess.Popen[bytes], count: int, timeout: float = 120) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited early with {process.returncode}"
        children = psutil.Process(process.pid).children(recursive=True)
        if len(children) >= count:
            return [c.pid for c in children]
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} child processes after {timeout} s")


def test_sigterm_mid_write_keeps_the_previous_output_and_leaves_nothing_behind(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl")
    out = tmp_path / "out" / "predictions.jsonl"
    out.parent.mkdir()
    out.write_text("previous\n", encoding="utf-8")
    env = _env(tmp_path)
    process = subprocess.Popen(
        [ANNOTATOR, "prelabel", str(corpus), "-o", str(out), "--workers", "2", "--chunk-size", "16"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # mid-write: the hidden temporary output beside the real one has rows in it (and the workers run)
    deadline = time.monotonic() + 120
    while not [p for p in out.parent.iterdir() if p.name != out.name and p.stat().st_size > 0]:
        assert process.poll() is None, "prelabel finished before it could be interrupted; make the corpus bigger"
        assert time.monotonic() < deadline, "no output written after 120 s"
        time.sleep(0.05)
    children = _descendants_once_running(process, 3)  # two workers and multiprocessing's resource tracker
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err.decode()
    assert "Traceback" not in err.decode(), err.decode()
    assert b"terminated" in err
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no .tmp file
    assert list((tmp_path / "tmp").iterdir()) == []  # no spool directory
    assert _gone(children) == []


@pytest.mark.studio
def test_sigterm_stops_serve_and_its_training_process(studio_server: object, model_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {**_env(tmp_path), **_connection(studio_server)}
    process = subprocess.Popen(
        [ANNOTATOR, "serve", "--port", str(port), "--model", str(model_dir), "--models-dir", str(tmp_path / "m")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    children = _descendants_once_running(process, 1)  # the training process, spawned and kept warm
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=90)
    assert process.returncode != 0, err.decode()
    assert "Traceback" not in err.decode()
    assert _gone(children) == []


# serve() run again and again in one process, each time sent SIGTERM a little later (0, 0.5, 1, … ms after
# the call), so that some signals land while uvicorn builds its event loop; the handler is `annotator`'s own
_SERVE_UNDER_SIGTERM = """
import os, signal, sys, threading
from annotator.backend.server import serve
from annotator.cli import _terminate_as_interrupt
from annotator.studio.local import free_port

async def app(scope, receive, send):
    while scope["type"] == "lifespan":
        message = await receive()
        await send({"type": message["type"] + ".complete"})
        if message["type"] == "lifespan.shutdown":
            return

rounds, step = int(sys.argv[1]), float(sys.argv[2])
for i in range(rounds):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _terminate_as_interrupt()
    try:
        threading.Timer(i * step, os.kill, (os.getpid(), signal.SIGTERM)).start()
        serve(app, port=free_port(), log_level="warning")
    except KeyboardInterrupt:
        print("interrupted", flush=True)
"""


def test_sigterm_while_serve_starts_its_server_ends_it_without_a_traceback() -> None:
    rounds = 60
    done = subprocess.run(
        [sys.executable, "-c", _SERVE_UNDER_SIGTERM, str(rounds), "0.0005"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "never awaited" not in done.stderr, done.stderr
    assert done.stdout.split("\n").count("interrupted") == rounds  # every round ended as an interrupt


def _connection(server: object) -> dict[str, str]:
    return {"LABEL_STUDIO_URL": str(server.url), "LABEL_STUDIO_API_KEY": str(server.token)}  # type: ignore[attr-defined]

"""Live pre-annotation end to end: the session's real Label Studio and a real `annotator serve` process on
127.0.0.1, attached with `annotator connect`. Annotators are played through the SDK; what the backend did is read
back from Label Studio (its tasks, predictions and project) and from the backend's own /status.

At the end, without Label Studio: the training process, killed, closed or left behind at the interpreter's exit."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from annotator.backend.guard import TOKEN_FILE, read_credentials
from annotator.classifier.artefacts import load_model
from annotator.labels import CHOICES_NAME, TEXT_NAME, labels
from annotator.predictions import predict_after
from annotator.studio.local import free_port

REPO = Path(__file__).resolve().parents[2]
ANNOTATOR = str(Path(sys.executable).parent / "annotator")
ARTICLE = REPO / "data" / "articles" / "politics-tax-threshold-revolt.txt"


@dataclass
class Backend:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    models_dir: Path
    auth: tuple[str, str] | None = None  # the credentials serve requires (its generated secret by default)

    def status(self) -> dict[str, Any]:
        return dict(httpx.get(self.url + "/status", auth=self.auth, timeout=30).json())

    def wait_trained(self, trainings: int, timeout: float = 300) -> dict[str, Any]:
        """Poll /status until ``trainings`` trainings succeeded and none is queued or running."""
        deadline = time.monotonic() + timeout
        while True:
            training = self.status()["training"]
            if training["trainings"] >= trainings and training["state"] == "idle" and not training["queued"]:
                return training
            assert training["state"] != "failed", f"retraining failed: {training['last_error']}"
            assert time.monotonic() < deadline, f"no retraining after {timeout} s: {training}; log: {self.log}"
            time.sleep(0.5)


@pytest.fixture
def start_backend(studio_server: Any, model_dir: Path, tmp_path: Path) -> Iterator[Callable[..., Backend]]:
    started: list[Backend] = []

    def start(*extra: str) -> Backend:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        models_dir = tmp_path / "models"
        cmd = [ANNOTATOR, "serve", "--model", str(model_dir), "--port", str(port), "--models-dir", str(models_dir)]
        cmd += ["--url", studio_server.url, "--seed", str(REPO / "data" / "train"), *extra]
        env = {**os.environ, "LABEL_STUDIO_API_KEY": studio_server.token}
        with log.open("wb") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
        backend = Backend(f"http://127.0.0.1:{port}", proc, log, models_dir)
        started.append(backend)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(backend.url + "/health", timeout=2).status_code == 200:  # /health needs no credentials
                    backend.auth = read_credentials(models_dir / TOKEN_FILE)
                    return backend
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, f"annotator serve exited: {log.read_text()}"
            assert time.monotonic() < deadline, f"annotator serve did not come up: {log.read_text()}"
            time.sleep(0.2)

    yield start
    for backend in started:
        backend.process.send_signal(signal.SIGINT)
        try:
            backend.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            backend.process.kill()
            raise


def _push(title: str, cli_env: dict[str, str]) -> None:
    """Tasks without predictions (so that opening one asks the backend)."""
    proc = subprocess.run(
        [ANNOTATOR, "push", str(ARTICLE), "--project", title, "--no-model"],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr


def _connect(title: str, backend: Backend, cli_env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    secret = ["--backend-token-file", str(backend.models_dir / TOKEN_FILE)]
    return subprocess.run(
        [ANNOTATOR, "connect", "--project", title, "--backend", backend.url, *extra, *secret],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _project(sdk: Any, title: str) -> Any:
    [project] = [p for p in sdk.projects.list(title=title) if p.title == title]
    return project


def _label(prediction: dict[str, Any]) -> str:
    [choice] = [r for r in prediction["result"] if r["from_name"] == CHOICES_NAME and r["to_name"] == TEXT_NAME]
    return str(choice["value"]["choices"][0])


def _as_dict(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else dict(x.dict())


@pytest.mark.studio
def test_opening_a_task_asks_the_backend_for_a_prediction(
    start_backend: Callable[..., Backend], sdk: Any, title: str, cli_env: dict[str, str], model_dir: Path
) -> None:
    backend = start_backend("--no-retrain")
    version = httpx.get(backend.url + "/health").json()["model_version"]
    _push(title, cli_env)
    proc = _connect(title, backend, cli_env)
    assert proc.returncode == 0, proc.stderr
    project = _project(sdk, title)
    assert f"project {title!r} (id {project.id}) now uses the backend at {backend.url}, model {version}" in proc.stderr
    [ml] = list(sdk.ml.list(project=project.id))
    assert ml.url.rstrip("/") == backend.url
    assert project.model_version == version  # not the backend's title: predictions must show in the UI

    tasks = list(sdk.tasks.list(project=project.id, fields="all"))
    assert tasks and not any(t.predictions for t in tasks)
    opened = sdk.tasks.get(id=tasks[0].id)  # what the labelling UI does when an annotator opens the task
    [prediction] = [_as_dict(p) for p in opened.predictions]
    text = opened.data["text"]
    # the backend reads the task's sentence after the one before it (its prev), as predict_after does
    expected = predict_after(load_model(model_dir), [text], [str(opened.data.get("prev") or "")])[0]
    assert prediction["model_version"] == version
    assert _label(prediction) == expected.label
    assert 0 < prediction["score"] <= expected.score + 1e-6  # the priority, rounded to 6 places
    # the other tasks were not predicted: only the opened one asked
    others = [t for t in sdk.tasks.list(project=project.id, fields="all") if t.id != tasks[0].id]
    assert not any(t.predictions for t in others)


@pytest.mark.studio
def test_twenty_annotations_retrain_and_the_next_predictions_carry_the_new_version(
    start_backend: Callable[..., Backend],
    sdk: Any,
    title: str,
    cli_env: dict[str, str],
    model_dir: Path,
    studio_server: Any,
) -> None:
    backend = start_backend("--retrain-every", "20")
    old = httpx.get(backend.url + "/health").json()["model_version"]
    _push(title, cli_env)
    assert _connect(title, backend, cli_env, "--uncertainty-sampling").returncode == 0
    project = _project(sdk, title)
    tasks = list(sdk.tasks.list(project=project.id, fields="all"))
    assert len(tasks) > 21
    label_set = labels()
    for i, task in enumerate(tasks[:20]):
        label = label_set[i % len(label_set)]
        result = [{"from_name": CHOICES_NAME, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": [label]}}]
        sdk.annotations.create(id=task.id, result=result)
        if i == 18:  # one short of the threshold: nothing happened yet
            assert backend.status()["training"]["trainings"] == 0
    training = backend.wait_trained(1)
    new = training["last_version"]
    assert new != old
    assert training["last_labels"] == 20
    assert (backend.models_dir / new / "model.skops").is_file()
    assert sdk.projects.get(id=project.id).model_version == new  # versions never drift apart
    card = load_model(backend.models_dir / new).card
    assert card["trained_on"]["project_labels"] == 20
    # every task without the new model's prediction was predicted again; a task opened now shows the new version
    fresh = sdk.tasks.get(id=tasks[-1].id)
    versions = {_as_dict(p)["model_version"] for p in fresh.predictions}
    assert new in versions
    # the labelling stream (uncertainty sampling, set by connect) hands out the unlabelled task of lowest priority
    scores = {
        t.id: min(_as_dict(p)["score"] for p in t.predictions if _as_dict(p)["model_version"] == new)
        for t in sdk.tasks.list(project=project.id, fields="all")
        if not t.annotations
    }
    assert len(scores) == len(tasks) - 20
    headers = {"Authorization": f"Token {studio_server.token}"}
    nxt = httpx.get(f"{studio_server.url}/api/projects/{project.id}/next", headers=headers, timeout=60).json()
    assert scores[nxt["id"]] == min(scores.values())


@pytest.mark.studio
def test_load_while_retraining_gets_no_errors(
    start_backend: Callable[..., Backend], sdk: Any, title: str, cli_env: dict[str, str]
) -> None:
    backend = start_backend()
    old = httpx.get(backend.url + "/health").json()["model_version"]
    _push(title, cli_env)
    assert _connect(title, backend, cli_env).returncode == 0
    project = _project(sdk, title)
    texts = [t.data["text"] for t in sdk.tasks.list(project=project.id)]
    [ml] = list(sdk.ml.list(project=project.id))
    sdk.ml.train(id=ml.id)  # Label Studio's "Start training": START_TRAINING to the backend's /webhook
    deadline = time.monotonic() + 60
    while backend.status()["training"]["state"] != "training":
        assert time.monotonic() < deadline, backend.status()
        time.sleep(0.05)

    clients, per_client = 32, 64
    started = time.time()
    statuses, versions = asyncio.run(_load(backend.url, texts, clients, per_client, backend.auth))
    training = backend.wait_trained(1)
    assert Counter(statuses) == {200: clients * per_client}
    # the training was under way when the load began (its state was "training") and ended after that
    assert training["last_finished"] >= started
    # every answer came from the old model or, once swapped in, the new one
    assert versions <= {old, training["last_version"]}


async def _load(
    url: str, texts: list[str], clients: int, per_client: int, auth: tuple[str, str] | None
) -> tuple[list[int], set[str]]:
    statuses: list[int] = []
    versions: set[str] = set()
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120, auth=auth) as client:

        async def worker(c: int) -> None:
            for i in range(per_client):
                text = texts[(c * per_client + i) % len(texts)]
                r = await client.post("/predict", json={"tasks": [{"id": i, "data": {"text": text}}]})
                statuses.append(r.status_code)
                if r.status_code == 200:
                    versions.update(x["model_version"] for x in r.json()["results"])

        await asyncio.wait_for(asyncio.gather(*(worker(c) for c in range(clients))), timeout=600)
    return statuses, versions


@pytest.mark.studio
def test_basic_auth_reaches_predictions_and_webhooks(
    start_backend: Callable[..., Backend], sdk: Any, title: str, cli_env: dict[str, str]
) -> None:
    backend = start_backend("--basic-auth", "ls:s3cret", "--retrain-every", "100")
    assert httpx.get(backend.url + "/status").status_code == 401
    assert not (backend.models_dir / TOKEN_FILE).exists()  # --basic-auth instead of a generated secret
    auth = ("ls", "s3cret")
    version = httpx.get(backend.url + "/health", auth=auth).json()["model_version"]
    push = [ANNOTATOR, "push", str(ARTICLE), "--project", title, "--no-model"]
    connect = [ANNOTATOR, "connect", "--project", title, "--backend", backend.url, "--basic-auth", "ls:s3cret"]
    for command in (push, connect):
        proc = subprocess.run(command, env=cli_env, capture_output=True, text=True, check=False, timeout=300)
        assert proc.returncode == 0, proc.stderr
    assert f"now uses the backend at {backend.url}, model {version}" in proc.stderr
    project = _project(sdk, title)
    task = next(iter(sdk.tasks.list(project=project.id)))
    opened = sdk.tasks.get(id=task.id)  # Label Studio calls /predict with the basic auth it was given
    assert [_as_dict(p)["model_version"] for p in opened.predictions] == [version]
    result = [
        {"from_name": CHOICES_NAME, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": ["unverified"]}}
    ]
    sdk.annotations.create(id=task.id, result=result)
    deadline = time.monotonic() + 30
    while httpx.get(backend.url + "/status", auth=auth).json()["training"]["events_since_training"] < 1:
        assert time.monotonic() < deadline, "the annotation webhook did not reach the backend (its auth header?)"
        time.sleep(0.2)
    # a retraining retitles the backend; Label Studio re-checks it, with the credentials the backend hands over
    [ml] = list(sdk.ml.list(project=project.id))
    sdk.ml.train(id=ml.id)
    deadline = time.monotonic() + 300
    while (training := httpx.get(backend.url + "/status", auth=auth).json()["training"])["trainings"] < 1:
        assert training["state"] != "failed", training["last_error"]
        assert time.monotonic() < deadline, training
        time.sleep(0.5)
    assert sdk.projects.get(id=project.id).model_version == training["last_version"] != version


@pytest.mark.studio
def test_label_studio_format_imports_as_it_is(sdk: Any, title: str, model_dir: Path, tmp_path: Path) -> None:
    from annotator.labels import label_set

    out = tmp_path / "tasks.json"
    proc = subprocess.run(
        [ANNOTATOR, "prelabel", str(ARTICLE), "--model", str(model_dir), "--format", "label-studio", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    written = json.loads(out.read_text(encoding="utf-8"))
    project = sdk.projects.create(title=title, label_config=label_set().config, show_collab_predictions=True)
    sdk.projects.import_tasks(id=project.id, request=written)
    tasks = list(sdk.tasks.list(project=project.id, fields="all"))
    assert [t.data["sentence_id"] for t in tasks] == [t["data"]["sentence_id"] for t in written]
    version = written[0]["predictions"][0]["model_version"]
    assert sdk.projects.get(id=project.id).model_version == version
    for task, sent in zip(tasks, written, strict=True):
        shown = [_as_dict(p) for p in sdk.tasks.get(id=task.id).predictions]  # what the labelling UI gets
        assert len(shown) == 1
        assert shown[0]["score"] == pytest.approx(sent["predictions"][0]["score"])
        assert _label(shown[0]) == _label(sent["predictions"][0])
        assert len(shown[0]["result"]) == len(sent["predictions"][0]["result"])


# -- the training process of a retrainer: no Label Studio -----------------------------------------------------------


def _alive(pid: int | None) -> bool:
    import psutil

    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_closing_the_retrainer_stops_its_training_process(tmp_path: Path) -> None:
    import psutil

    from annotator.backend.retrain import Retrainer

    def spawned() -> set[int]:  # not multiprocessing's resource tracker, which outlives every process it serves
        return {p.pid for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())}

    before = spawned()
    retrainer = Retrainer(_Holder(), fetch=lambda project: [], seed=[], models_dir=tmp_path, load=load_model)
    started = spawned() - before
    assert started
    retrainer.close()
    assert not any(_alive(pid) for pid in started)


class _Holder:
    def swap(self, predictor: Any) -> Any:
        return predictor


# Started as its own interpreter: a retrainer whose training process is killed while the training set (larger than a
# pipe holds) is on its way to it, and that is never closed. The training process is stopped first (SIGSTOP), so
# that it reads nothing whatever the machine's speed. Under Python 3.11.2 with a ProcessPoolExecutor, the pool's
# threads were left blocked and the interpreter's exit waited on them for ever.
_KILLED_THEN_EXIT = """
import os, signal, sys, threading, time
import psutil
from annotator.backend.retrain import Retrainer

class Holder:
    def swap(self, predictor):
        return predictor

def load(path):
    raise AssertionError("no training can finish here")

def training_processes():
    return [p for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]

labels = ("attributed", "unverified", "contested")
seed = [(f"{i}: officials say the figures could not be independently verified", labels[i % 3]) for i in range(10000)]
retrainer = Retrainer(Holder(), fetch=lambda project: [], seed=seed, models_dir=sys.argv[1], load=load)
stopped = training_processes()
assert stopped, "no training process"
for child in stopped:
    child.suspend()
retrainer.request(1)
time.sleep(1)  # the training set is on its way to the stopped process
for child in stopped:
    child.kill()
assert retrainer.wait_idle(120), retrainer.status()
print(retrainer.status()["last_error"], flush=True)
print("exiting", flush=True)
"""


def test_the_interpreter_exits_after_the_training_process_was_killed(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_THEN_EXIT, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # imports and the start of the training process: up to half a minute when busy
            lines.append(line)
            if line.strip() == "exiting":
                break
        assert "the training process died" in "".join(lines), "".join(lines)
        started = time.monotonic()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(
                "the interpreter did not exit within 30 s of the end of its script (a process pool left behind)"
            )
        assert proc.returncode == 0, proc.stdout.read()
        assert time.monotonic() - started < 30
    finally:
        proc.kill()
        proc.wait()

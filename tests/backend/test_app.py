"""The ML backend over real HTTP: a uvicorn server on 127.0.0.1 in a thread, serving a model trained on the seed
corpus. The expected predictions come from calling the same Predictor directly, the expected regions from the
label config (labels.py)."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from served import ThreadServer

from annotator.backend.app import ModelHolder, Settings, create_app
from annotator.backend.retrain import Retrainer, training_set
from annotator.classifier.artefacts import load_model
from annotator.classifier.training import Model
from annotator.errors import StudioError
from annotator.labels import CHOICES_NAME, SPANS_NAME, TEXT_NAME, label_set
from annotator.predictions import Prediction

SENTENCES = [
    "The ministry denied reports that the dam had failed.",
    "Mayor Ada Pell said the footbridge would open in May.",
    "Officials say the figures could not be independently verified.",
    "Crime has soared since the new mayor took office.",
]
SOURCE, CUE = label_set().span_labels


@pytest.fixture(scope="module")
def model(model_dir: Path) -> Model:
    return load_model(model_dir)


@pytest.fixture(scope="module")
def served(model: Model) -> Iterator[tuple[str, ModelHolder]]:
    holder = ModelHolder(model)
    with ThreadServer(create_app(holder)) as server:
        yield server.url, holder


def _tasks(texts: list[str]) -> dict[str, Any]:
    return {"tasks": [{"id": i + 1, "data": {"text": t}} for i, t in enumerate(texts)], "project": "7.1700000000"}


def _regions(result: list[dict[str, Any]]) -> tuple[list[str], list[tuple[int, int]], list[tuple[int, int]]]:
    choices = [r for r in result if r["type"] == "choices"]
    spans = [r for r in result if r["type"] == "labels"]
    assert all((r["from_name"], r["to_name"]) == (CHOICES_NAME, TEXT_NAME) for r in choices)
    assert all((r["from_name"], r["to_name"]) == (SPANS_NAME, TEXT_NAME) for r in spans)
    assert len({r["id"] for r in result}) == len(result), "region ids must be unique within a prediction"
    source = [(r["value"]["start"], r["value"]["end"]) for r in spans if r["value"]["labels"] == [SOURCE]]
    cue = [(r["value"]["start"], r["value"]["end"]) for r in spans if r["value"]["labels"] == [CUE]]
    assert len(source) + len(cue) == len(spans)
    return [c for r in choices for c in r["value"]["choices"]], source, cue


def test_health_answers_up_on_both_paths(served: tuple[str, ModelHolder]) -> None:
    url, holder = served
    for path in ("/health", "/"):
        body = httpx.get(url + path).json()
        assert body["status"] == "UP"
        assert body["model_version"] == holder.model_version


def test_setup_returns_the_served_model_version(served: tuple[str, ModelHolder]) -> None:
    url, holder = served
    payload = {"project": "3.1700000000", "schema": label_set().config, "hostname": "http://x", "access_token": "t"}
    r = httpx.post(url + "/setup", json=payload)
    assert r.status_code == 200
    assert r.json() == {"model_version": holder.model_version}


def test_predict_gives_one_prediction_per_task_in_order(served: tuple[str, ModelHolder], model: Model) -> None:
    url, _ = served
    r = httpx.post(url + "/predict", json={**_tasks(SENTENCES), "label_config": label_set().config})
    assert r.status_code == 200
    results = r.json()["results"]
    expected: list[Prediction] = model.predict(SENTENCES)
    assert len(results) == len(SENTENCES)
    for text, result, want in zip(SENTENCES, results, expected, strict=True):
        assert result["model_version"] == model.model_version
        choices, source, cue = _regions(result["result"])
        assert choices == [want.label]
        assert source == list(want.source_spans)
        assert cue == list(want.cue_spans)
        for region in result["result"]:
            if region["type"] == "labels":  # offsets into the sentence, with its text
                v = region["value"]
                assert text[v["start"] : v["end"]] == v["text"]
        # the score Label Studio sorts by is the priority: the confidence, discounted for rarer labels
        assert 0 < result["score"] <= round(want.score, 6)


def test_spans_name_the_source_and_the_cue(served: tuple[str, ModelHolder]) -> None:
    url, _ = served
    text = "Mayor Ada Pell said the footbridge would open in May."
    result = httpx.post(url + "/predict", json=_tasks([text])).json()["results"][0]["result"]
    _, source, cue = _regions(result)
    assert [text[s:e] for s, e in cue] == ["said"]
    assert any("Ada Pell" in text[s:e] for s, e in source)


def test_predict_reads_the_field_the_label_config_names(served: tuple[str, ModelHolder], model: Model) -> None:
    url, _ = served
    config = label_set().config.replace('value="$text"', 'value="$body"')
    payload = {"tasks": [{"id": 1, "data": {"body": SENTENCES[0]}}], "label_config": config}
    result = httpx.post(url + "/predict", json=payload).json()["results"][0]
    assert _regions(result["result"])[0] == [model.predict([SENTENCES[0]])[0].label]


@pytest.mark.parametrize(
    ("path", "body", "status", "names"),
    [
        ("/predict", b"{not json", 400, "not valid JSON"),
        ("/predict", b"", 400, "empty request body"),
        ("/predict", b"[1, 2]", 422, "JSON object"),
        ("/predict", b'{"task": []}', 422, "'tasks' missing"),
        ("/predict", b'{"tasks": {"data": {}}}', 422, "'tasks' must be a list"),
        ("/predict", b'{"tasks": [{"id": 4}]}', 422, "tasks[0] (id 4): field 'data'"),
        ("/predict", b'{"tasks": [{"data": {"text": 5}}]}', 422, "data.text must be the sentence text"),
        (
            "/predict",
            b'{"tasks": [], "label_config": "<View><Text name=\\"x\\" value=\\"$x\\"/></View>"}',
            422,
            "<Choices name='label'>",
        ),
        ("/predict", b'{"tasks": [], "label_config": "<View"}', 422, "not valid XML"),
        ("/setup", b'{"project": "1.2", "schema": 12}', 422, "'schema'"),
        ("/setup", b'{"project": "1.2", "schema": "<View><Choices name=\\"x\\"/></View>"}', 422, "label_config has no"),
        ("/webhook", b'{"project": {"id": 1}}', 422, "'action' missing"),
        ("/webhook", b'{"action": "ANNOTATION_CREATED", "project": "x"}', 422, "project id"),
    ],
)
def test_malformed_requests_get_a_4xx_json_error(
    served: tuple[str, ModelHolder], path: str, body: bytes, status: int, names: str
) -> None:
    url, _ = served
    r = httpx.post(url + path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == status
    error = r.json()["error"]
    assert names in error
    assert "Traceback" not in r.text


def test_unknown_paths_and_methods_get_json_errors(served: tuple[str, ModelHolder]) -> None:
    url, _ = served
    assert httpx.get(url + "/nowhere").status_code == 404
    r = httpx.get(url + "/predict")
    assert r.status_code == 405
    assert "error" in r.json()


def test_too_many_tasks_is_refused(model: Model) -> None:
    with ThreadServer(create_app(ModelHolder(model), Settings(max_tasks=3))) as server:
        r = httpx.post(server.url + "/predict", json=_tasks(SENTENCES))
    assert r.status_code == 413
    assert "limit is 3" in r.json()["error"]


def test_webhook_without_retraining_ignores_annotations_and_refuses_training(served: tuple[str, ModelHolder]) -> None:
    url, _ = served
    r = httpx.post(url + "/webhook", json={"action": "ANNOTATION_CREATED", "project": {"id": 3}})
    assert r.status_code == 200 and r.json()["status"] == "ignored"
    r = httpx.post(url + "/webhook", json={"action": "PROJECT_UPDATED", "project": {"id": 3}})
    assert r.status_code == 200 and r.json()["status"] == "ignored"
    r = httpx.post(url + "/webhook", json={"action": "START_TRAINING", "project": {"id": 3}})
    assert r.status_code == 409 and "reaches no Label Studio" in r.json()["error"]


def test_basic_auth_is_required_when_set_on_every_endpoint_but_health(model: Model) -> None:
    app = create_app(ModelHolder(model), Settings(basic_auth=("ls", "s3cret")))
    good = "Basic " + base64.b64encode(b"ls:s3cret").decode()
    bad = "Basic " + base64.b64encode(b"ls:wrong").decode()
    with ThreadServer(app) as server:
        assert httpx.get(server.url + "/health").status_code == 200  # Label Studio's connection check
        assert httpx.get(server.url + "/status").status_code == 401
        assert httpx.post(server.url + "/webhook", json={"action": "START_TRAINING", "project": 1}).status_code == 401
        assert httpx.post(server.url + "/setup", json={"project": 1}).status_code == 401
        r = httpx.post(server.url + "/predict", json=_tasks(SENTENCES[:1]), headers={"Authorization": bad})
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert httpx.get(server.url + "/health", auth=("ls", "s3cret")).json()["status"] == "UP"
        r = httpx.post(server.url + "/predict", json=_tasks(SENTENCES[:1]), headers={"Authorization": good})
        assert r.status_code == 200


class _Renamed:
    """The same model under another version (to see which one answered)."""

    def __init__(self, inner: Model, version: str) -> None:
        self.inner = inner
        self.model_version = version
        self.classes = inner.classes

    def predict(self, texts: Any, *, articles: Any = None) -> list[Prediction]:
        return self.inner.predict(texts, articles=articles)


def test_swapping_the_model_under_load_loses_no_request(model: Model) -> None:
    holder = ModelHolder(model)
    versions = {model.model_version, "swapped-a", "swapped-b"}
    with ThreadServer(create_app(holder)) as server, httpx.Client(base_url=server.url) as client:
        stop = threading.Event()

        def swapper() -> int:
            n = 0
            while not stop.is_set():
                holder.swap(_Renamed(model, "swapped-a" if n % 2 == 0 else "swapped-b"))
                n += 1
                time.sleep(0.005)
            return n

        def call(i: int) -> tuple[int, set[str]]:
            r = client.post("/predict", json=_tasks(SENTENCES))
            body = r.json()
            return r.status_code, {body["model_version"], *(x["model_version"] for x in body["results"])}

        with ThreadPoolExecutor(max_workers=9) as pool:
            swaps = pool.submit(swapper)
            try:
                outcomes = list(pool.map(call, range(200)))
            finally:
                stop.set()  # a failed request must not leave the swapper running (the pool would wait for ever)
            assert swaps.result() > 10
    assert all(status == 200 for status, _ in outcomes)
    # one request is answered by one model: never a mix of versions within a response
    assert all(len(seen) == 1 and seen <= versions for _, seen in outcomes)


# -- retraining, with Label Studio replaced by functions (fault injection; the real thing is test_live_studio) --


def _seed() -> list[tuple[str, str]]:
    from annotator.backend.retrain import read_seed

    return read_seed([Path(__file__).resolve().parents[2] / "data" / "train"])


def test_training_set_prefers_the_projects_label() -> None:
    texts, labels, _ = training_set(
        [("a", "attributed"), ("b", "unverified")], [("b", "contested"), ("c", "unverified")]
    )
    assert dict(zip(texts, labels, strict=True)) == {"a": "attributed", "b": "contested", "c": "unverified"}


def test_training_set_keeps_articles_together_and_reads_unknown_ones_alone() -> None:
    seed = [("a1", "attributed", "art-1"), ("a2", "unverified", "art-1"), ("x", "contested", "")]
    texts, _, articles = training_set(seed, [("a2", "contested", "project-article"), ("y", "unverified")])
    assert texts == ["a1", "a2", "x", "y"]
    # a relabelled sentence stays in its seed article; sentences with no article each get a key of their own
    assert articles[:2] == ["art-1", "art-1"]
    assert len({articles[2], articles[3], "art-1"}) == 3


def test_failed_retraining_keeps_the_model_and_says_why(model: Model, tmp_path: Path) -> None:
    def unreachable(project: int) -> list[tuple[str, str]]:
        raise StudioError("cannot reach Label Studio at http://127.0.0.1:1 (exporting project 5): refused")

    holder = ModelHolder(model)
    retrainer = Retrainer(holder, fetch=unreachable, seed=[], models_dir=tmp_path, load=load_model, every=2)
    try:
        with ThreadServer(create_app(holder, trainer=retrainer)) as server:
            hook = {"action": "ANNOTATION_CREATED", "project": {"id": 5}}
            assert httpx.post(server.url + "/webhook", json=hook).json()["status"] == "counted"
            assert httpx.post(server.url + "/webhook", json=hook).json()["status"] == "queued"
            assert retrainer.wait_idle(60)
            health = httpx.get(server.url + "/health").json()
            status = httpx.get(server.url + "/status").json()["training"]
            r = httpx.post(server.url + "/predict", json=_tasks(SENTENCES[:1]))
    finally:
        retrainer.close()
    assert health["model_version"] == model.model_version
    assert "cannot reach Label Studio" in health["last_training_error"]
    assert status["state"] == "failed" and status["failures"] == 1
    assert r.json()["results"][0]["model_version"] == model.model_version
    assert not any(tmp_path.iterdir())


def test_retraining_swaps_in_a_saved_model_and_publishes_its_version(model: Model, tmp_path: Path) -> None:
    labelled = [(s, "contested") for s in SENTENCES]
    published: list[tuple[int, str, str]] = []
    holder = ModelHolder(model)
    retrainer = Retrainer(
        holder,
        fetch=lambda project: labelled,
        seed=_seed(),
        models_dir=tmp_path,
        load=load_model,
        publish=lambda project, old, new: published.append((project, old, new)),
    )
    try:
        with ThreadServer(create_app(holder, trainer=retrainer)) as server:
            r = httpx.post(server.url + "/webhook", json={"action": "START_TRAINING", "project": {"id": 9}})
            assert r.json()["status"] == "queued"
            assert retrainer.wait_idle(180)
            body = httpx.post(server.url + "/predict", json=_tasks(SENTENCES[:1])).json()
            status = httpx.get(server.url + "/status").json()["training"]
    finally:
        retrainer.close()
    new = holder.model_version
    assert new != model.model_version
    assert status["state"] == "idle" and status["last_version"] == new and status["last_labels"] == len(labelled)
    assert body["results"][0]["model_version"] == new
    assert published == [(9, model.model_version, new)]
    assert (tmp_path / new / "model.skops").is_file()
    assert load_model(tmp_path / new).card["trained_on"]["project_labels"] == len(labelled)


def test_a_killed_training_process_fails_that_training_only(model: Model, tmp_path: Path) -> None:
    import psutil

    holder = ModelHolder(model)
    retrainer = Retrainer(
        holder,
        fetch=lambda project: [(s, "contested") for s in SENTENCES],
        seed=_seed(),
        models_dir=tmp_path,
        load=load_model,
    )
    try:
        me = psutil.Process()
        before = {p.pid for p in me.children(recursive=True)}
        retrainer.request(4)
        deadline = time.monotonic() + 60
        while retrainer.status()["state"] != "training":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        spawned = [p for p in me.children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]
        assert spawned, f"no training process among {me.children(recursive=True)} (before: {before})"
        for p in spawned:
            p.kill()
        assert retrainer.wait_idle(120)
        failed = retrainer.status()
        assert failed["state"] == "failed" and "training process died" in failed["last_error"]
        assert holder.model_version == model.model_version
        retrainer.request(4)  # the next one gets a new process and succeeds
        assert retrainer.wait_idle(300)
        assert retrainer.status()["state"] == "idle"
        assert holder.model_version != model.model_version
    finally:
        retrainer.close()


class _Slow:
    """The real model, counted, slowed and with one poisoned sentence (fault injection for the batcher)."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.model_version = inner.model_version
        self.classes = inner.classes
        self.calls: list[int] = []

    def predict(self, texts: Any, *, articles: Any = None) -> list[Prediction]:
        from annotator.errors import ModelError

        self.calls.append(len(texts))
        time.sleep(0.05)
        if "POISON" in texts:
            raise ModelError("cannot predict POISON")
        return self.inner.predict(texts, articles=articles)


def test_concurrent_requests_share_model_calls_and_a_bad_one_fails_alone(model: Model) -> None:
    slow = _Slow(model)
    with ThreadServer(create_app(ModelHolder(slow))) as server, httpx.Client(base_url=server.url, timeout=60) as client:

        def call(i: int) -> httpx.Response:
            text = "POISON" if i == 5 else SENTENCES[i % len(SENTENCES)]
            return client.post("/predict", json=_tasks([text]))

        with ThreadPoolExecutor(max_workers=16) as pool:
            responses = list(pool.map(call, range(16)))
    expected = {t: p.label for t, p in zip(SENTENCES, model.predict(SENTENCES), strict=True)}
    for i, r in enumerate(responses):
        if i == 5:
            assert r.status_code == 422 and "cannot predict POISON" in r.json()["error"]
            continue
        assert r.status_code == 200
        assert _regions(r.json()["results"][0]["result"])[0] == [expected[SENTENCES[i % len(SENTENCES)]]]
    # fewer model calls than requests: concurrent requests were predicted together (the retries after the poisoned
    # batch are one call per request of that batch)
    assert len([n for n in slow.calls if n > 1]) >= 1
    assert sum(slow.calls) < 16 * 2


# -- webhooks from anyone: project ids checked, kept in a bounded set, trainings coalesced ----------------------


def test_a_webhook_project_is_checked_with_label_studio_before_it_is_kept(model: Model, tmp_path: Path) -> None:
    asked: list[int] = []
    fetched: list[int] = []

    def exists(project: int) -> bool:
        asked.append(project)
        if project == 13:
            raise StudioError("cannot reach Label Studio at http://127.0.0.1:1 (reading project 13): refused")
        return project < 100

    def fetch(project: int) -> list[tuple[str, str]]:
        fetched.append(project)
        raise StudioError("not in this test")

    holder = ModelHolder(model)
    retrainer = Retrainer(holder, fetch=fetch, seed=[], models_dir=tmp_path, load=load_model, every=1000)
    hook = {"action": "ANNOTATION_CREATED"}
    try:
        with ThreadServer(create_app(holder, trainer=retrainer, project_exists=exists)) as server:
            invented = [httpx.post(server.url + "/webhook", json={**hook, "project": p}) for p in range(100, 400)]
            unreachable = httpx.post(server.url + "/webhook", json={**hook, "project": 13})
            real = [httpx.post(server.url + "/webhook", json={**hook, "project": 20 + p % 40}) for p in range(80)]
            projects = httpx.get(server.url + "/status").json()["projects"]
    finally:
        retrainer.close()
    assert {r.status_code for r in invented} == {404}
    assert invented[0].json()["error"] == "ANNOTATION_CREATED: Label Studio has no project 100"
    assert unreachable.status_code == 503 and "cannot check project 13" in unreachable.json()["error"]
    assert {r.status_code for r in real} == {200}
    assert asked.count(100) == 1 and asked.count(13) == 1  # an unknown id is not kept: asked each time it comes
    assert len(projects) == 32 and not set(projects) & {13, *range(100, 400)}  # bounded; none invented
    assert retrainer.status()["events_since_training"] == 80
    assert fetched == []


def test_training_requests_are_coalesced_while_one_runs(model: Model, tmp_path: Path) -> None:
    """20 START_TRAINING in a row: one training starts, one more (not before min_interval) for all the others."""
    fetched: list[int] = []

    def fetch_nothing(project: int) -> list[tuple[str, str]]:
        fetched.append(project)
        raise StudioError("not in this test")

    holder = ModelHolder(model)
    retrainer = Retrainer(holder, fetch=fetch_nothing, seed=[], models_dir=tmp_path, load=load_model, min_interval=4)
    try:
        with ThreadServer(create_app(holder, trainer=retrainer)) as server, httpx.Client(base_url=server.url) as client:
            for _ in range(20):
                r = client.post("/webhook", json={"action": "START_TRAINING", "project": 2})
                assert r.json()["status"] == "queued"
                time.sleep(0.1)  # a request every 0.1 s, each longer than a training (they fail at once here)
            assert retrainer.wait_idle(30)
    finally:
        retrainer.close()
    assert 1 <= retrainer.status()["failures"] <= 2
    assert len(fetched) <= 2


def test_one_project_that_fails_leaves_the_others_to_train_on(model: Model, tmp_path: Path) -> None:
    def fetch(project: int) -> list[tuple[str, str]]:
        if project == 666:
            raise StudioError("Label Studio at http://127.0.0.1:8080 failed exporting project 666: HTTP 404")
        return [(s, "contested") for s in SENTENCES]

    holder = ModelHolder(model)
    retrainer = Retrainer(holder, fetch=fetch, seed=_seed(), models_dir=tmp_path, load=load_model)
    try:
        retrainer.notify("START_TRAINING", 666)
        retrainer.notify("START_TRAINING", 5)
        assert retrainer.wait_idle(180)
        status = retrainer.status()
    finally:
        retrainer.close()
    assert status["state"] == "idle" and status["failures"] == 0, status["last_error"]
    assert status["last_labels"] == len(SENTENCES) and holder.model_version != model.model_version
    assert load_model(tmp_path / holder.model_version).card["trained_on"]["projects"] == [5]

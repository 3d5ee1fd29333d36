"""The ML backend Label Studio 1.23 talks to: HTTP in, predictions out. No ML inside: it calls the loaded
:class:`~annotator.predictions.Predictor` and, for retraining, a :class:`~annotator.backend.retrain.Retrainer`.

Endpoints (JSON in and out):

``GET /health``, ``GET /``
    ``{"status": "UP", "model_class": ..., "model_version": ...}``: Label Studio's connection check.
``GET /status``
    The model version, its classes, and the retraining state (last success, last failure and why).
``POST /setup``
    ``{project, schema, hostname, access_token, ...}`` -> ``{"model_version": ...}``. A label config without our
    controls (``<Choices name="label">``, ``<Labels name="span">`` on ``<Text name="sentence">``) is refused (422).
``POST /predict``
    ``{tasks: [...], project, label_config, params}`` -> ``{"results": [...]}``: one prediction per task, in order,
    each ``{"model_version", "score", "result"}`` with the ``choices`` region for the label and ``labels`` regions
    for the Source and Cue spans (end-exclusive character offsets into the sentence). ``score`` is the labelling
    priority (:mod:`annotator.prelabel.priority`): sort the Data Manager by prediction score, ascending, to label the
    sentences that teach the model most first.
``POST /webhook``
    ``ANNOTATION_CREATED`` / ``ANNOTATION_UPDATED`` (counted; every ``retrain_every`` of them start a retraining)
    and ``START_TRAINING`` (starts one now). Retraining runs in the background; predictions go on meanwhile.

Malformed requests get a 4xx ``{"error": ...}`` naming the field; unexpected failures a 500 ``{"error": ...}``
(logged with their traceback, never sent).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from xml.etree import ElementTree

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from annotator.errors import AnnotatorError
from annotator.labels import CHOICES_NAME, SPANS_NAME, TEXT_NAME, label_set
from annotator.predictions import Prediction, Predictor
from annotator.prelabel.priority import Ranker
from annotator.studio.tasks import prediction_json

log = logging.getLogger("annotator.backend.app")

MODEL_CLASS = "annotator"
TRAINING_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "START_TRAINING")


@dataclass(frozen=True)
class Settings:
    """How the backend runs.

    Parameters
    ----------
    basic_auth
        ``(user, password)``: every request must carry them as HTTP basic auth (Label Studio's ML settings have
        the same two fields). None: no authentication.
    max_tasks
        The most tasks one ``/predict`` request may carry (413 beyond).
    max_body
        The largest request body accepted, in bytes (413 beyond).
    """

    basic_auth: tuple[str, str] | None = None
    max_tasks: int = 10_000
    max_body: int = 64 * 1024 * 1024


# -- the live model ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """One model and the distribution of the labels it predicted (for the priority): replaced whole, never
    changed in place, so a request that took it keeps a consistent pair."""

    predictor: Predictor
    ranker: Ranker


class ModelHolder:
    """The model being served. :meth:`swap` replaces it with one reference assignment (atomic in Python): a
    request in flight finishes with the model it started with, the next one gets the new model, none waits."""

    def __init__(self, predictor: Predictor) -> None:
        self._live = Live(predictor, Ranker(predictor.classes))

    @property
    def live(self) -> Live:
        """The current model and its ranker (read once per request)."""
        return self._live

    @property
    def model_version(self) -> str:
        return self._live.predictor.model_version

    def swap(self, predictor: Predictor) -> Predictor:
        """Serve ``predictor`` from now on; return the one it replaces."""
        old = self._live.predictor
        self._live = Live(predictor, Ranker(predictor.classes))
        return old


class Trainer(Protocol):
    """What the backend needs from a retrainer (:class:`annotator.backend.retrain.Retrainer`)."""

    def notify(self, action: str, project: int | None) -> str: ...

    def status(self) -> dict[str, Any]: ...


class Batcher:
    """Runs concurrent ``/predict`` requests as one model call: while a call runs, new requests wait and are then
    predicted together (up to ``limit`` sentences per call; only requests that took the same model are joined).
    A lone request waits for nothing. The model's cost is mostly per call, so 32 clients cost about one call each
    round instead of 32. Belongs to one app (one event loop)."""

    def __init__(self, limit: int = 512) -> None:
        self.limit = limit
        self._pending: list[tuple[Live, list[str], asyncio.Future[list[dict[str, Any]]]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def predict(self, live: Live, texts: list[str]) -> list[dict[str, Any]]:
        """The Label Studio predictions of ``texts`` by ``live``'s model, in order."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[dict[str, Any]]] = loop.create_future()
        self._pending.append((live, texts, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    def _take(self) -> tuple[Live, list[tuple[list[str], asyncio.Future[list[dict[str, Any]]]]]]:
        live = self._pending[0][0]
        batch: list[tuple[list[str], asyncio.Future[list[dict[str, Any]]]]] = []
        rest = []
        n = 0
        for item in self._pending:
            if item[0] is live and (not batch or n + len(item[1]) <= self.limit):
                batch.append((item[1], item[2]))
                n += len(item[1])
            else:
                rest.append(item)
        self._pending = rest
        return live, batch

    async def _drain(self) -> None:
        while self._pending:
            live, batch = self._take()
            texts = [t for ts, _ in batch for t in ts]
            try:
                results = await run_in_threadpool(_predict, live, texts)
            except Exception:  # one request's fault must not fail the others: predict them one by one
                for ts, future in batch:
                    try:
                        one = await run_in_threadpool(_predict, live, ts)
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                    else:
                        if not future.done():
                            future.set_result(one)
                continue
            start = 0
            for ts, future in batch:
                if not future.done():  # a client that went away has its future cancelled
                    future.set_result(results[start : start + len(ts)])
                start += len(ts)


# -- request checks -----------------------------------------------------------------------------------------------


class BadRequestError(Exception):
    """A request the backend refuses, with the status code and the message sent back."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def _json_body(request: Request, settings: Settings) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > settings.max_body:
        raise BadRequestError(413, f"request body of {declared} bytes is over the limit of {settings.max_body}")
    body = await request.body()
    if len(body) > settings.max_body:
        raise BadRequestError(413, f"request body of {len(body)} bytes is over the limit of {settings.max_body}")
    if not body.strip():
        raise BadRequestError(400, "empty request body; expected a JSON object")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequestError(400, f"request body is not valid JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise BadRequestError(422, f"request body must be a JSON object; got {type(payload).__name__}")
    return payload


def _project_id(value: Any) -> int | None:
    """Label Studio sends the project as an id, as ``"12.1700000000"`` (id.timestamp) or as ``{"id": 12, ...}``."""
    if isinstance(value, Mapping):
        value = value.get("id")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        head = value.split(".", 1)[0]
        if head.isdigit():
            return int(head)
    return None


@lru_cache(maxsize=64)
def _text_key(config: str) -> str:
    """The task data field the ``<Text name="sentence">`` object shows (``$text`` -> ``text``) in ``config``."""
    try:
        root = ElementTree.fromstring(config)
    except ElementTree.ParseError as exc:
        raise BadRequestError(422, f"label_config is not valid XML ({exc})") from exc
    names = {node.get("name"): node for node in root.iter()}
    missing = [
        f"<{tag} name={name!r}>"
        for tag, name in (("Choices", CHOICES_NAME), ("Labels", SPANS_NAME), ("Text", TEXT_NAME))
        if name not in names or names[name].tag != tag
    ]
    if missing:
        raise BadRequestError(
            422, f"label_config has no {', '.join(missing)}; use annotator's schemas/label_config.xml"
        )
    value = names[TEXT_NAME].get("value", "")
    if not value.startswith("$") or len(value) < 2:
        raise BadRequestError(422, f"label_config: <Text name={TEXT_NAME!r}> has value {value!r}, not a $field")
    return value[1:]


def _texts(tasks: Any, key: str, settings: Settings) -> list[str]:
    if not isinstance(tasks, list):
        raise BadRequestError(422, f"field 'tasks' must be a list of tasks; got {type(tasks).__name__}")
    if len(tasks) > settings.max_tasks:
        raise BadRequestError(413, f"{len(tasks)} tasks in one request; the limit is {settings.max_tasks}")
    texts = []
    for i, task in enumerate(tasks):
        where = f"tasks[{i}]" + (f" (id {task.get('id')})" if isinstance(task, dict) and "id" in task else "")
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            raise BadRequestError(422, f"{where}: field 'data' missing or not an object")
        text = data.get(key)
        if not isinstance(text, str):
            got = "missing" if text is None else f"a {type(text).__name__}"
            raise BadRequestError(422, f"{where}: data.{key} must be the sentence text; it is {got}")
        texts.append(text)
    return texts


# -- the app -----------------------------------------------------------------------------------------------------


Handler = Callable[[Request], Awaitable[Response]]


def create_app(holder: ModelHolder, settings: Settings | None = None, *, trainer: Trainer | None = None) -> Starlette:
    """The ASGI app serving ``holder``'s model.

    Parameters
    ----------
    holder
        The model being served; a retrainer swaps new models into it.
    settings
        Authentication and request limits (default: none and the defaults of :class:`Settings`).
    trainer
        Receives annotation and training events; None: the backend only predicts (``START_TRAINING`` gets 409).
    """
    settings = settings or Settings()
    expected_auth = None
    if settings.basic_auth is not None:
        user, password = settings.basic_auth
        expected_auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    default_key = _text_key(label_set().config)
    batcher = Batcher()
    # projects this backend has been set up for or heard from: their model_version follows ours
    projects: set[int] = set()
    projects_lock = threading.Lock()

    def remember(project: int | None) -> None:
        if project is not None:
            with projects_lock:
                projects.add(project)

    def guarded(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            if expected_auth is not None and not _auth_ok(request.headers.get("authorization"), expected_auth):
                return JSONResponse(
                    {"error": "authentication required"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="annotator"'},
                )
            try:
                return await handler(request)
            except BadRequestError as exc:
                return JSONResponse({"error": exc.message}, status_code=exc.status)
            except AnnotatorError as exc:
                return JSONResponse({"error": str(exc)}, status_code=422)

        return endpoint

    def training_status() -> dict[str, Any]:
        return trainer.status() if trainer is not None else {"state": "off"}

    async def health(request: Request) -> Response:
        body: dict[str, Any] = {"status": "UP", "model_class": MODEL_CLASS, "model_version": holder.model_version}
        status = training_status()
        if status.get("last_error"):
            body["last_training_error"] = status["last_error"]
        return JSONResponse(body)

    async def status(request: Request) -> Response:
        live = holder.live
        return JSONResponse(
            {
                "model_version": live.predictor.model_version,
                "classes": list(live.predictor.classes),
                "predicted": dict(live.ranker.counts),
                "projects": sorted(projects),
                "training": training_status(),
            }
        )

    async def setup(request: Request) -> Response:
        payload = await _json_body(request, settings)
        schema = payload.get("schema")
        if schema is not None:
            if not isinstance(schema, str):
                raise BadRequestError(422, f"field 'schema' must be the label config XML; got {type(schema).__name__}")
            _text_key(schema)
        remember(_project_id(payload.get("project")))
        return JSONResponse({"model_version": holder.model_version})

    async def predict(request: Request) -> Response:
        payload = await _json_body(request, settings)
        if "tasks" not in payload:
            raise BadRequestError(422, f"field 'tasks' missing; got fields {sorted(payload)}")
        config = payload.get("label_config")
        if config is not None and not isinstance(config, str):
            raise BadRequestError(422, f"field 'label_config' must be XML text; got {type(config).__name__}")
        key = _text_key(config) if config else default_key
        texts = _texts(payload["tasks"], key, settings)
        remember(_project_id(payload.get("project")))
        live = holder.live
        results = await batcher.predict(live, texts)
        return JSONResponse({"results": results, "model_version": live.predictor.model_version})

    async def webhook(request: Request) -> Response:
        payload = await _json_body(request, settings)
        action = payload.get("action")
        if not isinstance(action, str) or not action:
            raise BadRequestError(422, f"field 'action' missing or not a string; got fields {sorted(payload)}")
        project = _project_id(payload.get("project"))
        if action not in TRAINING_ACTIONS:
            return JSONResponse({"status": "ignored", "action": action})
        if project is None:
            raise BadRequestError(422, f"{action}: field 'project' must carry the project id")
        remember(project)
        if trainer is None:
            if action == "START_TRAINING":
                raise BadRequestError(409, "retraining is off: the backend reaches no Label Studio to read labels from")
            return JSONResponse({"status": "ignored", "action": action, "reason": "retraining is off"})
        state = trainer.notify(action, project)
        return JSONResponse({"status": state, "action": action, "model_version": holder.model_version})

    async def not_found(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 404
        return JSONResponse({"error": f"{request.method} {request.url.path}: {_REASONS.get(code, 'error')}"}, code)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); see the backend's log"}, 500)

    routes = [
        Route("/", guarded(health), methods=["GET"]),
        Route("/health", guarded(health), methods=["GET"]),
        Route("/status", guarded(status), methods=["GET"]),
        Route("/setup", guarded(setup), methods=["POST"]),
        Route("/predict", guarded(predict), methods=["POST"]),
        Route("/webhook", guarded(webhook), methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found, Exception: server_error})
    app.state.holder = holder
    app.state.projects = projects
    return app


_REASONS = {404: "no such endpoint", 405: "method not allowed"}


def _auth_ok(header: str | None, expected: str) -> bool:
    if header is None:
        return False
    try:
        return hmac.compare_digest(header.encode("latin-1"), expected.encode("latin-1"))
    except (UnicodeEncodeError, binascii.Error):
        return False


def _predict(live: Live, texts: Sequence[str]) -> list[dict[str, Any]]:
    predictions: list[Prediction] = live.predictor.predict(texts)
    version = live.predictor.model_version
    priorities = live.ranker.priorities(predictions)
    out = []
    for text, prediction, priority in zip(texts, predictions, priorities, strict=True):
        result = prediction_json(prediction, text, model_version=version)
        result["score"] = priority
        out.append(result)
    return out


def serve(app: Starlette, *, host: str = "127.0.0.1", port: int = 9090, log_level: str = "info") -> None:
    """Run ``app`` with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)

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
    and ``START_TRAINING`` (starts one now). Retraining runs in the background; predictions go on meanwhile. A project
    id is asked of Label Studio before it is kept (404 if it has no such project), and at most
    :data:`MAX_PROJECTS` are kept.

Every endpoint but ``/health`` needs the credentials of :class:`Settings` (401 otherwise); every request, ``/health``
too, needs a ``Host`` of this backend and no foreign ``Origin`` (403, :mod:`annotator.backend.guard`). A client that
goes away before its body is read is one INFO line in the log.

Malformed requests get a 4xx ``{"error": ...}`` naming the field; unexpected failures a 500 ``{"error": ...}``
(logged with their traceback, never sent). The checks are :mod:`annotator.backend.checks`'s, the model being served
and the batching of requests :mod:`annotator.backend.serving`'s.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from annotator.backend.checks import (
    BadRequestError,
    Settings,
    auth_ok,
    json_body,
    project_id,
    task_texts,
    text_key,
)
from annotator.backend.guard import HostGuard
from annotator.backend.server import serve
from annotator.backend.serving import Batcher, Live, ModelHolder
from annotator.errors import AnnotatorError
from annotator.labels import label_set

__all__ = ["MODEL_CLASS", "TRAINING_ACTIONS", "Live", "ModelHolder", "Settings", "Trainer", "create_app", "serve"]

log = logging.getLogger("annotator.backend.app")

MODEL_CLASS = "annotator"
TRAINING_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "START_TRAINING")
#: the most projects the backend keeps (those it predicts for, those it retrains from)
MAX_PROJECTS = 32
_REASONS = {404: "no such endpoint", 405: "method not allowed"}

Handler = Callable[[Request], Awaitable[Response]]


class Trainer(Protocol):
    """What the backend needs from a retrainer (:class:`annotator.backend.retrain.Retrainer`)."""

    def notify(self, action: str, project: int | None) -> str: ...

    def status(self) -> dict[str, Any]: ...


def create_app(
    holder: ModelHolder,
    settings: Settings | None = None,
    *,
    trainer: Trainer | None = None,
    project_exists: Callable[[int], bool] | None = None,
) -> Starlette:
    """The ASGI app serving ``holder``'s model.

    Parameters
    ----------
    holder
        The model being served; a retrainer swaps new models into it.
    settings
        Authentication and request limits (default: none and the defaults of :class:`Settings`).
    trainer
        Receives annotation and training events; None: the backend only predicts (``START_TRAINING`` gets 409).
    project_exists
        ``project id -> bool``: whether Label Studio has the project (may raise
        :class:`~annotator.errors.AnnotatorError` when it cannot tell); asked once per project before a webhook's
        project is kept. None: every id is taken as it comes.
    """
    settings = settings or Settings()
    endpoints = _Endpoints(holder, settings, trainer, project_exists)
    guarded = endpoints.guarded
    routes = [
        Route("/", guarded(endpoints.health, public=True), methods=["GET"]),
        Route("/health", guarded(endpoints.health, public=True), methods=["GET"]),
        Route("/status", guarded(endpoints.status), methods=["GET"]),
        Route("/setup", guarded(endpoints.setup), methods=["POST"]),
        Route("/predict", guarded(endpoints.predict), methods=["POST"]),
        Route("/webhook", guarded(endpoints.webhook), methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(HostGuard, hosts=settings.hosts, port=settings.port)],
        exception_handlers={HTTPException: _not_found, Exception: _server_error},
    )
    app.state.holder = holder
    app.state.projects = endpoints.projects
    return app


class _Endpoints:
    """The handlers of one app, and what they share: the model, the settings, the trainer, the batcher and the
    projects this backend has been set up for or heard from (their model_version follows ours)."""

    def __init__(
        self,
        holder: ModelHolder,
        settings: Settings,
        trainer: Trainer | None,
        project_exists: Callable[[int], bool] | None,
    ) -> None:
        self.holder = holder
        self.settings = settings
        self.trainer = trainer
        self.project_exists = project_exists
        self.default_key = text_key(label_set().config)
        self.batcher = Batcher()
        # the most recent last, at most MAX_PROJECTS each: the projects heard from, those Label Studio confirmed
        self.projects: OrderedDict[int, None] = OrderedDict()
        self.confirmed: OrderedDict[int, None] = OrderedDict()
        self._projects_lock = threading.Lock()

    def remember(self, project: int | None, where: OrderedDict[int, None] | None = None) -> None:
        if project is None:
            return
        kept = self.projects if where is None else where
        with self._projects_lock:
            kept[project] = None
            kept.move_to_end(project)
            while len(kept) > MAX_PROJECTS:
                kept.popitem(last=False)

    async def known(self, project: int) -> bool:
        """Whether Label Studio has ``project`` (asked once; a failure to ask is a 503, and is not kept)."""
        check = self.project_exists
        with self._projects_lock:
            if check is None or project in self.confirmed:
                return True
        try:
            exists = await run_in_threadpool(check, project)
        except AnnotatorError as exc:
            raise BadRequestError(503, f"cannot check project {project} with Label Studio: {exc}") from exc
        if exists:
            self.remember(project, self.confirmed)
        return exists

    def guarded(self, handler: Handler, *, public: bool = False) -> Handler:
        """``handler`` behind the authentication check (unless ``public``), its refusals turned into 4xx JSON
        bodies."""
        credentials = self.settings.basic_auth

        async def endpoint(request: Request) -> Response:
            authorization = request.headers.get("authorization")
            if not public and credentials is not None and not auth_ok(authorization, credentials):
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
            except ClientDisconnect:
                log.info("%s %s: the client went away before its request was read", request.method, request.url.path)
                return Response(status_code=400)

        return endpoint

    def training_status(self) -> dict[str, Any]:
        return self.trainer.status() if self.trainer is not None else {"state": "off"}

    async def health(self, request: Request) -> Response:
        body: dict[str, Any] = {"status": "UP", "model_class": MODEL_CLASS, "model_version": self.holder.model_version}
        status = self.training_status()
        if status.get("last_error"):
            body["last_training_error"] = status["last_error"]
        return JSONResponse(body)

    async def status(self, request: Request) -> Response:
        live = self.holder.live
        return JSONResponse(
            {
                "model_version": live.predictor.model_version,
                "classes": list(live.predictor.classes),
                "predicted": dict(live.ranker.counts),
                "projects": sorted(self.projects),
                "training": self.training_status(),
            }
        )

    async def setup(self, request: Request) -> Response:
        payload = await json_body(request, self.settings)
        schema = payload.get("schema")
        if schema is not None:
            if not isinstance(schema, str):
                raise BadRequestError(422, f"field 'schema' must be the label config XML; got {type(schema).__name__}")
            text_key(schema)
        self.remember(project_id(payload.get("project")))
        return JSONResponse({"model_version": self.holder.model_version})

    async def predict(self, request: Request) -> Response:
        payload = await json_body(request, self.settings)
        if "tasks" not in payload:
            raise BadRequestError(422, f"field 'tasks' missing; got fields {sorted(payload)}")
        config = payload.get("label_config")
        if config is not None and not isinstance(config, str):
            raise BadRequestError(422, f"field 'label_config' must be XML text; got {type(config).__name__}")
        key = text_key(config) if config else self.default_key
        texts = task_texts(payload["tasks"], key, self.settings)
        self.remember(project_id(payload.get("project")))
        live: Live = self.holder.live
        results = await self.batcher.predict(live, texts)
        return JSONResponse({"results": results, "model_version": live.predictor.model_version})

    async def webhook(self, request: Request) -> Response:
        payload = await json_body(request, self.settings)
        action = payload.get("action")
        if not isinstance(action, str) or not action:
            raise BadRequestError(422, f"field 'action' missing or not a string; got fields {sorted(payload)}")
        project = project_id(payload.get("project"))
        if action not in TRAINING_ACTIONS:
            return JSONResponse({"status": "ignored", "action": action})
        if project is None:
            raise BadRequestError(422, f"{action}: field 'project' must carry the project id")
        if self.trainer is None:
            if action == "START_TRAINING":
                raise BadRequestError(409, "retraining is off: the backend reaches no Label Studio to read labels from")
            return JSONResponse({"status": "ignored", "action": action, "reason": "retraining is off"})
        if not await self.known(project):
            raise BadRequestError(404, f"{action}: Label Studio has no project {project}")
        self.remember(project)
        state = self.trainer.notify(action, project)
        return JSONResponse({"status": state, "action": action, "model_version": self.holder.model_version})


async def _not_found(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 404
    return JSONResponse({"error": f"{request.method} {request.url.path}: {_REASONS.get(code, 'error')}"}, code)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": f"internal error ({type(exc).__name__}); see the backend's log"}, 500)

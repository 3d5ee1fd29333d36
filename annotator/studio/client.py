"""The only module that talks to Label Studio (through ``label-studio-sdk``'s ``LabelStudio`` client).

Every call is wrapped so that a server that cannot be reached, refuses the token or answers with an error becomes a
one-line :class:`~annotator.errors.StudioError`. The SDK tells legacy tokens from personal access tokens (JWT refresh
tokens, exchanged for short-lived access tokens) by itself. Tokens never appear in messages.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from annotator.errors import StudioError
from annotator.studio.redact import redact, redact_url

URL_ENV = "LABEL_STUDIO_URL"
TOKEN_ENV = "LABEL_STUDIO_API_KEY"
_NO_RETRY: dict[str, Any] = {"max_retries": 0}  # an import retried after a dropped connection could duplicate tasks


@dataclass(frozen=True)
class Project:
    """A Label Studio project, as far as we use it."""

    id: int
    title: str
    model_version: str
    maximum_annotations: int
    task_count: int
    label_config: str = ""


@dataclass(frozen=True)
class TaskRef:
    """A task already in a project: its id and the sentence it holds."""

    id: int
    sentence_id: str
    text: str
    prev: str = ""  # the sentence before it in its article ("" at the start)


@dataclass(frozen=True)
class Mark:
    """An annotation as a poll sees it: id, last saved (UTC, Data Manager format, sorts as text), a skip or not."""

    id: int
    updated_at: str
    cancelled: bool = False


def _dm_time(value: Any) -> str:
    """A time from the API (a datetime or an ISO 8601 string) in the Data Manager's filter format, UTC."""
    from datetime import UTC, datetime

    if value is None or value == "":
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _reason(exc: Exception) -> str:
    from label_studio_sdk.core.api_error import ApiError

    if isinstance(exc, ApiError):
        body = exc.body
        if isinstance(body, Mapping):
            detail = body.get("detail") or body.get("validation_errors") or body
            body = json.dumps(detail, ensure_ascii=False) if not isinstance(detail, str) else detail
        text = " ".join(str(body).split())
        if exc.status_code == 401:
            return f"the token was refused (HTTP 401): {text[:200]}; check the API token (${TOKEN_ENV})"
        return f"HTTP {exc.status_code}: {text[:300]}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class Studio:
    """A connection to one Label Studio server."""

    def __init__(self, url: str, token: str, *, timeout: float = 600.0) -> None:
        from label_studio_sdk.client import LabelStudio

        if not url:
            raise StudioError(f"no Label Studio URL (${URL_ENV} unset)")
        token = token.strip()  # a token file's line end, or a CR pasted with it, is not part of the token
        if not token:
            raise StudioError(f"no Label Studio API token (${TOKEN_ENV} unset)")
        if not token.isprintable() or any(c.isspace() for c in token):
            raise StudioError("the API token contains a space or a control character (not shown); check it")
        self._secrets = (token,)
        self.url = redact_url(url.rstrip("/"))  # for messages and links: without a user:password@
        with self._call("reading the token"):
            # the SDK's client is typed, but loosely enough that Any is the honest type here
            self.client: Any = LabelStudio(base_url=url.rstrip("/"), api_key=token, timeout=timeout)  # type: ignore[no-untyped-call]

    @contextlib.contextmanager
    def _call(self, what: str) -> Iterator[None]:
        import httpx
        from label_studio_sdk.core.api_error import ApiError

        try:
            yield
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            reason = redact(str(exc), self._secrets)
            raise StudioError(f"cannot reach Label Studio at {self.url} ({what}): {reason}; is it running?") from None
        except (httpx.HTTPError, ApiError) as exc:
            # from None: the chained exception's text may quote a header or a URL with the token
            raise StudioError(
                f"Label Studio at {self.url} failed {what}: {redact(_reason(exc), self._secrets)}"
            ) from None

    def check(self) -> str:
        """Who we are logged in as (and proof that the server answers and takes the token)."""
        with self._call("checking the connection"):
            me = self.client.users.whoami()
        return str(me.email or me.username or me.id)

    # -- projects ---------------------------------------------------------------------------------

    def find_project(self, title: str) -> Project | None:
        """The project with this title, or None (the oldest, if several share it)."""
        with self._call(f"looking up project {title!r}"):
            found = [p for p in self.client.projects.list(title=title, page_size=100) if p.title == title]
        if not found:
            return None
        return self.get_project(min(int(p.id) for p in found if p.id is not None))

    def get_project(self, project_id: int) -> Project:
        with self._call(f"reading project {project_id}"):
            p = self.client.projects.get(id=project_id)
        return Project(
            id=int(p.id or project_id),
            title=str(p.title),
            model_version=str(p.model_version or ""),
            maximum_annotations=int(p.maximum_annotations or 1),
            task_count=int(p.task_number or 0),
            label_config=str(p.label_config or ""),
        )

    def create_project(self, title: str, *, label_config: str, instructions: str, overlap: int) -> Project:
        """Create a project with the label config, the guideline as instructions shown before labelling."""
        with self._call(f"creating project {title!r}"):
            p = self.client.projects.create(
                title=title,
                label_config=label_config,
                expert_instruction=instructions,
                show_instruction=True,
                show_collab_predictions=True,
                maximum_annotations=overlap,
                show_skip_button=True,
            )
        return self.get_project(int(p.id))

    def update_project(self, project_id: int, **fields: Any) -> None:
        """Set project fields (``model_version``, ``maximum_annotations``, ...)."""
        with self._call(f"updating project {project_id}"):
            self.client.projects.update(id=project_id, **fields)

    # -- tasks ------------------------------------------------------------------------------------

    def task_refs(self, project_id: int, *, page_size: int = 1000) -> Iterator[TaskRef]:
        """The tasks of a project: id, sentence id and text (only the task data: no annotations or predictions)."""
        with self._call(f"listing the tasks of project {project_id}"):
            pager = self.client.tasks.list(
                project=project_id, fields="task_only", include="id,data", page_size=page_size
            )
            for task in pager:
                data = task.data or {}
                yield TaskRef(
                    id=int(task.id),
                    sentence_id=str(data.get("sentence_id", "")),
                    text=str(data.get("text", "")),
                    prev=str(data.get("prev") or ""),
                )

    def tasks_without_model(self, project_id: int, model_version: str, *, page_size: int = 5000) -> set[int]:
        """Ids of the project's tasks that have no prediction of ``model_version`` (a Data Manager filter)."""
        item = {
            "filter": "filter:tasks:predictions_model_versions",
            "operator": "not_contains",
            "value": [model_version],
            "type": "List",
        }
        query = json.dumps({"filters": {"conjunction": "and", "items": [item]}})
        with self._call(f"listing the tasks of project {project_id} without predictions of {model_version!r}"):
            pager = self.client.tasks.list(
                project=project_id, fields="task_only", include="id", query=query, page_size=page_size
            )
            return {int(task.id) for task in pager}

    def annotated_since(self, project_id: int, since: str, *, page_size: int = 100) -> tuple[list[Mark], str]:
        """What changed in a project after ``since`` (UTC, in the Data Manager's format ``%Y-%m-%dT%H:%M:%S.%fZ``):
        the annotations of the tasks updated since, oldest first, and the newest task ``updated_at`` seen, to pass
        next time (``since`` if nothing changed).

        A task's ``updated_at`` moves when one of its annotations (or predictions) is saved or deleted, so a poll
        reads only the tasks that changed.
        """
        item = {"filter": "filter:tasks:updated_at", "operator": "greater", "value": since, "type": "Datetime"}
        query = json.dumps({"filters": {"conjunction": "and", "items": [item]}, "ordering": ["-tasks:updated_at"]})
        marks: list[Mark] = []
        newest = since
        with self._call(f"listing the tasks of project {project_id} updated since {since}"):
            for task in self.client.tasks.list(project=project_id, fields="all", query=query, page_size=page_size):
                newest = max(newest, _dm_time(getattr(task, "updated_at", None)))
                for annotation in getattr(task, "annotations", None) or []:
                    get = annotation.get if isinstance(annotation, Mapping) else partial(getattr, annotation)
                    updated = _dm_time(get("updated_at", None) or get("created_at", None))
                    marks.append(Mark(int(get("id", 0) or 0), updated, bool(get("was_cancelled", False))))
        return sorted(marks, key=lambda m: (m.updated_at, m.id)), newest

    def import_tasks(self, project_id: int, tasks: Sequence[Mapping[str, Any]]) -> int:
        """Import tasks (with their predictions) in ONE request; return how many the server created.

        Not retried: if the connection drops, the server may or may not have committed the batch, and a blind
        retry would duplicate it. Callers re-read the project and send what is missing.
        """
        with self._call(f"importing {len(tasks)} tasks into project {project_id}"):
            response = self.client.projects.import_tasks(  # plain JSON tasks: no pydantic model per task
                id=project_id, request=tasks, commit_to_project=True, request_options=_NO_RETRY
            )
        return int(getattr(response, "task_count", None) or 0)

    def update_task(self, task_id: int, data: Mapping[str, Any], results: Mapping[int, Any]) -> None:
        """Replace a task's data and the result of some of its predictions (by prediction id)."""
        with self._call(f"updating task {task_id}"):
            self.client.tasks.update(id=str(task_id), data=dict(data))
            for prediction_id, result in results.items():
                self.client.predictions.update(id=prediction_id, result=list(result))

    def import_predictions(self, project_id: int, predictions: Sequence[Mapping[str, Any]]) -> int:
        """Add predictions (each with its ``task`` id) to existing tasks in one request."""
        with self._call(f"importing {len(predictions)} predictions into project {project_id}"):
            response = self.client.projects.import_predictions(
                id=project_id,
                request=predictions,
                request_options=_NO_RETRY,
            )
        return int(getattr(response, "created", None) or len(predictions))

    # -- export -----------------------------------------------------------------------------------

    def export_snapshot(self, project_id: int, *, timeout: float = 1800.0, every: bool = False) -> list[dict[str, Any]]:
        """Every task with annotations (``every``: every task), annotators as emails, full predictions, through an
        export snapshot (create, wait, download, delete); the download is spooled to a file, not held twice."""
        with self._call(f"exporting project {project_id}"):
            snapshot = self.client.projects.exports.create(
                id=project_id,
                title="annotator pull",
                task_filter_options={"only_with_annotations": not every},
                serialization_options={
                    "predictions": {"only_id": False},
                    "annotations__completed_by": {"only_id": False},
                    "drafts": {"only_id": True},
                    "include_annotation_history": False,
                },
            )
            pk = int(snapshot.id)
            try:
                deadline = time.monotonic() + timeout
                while str(snapshot.status) not in ("completed", "failed"):
                    if time.monotonic() > deadline:
                        raise StudioError(f"export of project {project_id} did not finish in {timeout:.0f} s")
                    time.sleep(0.2)
                    snapshot = self.client.projects.exports.get(id=project_id, export_pk=pk)
                if str(snapshot.status) == "failed":
                    raise StudioError(f"Label Studio could not export project {project_id}; see its log")
                fd, tmp = tempfile.mkstemp(prefix="annotator-export-", suffix=".json")
                try:
                    with os.fdopen(fd, "wb") as fh:
                        for chunk in self.client.projects.exports.download(
                            id=project_id, export_pk=pk, export_type="JSON", request_options={"chunk_size": 1 << 20}
                        ):
                            fh.write(chunk)
                    with Path(tmp).open("rb") as fh:
                        tasks = json.load(fh)
                finally:
                    os.unlink(tmp)
            finally:
                with contextlib.suppress(Exception):
                    self.client.projects.exports.delete(id=project_id, export_pk=pk)
        if not isinstance(tasks, list):
            raise StudioError(f"export of project {project_id} is not a list of tasks")
        return tasks

    def users(self) -> dict[int, str]:
        """User id -> email (else username), to name annotators."""
        with self._call("listing users"):
            return {int(u.id): str(u.email or u.username or u.id) for u in self.client.users.list() if u.id is not None}

    # -- ML backend (annotator serve) -------------------------------------------------------------
    #
    # Label Studio shows a task's predictions only if their model_version is the project's model_version, and it
    # accepts as the project's model_version only an ML backend's title or a version some prediction already has.
    # So the backend is titled with its model version: the project's version, the backend's and the predictions'
    # are then one string, from the first prediction on; after a retraining, title and project move together.

    def connect_backend(self, project_id: int, url: str, *, basic_auth: tuple[str, str] | None = None) -> str:
        """Attach the ML backend at ``url`` to a project (an attached backend with that URL is updated, not added
        twice), title it with its model version, make that the project's ``model_version``, and return it.

        Label Studio checks the backend (``/health``, ``/setup``) while attaching it, so it must be running. With
        ``basic_auth``, the webhook Label Studio creates for the backend (annotation events) gets the same
        credentials, which Label Studio does not add to webhooks by itself.
        """
        import base64

        url = url.rstrip("/")
        auth = _backend_auth(basic_auth)
        with self._call(f"attaching the ML backend at {url} to project {project_id}"):
            attached = self._attached(project_id, url)
            if attached:
                backend = self.client.ml.update(id=int(attached[0].id), url=url, project=project_id, **auth)
            else:
                backend = self._create_backend(project_id, url, auth)
            backend = self.client.ml.get(id=int(backend.id))
        state = str(backend.state or "")
        if state not in ("CO", "TR", "PR"):  # connected, training, predicting
            reason = str(getattr(backend, "error_message", "") or "no answer")
            raise StudioError(f"Label Studio cannot use the ML backend at {url} (state {state}): {reason}")
        version = str(backend.model_version or "")
        if not version:
            raise StudioError(f"the ML backend at {url} reported no model_version to Label Studio")
        with self._call(f"titling the ML backend of project {project_id} with its version"):
            # Label Studio checks the backend again on every change, and needs its url and project for that
            self.client.ml.update(id=int(backend.id), url=url, project=project_id, title=version, **auth)
        if basic_auth is not None:
            token = base64.b64encode(f"{basic_auth[0]}:{basic_auth[1]}".encode()).decode("ascii")
            with self._call(f"adding the backend's credentials to its webhook in project {project_id}"):
                for hook in self.client.webhooks.list(project=str(project_id)):
                    if str(hook.url).rstrip("/") == url + "/webhook":
                        headers = {"Authorization": f"Basic {token}"}
                        self.client.webhooks.update(int(hook.id), url=str(hook.url), headers=headers)
        self.update_project(project_id, model_version=version, show_collab_predictions=True)
        return version

    def _attached(self, project_id: int, url: str) -> list[Any]:
        return [b for b in self.client.ml.list(project=project_id) if str(b.url).rstrip("/") == url]

    def _create_backend(self, project_id: int, url: str, auth: Mapping[str, Any]) -> Any:
        from label_studio_sdk.core.api_error import ApiError

        try:
            return self.client.ml.create(
                project=project_id, url=url, title="annotator", is_interactive=False, auto_update=True, **auth
            )
        except ApiError as exc:
            # Label Studio 1.23.2 with its SSRF protection on saves a backend on a local address, then fails (403)
            # to add the webhook it makes for it, which must not point at a local address: the backend is attached
            # without its webhook, which annotator's backend does without (it polls for annotations)
            attached = self._attached(project_id, url) if exc.status_code == 403 else []
            if not attached:
                raise
            return attached[0]

    def set_backend_version(
        self, project_id: int, old: str, new: str, *, basic_auth: tuple[str, str] | None = None
    ) -> None:
        """After the backend swapped model ``old`` for ``new``: retitle it (found by its title, ``old``) and make
        ``new`` the project's ``model_version``. ``basic_auth``: the backend's, which Label Studio needs to check it
        again (it does not hand the password back)."""
        auth = _backend_auth(basic_auth)
        with self._call(f"setting the ML backend version of project {project_id} to {new}"):
            for backend in self.client.ml.list(project=project_id):
                if backend.title in (old, new):
                    url = str(backend.url)
                    self.client.ml.update(id=int(backend.id), url=url, project=project_id, title=new, **auth)
        self.update_project(project_id, model_version=new)

    def refresh_predictions(self, project_id: int, model_version: str, *, batch: int = 500) -> int:
        """Ask the project's ML backend to predict every task that has no prediction of ``model_version`` (Label
        Studio's "Retrieve predictions" action, ``batch`` tasks per request); returns how many tasks were asked."""
        stale = sorted(self.tasks_without_model(project_id, model_version))
        for start in range(0, len(stale), batch):
            ids = stale[start : start + batch]
            with self._call(f"retrieving predictions for {len(ids)} tasks of project {project_id}"):
                self.client.actions.create(
                    id="retrieve_tasks_predictions",
                    project=project_id,
                    selected_items={"all": False, "included": ids},
                )
        return len(stale)


def _backend_auth(basic_auth: tuple[str, str] | None) -> dict[str, Any]:
    if basic_auth is None:
        return {"auth_method": "NONE"}
    return {"auth_method": "BASIC_AUTH", "basic_auth_user": basic_auth[0], "basic_auth_pass": basic_auth[1]}

"""What the backend accepts: its :class:`Settings` (authentication, request limits) and the reading of the JSON Label
Studio sends (bodies, project ids, the text field of a label config, the tasks' texts). Each refusal is a
:class:`BadRequestError` with the status code and a message that names the field.
"""

from __future__ import annotations

import binascii
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

from starlette.requests import Request

from annotator.labels import CHOICES_NAME, SPANS_NAME, TEXT_NAME


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


class BadRequestError(Exception):
    """A request the backend refuses, with the status code and the message sent back."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def json_body(request: Request, settings: Settings) -> dict[str, Any]:
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


def project_id(value: Any) -> int | None:
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
def text_key(config: str) -> str:
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


def task_texts(tasks: Any, key: str, settings: Settings) -> list[tuple[str, str]]:
    """Each task's (text, prev): the sentence under ``key`` and the sentence before it in its article (the task's
    ``prev`` field; "" when absent), so that it is read in context."""
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
        prev = data.get("prev")
        texts.append((text, prev if isinstance(prev, str) and key != "prev" else ""))
    return texts


def auth_ok(header: str | None, expected: str) -> bool:
    if header is None:
        return False
    try:
        return hmac.compare_digest(header.encode("latin-1"), expected.encode("latin-1"))
    except (UnicodeEncodeError, binascii.Error):
        return False

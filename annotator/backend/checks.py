"""What the backend accepts: its :class:`Settings` (credentials, allowed hosts, request limits) and the reading of
the JSON Label Studio sends (bodies, project ids, the text field of a label config, the tasks' texts). Each refusal
is a :class:`BadRequestError` with the status code and a message that names the field.

A body is read as it streams in and refused (413) as soon as it passes ``max_body``, whatever its
``Content-Length`` or chunking said; it must be ``application/json`` (415 otherwise: a browser's "simple" cross-origin
POST is ``text/plain``) and arrive within ``body_timeout`` seconds (408).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
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
        ``(user, secret)``: every request but ``/health`` must carry them, as HTTP basic auth (what Label Studio's
        ML settings send) or the secret alone as ``Authorization: Token <secret>`` / ``Bearer <secret>``.
        None: no authentication.
    max_tasks
        The most tasks one ``/predict`` request may carry (413 beyond).
    max_body
        The largest request body accepted, in bytes (413 beyond, counted as it streams in).
    max_text
        The most characters of one task's sentence, and of the sentence before it (413 beyond).
    body_timeout
        Seconds a client has to send the whole body (408 beyond).
    hosts
        The host names a request's ``Host`` header may name (403 otherwise): a page a browser loaded from another
        name (DNS rebinding) cannot reach the backend.
    port
        The port the backend listens on: a ``Host`` or ``Origin`` with another port is refused. None: any.
    """

    basic_auth: tuple[str, str] | None = None
    max_tasks: int = 1_000
    max_body: int = 16 * 1024 * 1024
    max_text: int = 20_000
    body_timeout: float = 30.0
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    port: int | None = None


class BadRequestError(Exception):
    """A request the backend refuses, with the status code and the message sent back."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def json_body(request: Request, settings: Settings) -> dict[str, Any]:
    """The request's JSON object, read as it streams in (see the module's docstring for the refusals)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise BadRequestError(415, f"Content-Type must be application/json; got {media or 'none'}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > settings.max_body:
        raise BadRequestError(413, f"request body of {declared} bytes is over the limit of {settings.max_body}")
    try:
        body = await asyncio.wait_for(_read_body(request, settings.max_body), settings.body_timeout)
    except TimeoutError:
        raise BadRequestError(408, f"request body not received within {settings.body_timeout:g} s") from None
    if not body.strip():
        raise BadRequestError(400, "empty request body; expected a JSON object")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequestError(400, f"request body is not valid JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise BadRequestError(422, f"request body must be a JSON object; got {type(payload).__name__}")
    return payload


async def _read_body(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise BadRequestError(413, f"request body over the limit of {limit} bytes")
        body += chunk
    return bytes(body)


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


class _ConfigCache:
    """Label configs already read, least recently used dropped first, bounded in characters (not in entries: one
    config may be megabytes); a config larger than ``largest`` is read every time."""

    def __init__(self, budget: int = 1024 * 1024, largest: int = 64 * 1024) -> None:
        self.budget = budget
        self.largest = largest
        self.size = 0
        self._keys: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, config: str) -> str | None:
        with self._lock:
            key = self._keys.get(config)
            if key is not None:
                self._keys.move_to_end(config)
            return key

    def put(self, config: str, key: str) -> None:
        if len(config) > self.largest:
            return
        with self._lock:
            if config not in self._keys:
                self._keys[config] = key
                self.size += len(config)
            while self.size > self.budget:
                old, _ = self._keys.popitem(last=False)
                self.size -= len(old)


_CONFIGS = _ConfigCache()


def text_key(config: str) -> str:
    """The task data field the ``<Text name="sentence">`` object shows (``$text`` -> ``text``) in ``config``."""
    key = _CONFIGS.get(config)
    if key is None:
        key = _text_key(config)
        _CONFIGS.put(config, key)
    return key


def _text_key(config: str) -> str:
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
        prev = prev if isinstance(prev, str) and key != "prev" else ""
        longest = max(len(text), len(prev))
        if longest > settings.max_text:
            raise BadRequestError(
                413, f"{where}: a text of {longest} characters; the limit is {settings.max_text} (one sentence)"
            )
        texts.append((text, prev))
    return texts


def auth_ok(header: str | None, credentials: tuple[str, str]) -> bool:
    """Whether an ``Authorization`` header carries ``credentials`` (user, secret): ``Basic`` with both, or
    ``Token`` / ``Bearer`` with the secret. Compared in constant time."""
    if not header:
        return False
    scheme, _, value = header.strip().partition(" ")
    user, secret = (part.encode() for part in credentials)
    try:
        if scheme.lower() == "basic":
            given_user, sep, given_secret = base64.b64decode(value.strip(), validate=True).partition(b":")
            same_user = hmac.compare_digest(given_user, user)
            return bool(sep) & same_user & hmac.compare_digest(given_secret, secret)
        if scheme.lower() in ("token", "bearer"):
            return hmac.compare_digest(value.strip().encode(), secret)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return False
    return False

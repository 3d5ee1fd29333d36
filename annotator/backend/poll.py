"""Learning of new annotations without webhooks: ask Label Studio, on a short interval, for the annotations of the
served projects newer than the last one seen, and count each as the annotation event a webhook would have sent.

Label Studio (1.23.2) posts webhooks through its SSRF guard, which refuses loopback and private addresses: with the
guard on, as ``annotator studio`` leaves it, a backend on this machine never receives annotation events. The poller
needs no inbound connection, only the URL and token retraining reads the labels with. Each poll reads only the tasks
updated since the previous one (a Data Manager filter on ``updated_at``), so it stays cheap on a large project.
Annotations saved after the backend started count (by Label Studio's clock against this machine's: keep them in
step); older ones are trained on at the next retraining but do not count towards one, as with webhooks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from annotator.backend.retrain import ANNOTATION_ACTIONS
from annotator.errors import AnnotatorError

log = logging.getLogger("annotator.backend.poll")

CREATED, UPDATED = ANNOTATION_ACTIONS
DEFAULT_INTERVAL = 10.0


def now() -> str:
    """The time now, UTC, in Label Studio's Data Manager format (which sorts as text)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Source(Protocol):
    """What the poller reads (:class:`annotator.studio.client.Studio`)."""

    def annotated_since(self, project_id: int, since: str) -> tuple[list[Any], str]: ...


class Poller:
    """Polls ``projects()`` every ``interval`` seconds and calls ``notify(action, project)`` (the retrainer's
    :meth:`~annotator.backend.retrain.Retrainer.notify`, as the webhook does) once per new or updated annotation.

    A project that cannot be read (Label Studio down, the project deleted) is logged once per distinct reason and
    tried again at the next poll; it never stops the polls of the others. :meth:`close` stops the thread.
    """

    def __init__(
        self,
        source: Source,
        notify: Callable[[str, int | None], str],
        projects: Callable[[], Iterable[int]],
        *,
        interval: float = DEFAULT_INTERVAL,
        start: bool = True,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive; got {interval}")
        self.source = source
        self.notify = notify
        self.projects = projects
        self.interval = interval
        self._started = now()
        self._since: dict[int, str] = {}  # project -> newest task updated_at seen
        self._seen: dict[int, tuple[str, int]] = {}  # project -> (newest annotation time, largest id) counted
        self._errors: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="annotator-poll", daemon=True)
        if start:
            self._thread.start()

    def poll(self) -> int:
        """One poll of every project; returns the number of annotation events passed on."""
        events = 0
        for project in sorted(set(self.projects())):
            try:
                events += self._poll_project(project)
            except AnnotatorError as exc:
                if self._errors.get(project) != str(exc):
                    log.warning("cannot poll project %s for new annotations (trying again): %s", project, exc)
                self._errors[project] = str(exc)
            else:
                self._errors.pop(project, None)
        return events

    def _poll_project(self, project: int) -> int:
        if project not in self._since:  # first look: what changed since the backend started counts
            self._since[project] = self._started
            self._seen[project] = (self._started, 0)
        marks, newest = self.source.annotated_since(project, self._since[project])
        last_time, last_id = self._seen[project]
        events = 0
        for mark in marks:
            if mark.updated_at <= last_time or mark.cancelled:
                continue
            action = CREATED if mark.id > last_id else UPDATED
            self.notify(action, project)
            events += 1
        if marks:
            self._seen[project] = (max(last_time, marks[-1].updated_at), max(last_id, *(m.id for m in marks)))
        self._since[project] = max(self._since[project], newest)
        return events

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception as exc:  # a bug must not end the polling thread silently
                log.error("polling for new annotations failed: %s: %s", type(exc).__name__, exc)

    def close(self) -> None:
        """Stop polling (the current poll finishes first, for at most one interval more)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 30)

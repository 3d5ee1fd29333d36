"""The poller against the session's real Label Studio: annotations saved after it started become annotation events
(created, then updated), nothing is counted twice, skips do not count, and a project that cannot be read is logged
and does not stop the others. Annotators are played through the SDK."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from annotator.backend.poll import CREATED, UPDATED, Poller
from annotator.labels import CHOICES_NAME, TEXT_NAME, labels

pytestmark = pytest.mark.studio


def _result(label: str) -> list[dict[str, Any]]:
    return [{"from_name": CHOICES_NAME, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": [label]}}]


@pytest.fixture
def project(studio: Any, title: str) -> Any:
    """A project with the sentences of one article as tasks (``annotator push``'s path, without a model)."""
    from annotator.io.articles import read_articles
    from annotator.studio.sync import push
    from annotator.text.split import iter_rows

    article = Path(__file__).resolve().parents[2] / "data" / "articles" / "harbour-ammonia-leak.txt"
    return push(studio, iter_rows(read_articles([article])), title=title, predictor=None).project


def test_new_and_updated_annotations_become_events_once(sdk: Any, studio: Any, project: Any) -> None:
    tasks = list(sdk.tasks.list(project=project.id))
    before = sdk.annotations.create(id=tasks[0].id, result=_result(labels()[0]))  # before the backend started
    time.sleep(0.05)
    events: list[tuple[str, int | None]] = []
    poller = Poller(studio, lambda a, p: events.append((a, p)) or "counted", lambda: [project.id], start=False)
    assert poller.poll() == 0 and events == []
    first = sdk.annotations.create(id=tasks[1].id, result=_result(labels()[1]))
    sdk.annotations.create(id=tasks[2].id, result=_result(labels()[0]), was_cancelled=True)  # a skip
    assert poller.poll() == 1 and events == [(CREATED, project.id)]
    assert poller.poll() == 0  # nothing new: nothing counted again
    sdk.annotations.update(id=first.id, result=_result(labels()[2]))
    sdk.annotations.update(id=before.id, result=_result(labels()[2]))
    assert poller.poll() == 2 and events[1:] == [(UPDATED, project.id), (UPDATED, project.id)]
    assert poller.poll() == 0


def test_a_project_that_cannot_be_read_does_not_stop_the_others(
    sdk: Any, studio: Any, project: Any, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[int | None] = []
    poller = Poller(studio, lambda _a, p: events.append(p) or "counted", lambda: [999_999, project.id], start=False)
    [task, *_] = list(sdk.tasks.list(project=project.id))
    sdk.annotations.create(id=task.id, result=_result(labels()[0]))
    with caplog.at_level(logging.WARNING, logger="annotator.backend.poll"):
        assert poller.poll() == 1 and events == [project.id]
        poller.poll()
    warnings = [r.getMessage() for r in caplog.records if "999999" in r.getMessage()]
    assert len(warnings) == 1  # logged once, tried again


def test_the_polling_thread_feeds_notify_and_stops(sdk: Any, studio: Any, project: Any) -> None:
    events: list[str] = []
    poller = Poller(studio, lambda a, _p: events.append(a) or "counted", lambda: [project.id], interval=0.2)
    try:
        [task, *_] = list(sdk.tasks.list(project=project.id))
        sdk.annotations.create(id=task.id, result=_result(labels()[0]))
        deadline = time.monotonic() + 30
        while not events and time.monotonic() < deadline:
            time.sleep(0.1)
        assert events == [CREATED]
    finally:
        poller.close()
    assert not poller._thread.is_alive()


def test_the_interval_must_be_positive(studio: Any) -> None:
    with pytest.raises(ValueError, match="interval"):
        Poller(studio, lambda _a, _p: "", list, interval=0)

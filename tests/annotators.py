"""Two real annotators label the same tasks of a real Label Studio, with known disagreements: the set-up of the
review tests (tests/studio/test_review.py) and of the browser test of the review workflow.

Two users are created through the API (``sdk.users.create``); the admin's token records each annotation as one of
them (``completed_by``: Label Studio's annotation API takes a user id from an admin, ``tasks/api.py``). Every third
task gets different labels from the two; the first of those also gets a third annotation, by the admin, which makes
a 2-to-1 majority there.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.labels import CHOICES_NAME, SPANS_NAME, TEXT_NAME, labels


@dataclass(frozen=True)
class User:
    id: int
    email: str


@dataclass
class Labelled:
    """What :func:`two_annotators` made: the project, its users, and every annotation by sentence id."""

    title: str
    project_id: int
    alice: User
    bob: User
    admin: User
    task_ids: dict[str, int] = field(default_factory=dict)  # sentence id -> task id
    votes: dict[str, dict[str, str]] = field(default_factory=dict)  # sentence id -> {email: label}

    def disagreements(self) -> set[str]:
        return {sid for sid, v in self.votes.items() if len(set(v.values())) > 1}


def choice(label: str) -> list[dict[str, Any]]:
    """An annotation result with the sentence label only."""
    return [{"from_name": CHOICES_NAME, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": [label]}}]


def span(text: str, start: int, end: int, span_label: str) -> dict[str, Any]:
    return {
        "from_name": SPANS_NAME,
        "to_name": TEXT_NAME,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [span_label]},
    }


def make_users(sdk: Any, names: Sequence[str] = ("alice", "bob")) -> list[User]:
    """Real Label Studio users (unique per call: the session server is shared)."""
    tag = uuid.uuid4().hex[:6]
    out = []
    for name in names:
        email = f"{name}-{tag}@annotator.local"
        user = sdk.users.create(username=f"{name}-{tag}", email=email, first_name=name.title())
        out.append(User(int(user.id), email))
    return out


def annotate(sdk: Any, task_id: int, label: str, user: User, regions: Sequence[dict[str, Any]] = ()) -> Any:
    return sdk.annotations.create(id=task_id, result=choice(label) + list(regions), completed_by=user.id)


def two_annotators(sdk: Any, studio: Any, title: str, rows: list[dict[str, Any]], *, predictor: Any = None) -> Labelled:
    """Push ``rows`` into project ``title`` (overlap 2) and have two new users label every task; see the module."""
    from annotator.studio.sync import push
    from annotator.studio.tasks import span_labels

    report = push(studio, rows, title=title, predictor=predictor, overlap=2)
    assert report.project is not None
    alice, bob = make_users(sdk)
    me = sdk.users.whoami()
    admin = User(int(me.id), str(me.email))
    done = Labelled(title, report.project.id, alice, bob, admin)
    names = labels()
    source_label = span_labels()[0]
    tasks = sdk.tasks.list(project=report.project.id, fields="task_only", include="id,data", page_size=500)
    for i, task in enumerate(sorted(tasks, key=lambda t: t.id)):
        sid = str(task.data["sentence_id"])
        text = str(task.data["text"])
        a = names[i % len(names)]
        b = names[(i + 1) % len(names)] if i % 3 == 0 else a
        regions = [span(text, 0, min(5, len(text)), source_label)] if text else []
        annotate(sdk, task.id, a, alice, regions)
        annotate(sdk, task.id, b, bob)
        done.task_ids[sid] = int(task.id)
        done.votes[sid] = {alice.email: a, bob.email: b}
        if i == 0:
            annotate(sdk, task.id, a, admin)
            done.votes[sid][admin.email] = a
    return done

"""A reviewer settles a disagreement in a real browser (Debian's chromium driven by Playwright), on Label Studio with
SQLite and on PostgreSQL: two real users label the same tasks through the API with some disagreements, the review
project holds the disagreements with each annotator's label as a prediction named by the annotator, the reviewer opens
a review task from the Data Manager, sees both annotators' labels (each prediction's own tab), picks one with its
hotkey and submits; the server then has the reviewer's annotation with that label.

Screenshots of every step go to test-artefacts/review-browser/<database>/ (gitignored)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from annotator.labels import CHOICES_NAME, TEXT_NAME, label_set, labels
from annotator.studio.client import Studio
from annotator.studio.sync import push
from annotator.text.split import split

pytestmark = [pytest.mark.studio, pytest.mark.browser]
REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "data" / "articles" / "crime-staged-crash-ring.txt"
SHOTS = REPO / "test-artefacts" / "review-browser"
SERVERS = [  # the server fixture, and the folder its screenshots go to
    pytest.param("studio_server", "sqlite", id="sqlite"),
    pytest.param("postgres_server", "postgres", id="postgres", marks=pytest.mark.postgres),
]


@dataclass(frozen=True)
class Disputed:
    """The review task the reviewer settles: who said what."""

    review_project: int
    task_id: int
    text: str
    votes: dict[str, str]  # annotator email -> label


def choice(label: str) -> list[dict[str, Any]]:
    return [{"from_name": CHOICES_NAME, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": [label]}}]


def two_annotators_disagree(sdk: Any, studio: Studio, title: str) -> tuple[int, dict[str, dict[str, str]]]:
    """Push the article (overlap 2); two new real users label every task, differently on every third."""
    rows = split([ARTICLE]).to_dict("records")
    report = push(studio, rows, title=title, overlap=2)
    assert report.project is not None
    tag = uuid.uuid4().hex[:6]
    users = [sdk.users.create(username=f"{n}-{tag}", email=f"{n}-{tag}@annotator.local") for n in ("alice", "bob")]
    names = labels()
    votes: dict[str, dict[str, str]] = {}
    tasks = sorted(sdk.tasks.list(project=report.project.id, fields="task_only", include="id,data"), key=lambda t: t.id)
    for i, task in enumerate(tasks):
        picked = [names[i % 3], names[(i + 1) % 3] if i % 3 == 1 else names[i % 3]]
        for user, label in zip(users, picked, strict=True):
            sdk.annotations.create(id=task.id, result=choice(label), completed_by=user.id)
        votes[str(task.data["sentence_id"])] = {u.email: lab for u, lab in zip(users, picked, strict=True)}
    return report.project.id, votes


def review_project(sdk: Any, project_id: int, title: str, votes: dict[str, dict[str, str]]) -> Disputed:
    """The review project as `annotator review` shapes it: the disagreements, each with one prediction per annotator
    (model_version: the annotator's email)."""
    tasks = {str(t.data["sentence_id"]): t for t in sdk.tasks.list(project=project_id, fields="task_only")}
    disputed = [sid for sid, v in votes.items() if len(set(v.values())) > 1]
    assert disputed
    review = sdk.projects.create(title=f"{title} — review", label_config=label_set().config)
    imports = [
        {
            "data": {**tasks[sid].data, "review_of": project_id, "task_id": tasks[sid].id, "reason": "disagreement"},
            "predictions": [{"model_version": who, "result": choice(lab)} for who, lab in votes[sid].items()],
        }
        for sid in disputed
    ]
    sdk.projects.import_tasks(id=review.id, request=imports)
    first = min(sdk.tasks.list(project=review.id, fields="task_only"), key=lambda t: t.id)
    sid = str(first.data["sentence_id"])
    return Disputed(review.id, first.id, str(first.data["text"]), votes[sid])


# -- the browser --------------------------------------------------------------------------------------------------


def log_in(page: Page, server: Any) -> None:
    page.goto(f"{server.url}/user/login/")
    page.fill('input[name="email"]', server.username)
    page.fill('input[name="password"]', server.password)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/user/login" not in url)


def tab_of(page: Page, name: str) -> Locator:
    """The editor's tab (an annotation or a prediction) named ``name``. Tabs show long names shortened in the middle
    (``alice-1a@....local``); the tooltip a tab shows on hover has the whole name."""
    tabs = page.locator(".lsf-annotation-button")
    title = page.locator("[class*='annotation-button__tooltipContainerTitle']")
    deadline = time.monotonic() + 60
    while True:  # the editor may still be drawing its tabs (or drawing them again)
        seen = []
        for i in range(tabs.count()):
            tabs.nth(i).hover()
            expect(title.first).to_be_visible()
            seen.append(title.first.inner_text().strip())
            if seen[-1] == name:
                return tabs.nth(i)
        if time.monotonic() > deadline:
            raise AssertionError(f"no tab named {name!r} in the editor; tabs: {seen}")
        page.wait_for_timeout(500)


def checked(page: Page) -> list[str]:
    """The labels ticked in the editor's current tab."""
    return [label for label in labels() if page.get_by_role("checkbox", name=label).is_checked()]


def settle_in_browser(server: Any, chromium: dict[str, object], disputed: Disputed, shots: Path, title: str) -> str:
    """Open the review task, look at each annotator's tab, pick with its hotkey an annotator's label that the
    reviewer's own (pre-filled) annotation does not show yet, submit; return that label."""
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**chromium)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            log_in(page, server)
            page.goto(f"{server.url}/projects")
            page.get_by_text(f"{title} — review", exact=True).first.click()  # the review project, from the list
            page.wait_for_url(f"**/projects/{disputed.review_project}/**")
            page.goto(f"{server.url}/projects/{disputed.review_project}/data?task={disputed.task_id}")
            editor = page.locator(".lsf-main-view, [class*='main-view']").first
            expect(editor.get_by_text(disputed.text, exact=True).first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(shots / "1-review-task-opened.png"))
            for n, (who, label) in enumerate(sorted(disputed.votes.items()), 2):
                tab_of(page, who).locator(".lsf-annotation-button__main").click()
                expect(page.get_by_role("checkbox", name=label)).to_be_checked()
                assert checked(page) == [label], (who, checked(page))
                page.screenshot(path=str(shots / f"{n}-label-of-{who.split('@')[0]}.png"))
            # the reviewer's own annotation (the tab named by the logged-in user), pre-filled from a prediction
            tab_of(page, server.username).locator(".lsf-annotation-button__main").click()
            before = checked(page)
            pick = next(label for _who, label in sorted(disputed.votes.items()) if [label] != before)
            editor.click(position={"x": 5, "y": 5})  # focus the editor, not the note field
            page.keyboard.press(str(labels().index(pick) + 1))
            expect(page.get_by_role("checkbox", name=pick)).to_be_checked()
            assert checked(page) == [pick], (before, pick)
            page.screenshot(path=str(shots / "4-reviewer-picked.png"))
            page.get_by_role("button", name="Submit").click()
            wait_for_annotation(server, disputed.task_id)
            # opened again, the task shows the reviewer's submitted annotation with the label picked
            page.goto(f"{server.url}/projects/{disputed.review_project}/data?task={disputed.task_id}")
            expect(editor.get_by_text(disputed.text, exact=True).first).to_be_visible(timeout=60_000)
            expect(page.get_by_role("checkbox", name=pick)).to_be_checked()
            page.screenshot(path=str(shots / "5-submitted-and-reopened.png"))
        finally:
            browser.close()
    return pick


def wait_for_annotation(server: Any, task_id: int, timeout: float = 30) -> None:
    from label_studio_sdk.client import LabelStudio

    sdk = LabelStudio(base_url=server.url, api_key=server.token, timeout=60)
    deadline = time.monotonic() + timeout
    while not sdk.tasks.get(id=task_id).annotations:
        assert time.monotonic() < deadline, f"no annotation on review task {task_id} {timeout:.0f} s after Submit"
        time.sleep(0.5)


@pytest.mark.parametrize(("server_fixture", "database"), SERVERS)
def test_a_reviewer_settles_a_disagreement_in_the_browser(server_fixture, database, request, chromium):
    from label_studio_sdk.client import LabelStudio

    server = request.getfixturevalue(server_fixture)
    sdk = LabelStudio(base_url=server.url, api_key=server.token, timeout=300)
    studio = Studio(server.url, server.token)
    title = f"review {uuid.uuid4().hex[:8]}"
    project_id, votes = two_annotators_disagree(sdk, studio, title)
    disputed = review_project(sdk, project_id, title, votes)

    pick = settle_in_browser(server, chromium, disputed, SHOTS / database, title)

    (decision,) = sdk.tasks.get(id=disputed.task_id).annotations
    decision = decision if isinstance(decision, dict) else decision.dict()
    assert [r["value"]["choices"] for r in decision["result"] if r["from_name"] == CHOICES_NAME] == [[pick]]
    by = decision["completed_by"]  # the user, expanded, in this API's answer (an id elsewhere)
    assert (by["id"] if isinstance(by, dict) else by) == sdk.users.whoami().id and not decision.get("was_cancelled")

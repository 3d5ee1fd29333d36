"""A reviewer settles a disagreement in a real browser (Debian's chromium driven by Playwright), on Label Studio with
SQLite and on PostgreSQL: two real users label the same tasks through the API with some disagreements
(tests/annotators.py), ``annotator review`` builds the review project, the reviewer opens a review task from the Data
Manager, sees both annotators' labels (each annotator's prediction has its own tab) and the model's, picks one with its
hotkey and submits; the server has the reviewer's annotation, and ``annotator pull --resolved`` returns that label
with origin ``review``.

Screenshots of every step go to test-artefacts/review-browser/<database>/ (gitignored)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from annotators import Labelled, two_annotators
from cli_run import run
from playwright.sync_api import Locator, Page, expect, sync_playwright

from annotator.classifier.artefacts import load_predictor
from annotator.labels import CHOICES_NAME, labels
from annotator.studio.client import Studio
from annotator.studio.sync import review_title_for
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
    sentence_id: str
    text: str
    votes: dict[str, str]  # annotator email -> label
    model_label: str | None  # the label of the model's prediction


def disputed_task(sdk: Any, labelled: Labelled) -> Disputed:
    """The first task of the review project whose sentence two annotators (not the admin) labelled differently."""
    name = review_title_for(labelled.title)
    (review,) = [p for p in sdk.projects.list(title=name) if p.title == name]
    for task in sorted(sdk.tasks.list(project=review.id, fields="all"), key=lambda t: t.id):
        sid = str(task.data["sentence_id"])
        votes = labelled.votes[sid]
        if len(votes) == 2 and len(set(votes.values())) == 2:
            predictions = [p if isinstance(p, dict) else p.dict() for p in task.predictions or []]
            model = [p for p in predictions if p["model_version"] not in votes]
            assert len(model) == 1, [p["model_version"] for p in predictions]
            said = [r["value"]["choices"][0] for r in model[0]["result"] if r["from_name"] == CHOICES_NAME]
            return Disputed(review.id, int(task.id), sid, str(task.data["text"]), votes, (said or [None])[0])
    raise AssertionError(f"no review task of two disagreeing annotators in {review.title!r}")


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


def settle_in_browser(
    server: Any, chromium: dict[str, object], disputed: Disputed, shots: Path, title: str, model_version: str
) -> str:
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
            tab_of(page, model_version).locator(".lsf-annotation-button__main").click()  # and the model's
            assert checked(page) == [disputed.model_label]
            page.screenshot(path=str(shots / "4-label-of-the-model.png"))
            page.get_by_text("Compare All", exact=True).click()  # the annotations and predictions side by side
            expect(page.get_by_role("checkbox", name=labels()[0])).to_have_count(len(disputed.votes) + 2)
            page.screenshot(path=str(shots / "5-compare-all.png"))
            # the reviewer's own annotation (the tab named by the logged-in user), pre-filled from a prediction
            tab_of(page, server.username).locator(".lsf-annotation-button__main").click()
            before = checked(page)
            pick = next(label for _who, label in sorted(disputed.votes.items()) if [label] != before)
            editor.click(position={"x": 5, "y": 5})  # focus the editor, not the note field
            page.keyboard.press(str(labels().index(pick) + 1))
            expect(page.get_by_role("checkbox", name=pick)).to_be_checked()
            assert checked(page) == [pick], (before, pick)
            page.screenshot(path=str(shots / "6-reviewer-picked.png"))
            page.get_by_role("button", name="Submit").click()
            wait_for_annotation(server, disputed.task_id)
            # opened again, the task shows the reviewer's submitted annotation with the label picked
            page.goto(f"{server.url}/projects/{disputed.review_project}/data?task={disputed.task_id}")
            expect(editor.get_by_text(disputed.text, exact=True).first).to_be_visible(timeout=60_000)
            expect(page.get_by_role("checkbox", name=pick)).to_be_checked()
            page.screenshot(path=str(shots / "7-submitted-and-reopened.png"))
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
def test_a_reviewer_settles_a_disagreement_in_the_browser(
    server_fixture, database, request, chromium, monkeypatch, tmp_path
):
    from label_studio_sdk.client import LabelStudio

    server = request.getfixturevalue(server_fixture)
    monkeypatch.setenv("LABEL_STUDIO_URL", server.url)  # for the in-process `annotator` of cli_run
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", server.token)
    sdk = LabelStudio(base_url=server.url, api_key=server.token, timeout=300)
    title = f"review {uuid.uuid4().hex[:8]}"
    labelled = two_annotators(sdk, Studio(server.url, server.token), title, split([ARTICLE]).to_dict("records"))
    assert run(["review", "--project", title]) == 0  # with the shipped model's prediction on every review task
    disputed = disputed_task(sdk, labelled)
    assert resolved(title, tmp_path).loc[disputed.sentence_id, ["label", "origin"]].tolist() == [None, "tie"]

    model = load_predictor(None).model_version
    pick = settle_in_browser(server, chromium, disputed, SHOTS / database, title, model)

    (decision,) = sdk.tasks.get(id=disputed.task_id).annotations
    decision = decision if isinstance(decision, dict) else decision.dict()
    assert [r["value"]["choices"] for r in decision["result"] if r["from_name"] == CHOICES_NAME] == [[pick]]
    by = decision["completed_by"]  # the user, expanded, in this API's answer (an id elsewhere)
    assert (by["id"] if isinstance(by, dict) else by) == sdk.users.whoami().id and not decision.get("was_cancelled")

    after = resolved(title, tmp_path)
    assert after.loc[disputed.sentence_id, ["label", "origin"]].tolist() == [pick, "review"]
    # the other sentences keep their annotators' labels: nobody else reviewed anything
    others = after.drop(index=disputed.sentence_id)
    assert set(others["origin"]) <= {"unanimous", "majority", "tie"} and len(others) == len(labelled.votes) - 1


def resolved(title: str, folder: Path) -> pd.DataFrame:
    """``annotator pull --project TITLE --resolved``, by sentence id."""
    out = folder / f"resolved-{uuid.uuid4().hex[:6]}.jsonl"
    assert run(["pull", "--project", title, "--resolved", "-o", str(out)]) == 0
    return pd.read_json(out, lines=True, dtype=False).set_index("sentence_id").replace({float("nan"): None})

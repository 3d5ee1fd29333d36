"""An annotator in a real browser (Debian's chromium driven by Playwright) against the session Label Studio: log in,
open the project and a task, see the sentence with its context and the model's pre-annotation, change the label with
its hotkey, submit; ``pull`` returns that label. Screenshots go to test-artefacts/ (gitignored)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from annotator.labels import labels
from annotator.studio.sync import pull, push
from annotator.text.split import split

pytestmark = [pytest.mark.studio, pytest.mark.browser]
REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "data" / "articles" / "crime-staged-crash-ring.txt"
ARTEFACTS = REPO / "test-artefacts"


def test_annotator_labels_a_task_in_the_browser(studio_server, studio, sdk, predictor, title, chromium):
    rows = split([ARTICLE]).to_dict("records")
    report = push(studio, rows, title=title, predictor=predictor)
    project = report.project
    assert project is not None
    # a sentence in the middle of the article, predicted with a source span, so that everything is on screen
    predictions = predictor.predict([r["text"] for r in rows])
    k = next(i for i, p in enumerate(predictions) if 0 < i < len(rows) - 1 and p.source_spans)
    row, predicted = rows[k], predictions[k]
    task_id = next(t.id for t in studio.task_refs(project.id) if t.sentence_id == row["sentence_id"])
    hotkey, chosen = next((str(i), label) for i, label in enumerate(labels(), 1) if label != predicted.label)

    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**chromium)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{studio_server.url}/user/login/")
            page.fill('input[name="email"]', studio_server.username)
            page.fill('input[name="password"]', studio_server.password)
            page.click('button[type="submit"]')
            page.wait_for_url(lambda url: "/user/login" not in url)

            page.goto(f"{studio_server.url}/projects")
            page.get_by_text(title, exact=True).first.click()  # open the project from the list
            page.wait_for_url(f"**/projects/{project.id}/**")
            page.goto(f"{studio_server.url}/projects/{project.id}/data?task={task_id}")

            editor = page.locator(".lsf-main-view, [class*='main-view']").first
            expect(editor.get_by_text(row["text"], exact=True).first).to_be_visible(timeout=60_000)
            expect(page.get_by_text(rows[k - 1]["text"], exact=True).first).to_be_visible()
            expect(page.get_by_text(rows[k + 1]["text"], exact=True).first).to_be_visible()
            expect(page.get_by_text(row["title"], exact=True).first).to_be_visible()
            # the pre-annotation: the predicted label is ticked, its source span is listed as a region
            expect(page.get_by_role("checkbox", name=predicted.label)).to_be_checked()
            start, end = predicted.source_spans[0]
            expect(page.get_by_text(row["text"][start:end]).first).to_be_visible()
            page.screenshot(path=str(ARTEFACTS / "browser-task-pre-annotated.png"))

            editor.click(position={"x": 5, "y": 5})  # focus the editor, not the note field
            page.keyboard.press(hotkey)
            expect(page.get_by_role("checkbox", name=chosen)).to_be_checked()
            expect(page.get_by_role("checkbox", name=predicted.label)).not_to_be_checked()
            page.screenshot(path=str(ARTEFACTS / "browser-task-labelled.png"))
            page.get_by_role("button", name="Submit").click()

            deadline = time.monotonic() + 30
            while not sdk.tasks.get(id=task_id).annotations and time.monotonic() < deadline:
                time.sleep(0.5)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ARTEFACTS / "browser-task-submitted.png"))
        finally:
            browser.close()

    result = pull(studio, title)
    assert [(r["sentence_id"], r["label"]) for r in result.rows] == [(row["sentence_id"], chosen)]
    (got,) = result.rows
    assert got["annotator"] == studio_server.username
    assert (got["predicted_label"], got["model_version"]) == (predicted.label, predictor.model_version)
    assert got["lead_time"] and got["lead_time"] > 0

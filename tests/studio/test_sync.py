"""Round trips against a real Label Studio (the session server of conftest.py): push, push again, annotate through
the SDK as two annotators, pull, agreement. The server's state is read back with the raw SDK, not with our code."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from label_studio_sdk.label_interface import LabelInterface

from annotator.guideline import guideline
from annotator.labels import label_set
from annotator.studio.client import Studio
from annotator.studio.sync import pull, push
from annotator.studio.tasks import ANNOTATION_COLUMNS
from annotator.text.split import split

REPO = Path(__file__).resolve().parents[2]
ARTICLES = REPO / "data" / "articles"
ANNOTATOR = str(Path(sys.executable).parent / "annotator")

pytestmark = pytest.mark.studio
LABELS = ["attributed", "unverified", "contested"]


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=False, capture_output=True, text=True, env=env)


def rows_of(*paths: Path) -> list[dict]:
    return split(list(paths)).to_dict("records")


def annotate(sdk, task_id: int, label: str, user_id: int | None = None, **extra):  # type: ignore[no-untyped-def]
    result = [{"from_name": "label", "to_name": "sentence", "type": "choices", "value": {"choices": [label]}}]
    kwargs = {"completed_by": user_id} if user_id is not None else {}
    return sdk.annotations.create(id=task_id, result=result + extra.pop("regions", []), **kwargs, **extra)


@pytest.fixture(scope="module")
def second_annotator(sdk):  # type: ignore[no-untyped-def]
    user = sdk.users.create(username="bob", email="bob@annotator.local", password="not-a-real-secret-1")
    return user


def test_seeds_round_trip(seeds_dir, studio, sdk, title, project_tasks):
    rows = rows_of(seeds_dir)
    report = push(studio, rows, title=title, batch_size=40)
    tasks = project_tasks(title)
    assert len(tasks) == len(rows) == report.imported == report.sentences
    assert report.batches == -(-len(rows) // 40)  # one request per batch
    by_id = {t["data"]["sentence_id"]: t["data"] for t in tasks}
    assert set(by_id) == {r["sentence_id"] for r in rows}
    for i, row in enumerate(rows):
        data = by_id[row["sentence_id"]]
        assert data["text"] == row["text"] and data["guideline_version"] == guideline().version
        same_article = [r for r in rows if r["article_id"] == row["article_id"]]
        k = same_article.index(row)
        assert data["prev"] == (same_article[k - 1]["text"] if k else "")
        assert data["next"] == (same_article[k + 1]["text"] if k + 1 < len(same_article) else ""), i

    again = push(studio, rows, title=title)
    assert (again.imported, again.already, again.batches) == (0, len(rows), 0)
    assert len(project_tasks(title)) == len(rows)
    project = sdk.projects.get(id=tasks[0]["project"])
    assert project.show_instruction
    assert f"(guideline {guideline().version})" in (project.expert_instruction or "")
    assert "Who stands behind this claim?" in (project.expert_instruction or "")


def test_articles_with_predictions_then_sdk_annotations_come_back(studio, sdk, title, predictor, project_tasks):
    rows = rows_of(ARTICLES)
    report = push(studio, rows, title=title, predictor=predictor, overlap=2)
    tasks = project_tasks(title)
    assert len(tasks) == len(rows) == report.imported
    interface = LabelInterface(label_set().config)
    expected = {r["text"]: p for r, p in zip(rows, predictor.predict([r["text"] for r in rows]), strict=True)}
    for task in tasks:
        (pred,) = task["predictions"]
        assert pred["model_version"] == predictor.model_version
        assert interface.validate_prediction(pred, return_errors=True) == []
        want = expected[task["data"]["text"]]
        assert pred["score"] == pytest.approx(want.score)
        choice = next(r for r in pred["result"] if r["type"] == "choices")
        assert choice["value"]["choices"] == [want.label]
        for region in pred["result"]:
            if region["type"] == "labels":
                v = region["value"]
                assert task["data"]["text"][v["start"] : v["end"]] == v["text"]
    assert any(r["type"] == "labels" for t in tasks for r in t["predictions"][0]["result"])
    project = sdk.projects.get(id=tasks[0]["project"])
    assert project.model_version == predictor.model_version and project.maximum_annotations == 2

    # an annotator labels a few tasks through the SDK; pull returns exactly those labels
    rng = random.Random(7)
    chosen = rng.sample(tasks, 12)
    given = {}
    source, _cue = label_set().span_labels
    for i, task in enumerate(chosen):
        label = LABELS[i % 3]
        text = task["data"]["text"]
        region = {
            "from_name": "span",
            "to_name": "sentence",
            "type": "labels",
            "value": {"start": 0, "end": 3, "text": text[:3], "labels": [source]},
        }
        annotate(sdk, task["id"], label, regions=[region] if i == 0 else [], lead_time=2.5)
        given[task["data"]["sentence_id"]] = (label, text[:3] if i == 0 else None)
    skipped = next(t for t in tasks if t not in chosen)
    sdk.annotations.create(id=skipped["id"], result=[], was_cancelled=True)

    result = pull(studio, title)
    assert result.report.cancelled == 1
    got = {r["sentence_id"]: (r["label"], r["source_span"]) for r in result.rows}
    assert got == given
    for row in result.rows:
        assert set(row) == set(ANNOTATION_COLUMNS)
        assert row["annotator"] == "admin@annotator.local" and row["lead_time"] == 2.5
        assert row["model_version"] == predictor.model_version
        assert row["guideline_version"] == guideline().version
        assert row["predicted_label"] == expected[row["text"]].label

    # a second push adds nothing and leaves the annotations alone
    before = sum(len(t["annotations"]) for t in project_tasks(title))
    again = push(studio, rows, title=title, predictor=predictor)
    assert (again.imported, again.predictions_added) == (0, 0)
    assert sum(len(t["annotations"]) for t in project_tasks(title)) == before == 13


def test_new_model_predictions_reach_existing_tasks(studio, sdk, title, predictor, project_tasks):
    rows = rows_of(ARTICLES / "harbour-ammonia-leak.txt", ARTICLES / "transport-signal-failure.txt")
    push(studio, rows[:10], title=title)  # no model: no predictions
    assert all(not t["predictions"] for t in project_tasks(title))
    report = push(studio, rows, title=title, predictor=predictor)
    assert (report.imported, report.already, report.predictions_added) == (len(rows) - 10, 10, 10)
    tasks = project_tasks(title)
    assert len(tasks) == len(rows)
    assert all([p["model_version"] for p in t["predictions"]] == [predictor.model_version] for t in tasks)
    assert sdk.projects.get(id=tasks[0]["project"]).model_version == predictor.model_version
    assert push(studio, rows, title=title, predictor=predictor).predictions_added == 0


def test_agreement_of_two_annotators_matches_krippendorff(studio, sdk, title, second_annotator, cli_env, tmp_path):
    rows = rows_of(ARTICLES / "health-clinic-closures.txt")
    push(studio, rows, title=title, overlap=2)
    project = next(p for p in sdk.projects.list(title=title) if p.title == title)
    tasks = list(sdk.tasks.list(project=project.id, fields="task_only", include="id,data", page_size=500))[:24]
    me = sdk.users.whoami().id
    rng = random.Random(11)
    mine, theirs = {}, {}
    for task in tasks:
        a = rng.choice(LABELS)
        b = a if rng.random() < 0.6 else rng.choice(LABELS)
        annotate(sdk, task.id, a, me)
        annotate(sdk, task.id, b, second_annotator.id)
        mine[task.data["sentence_id"]], theirs[task.data["sentence_id"]] = a, b

    sids = sorted(mine)
    matrix = np.array([[LABELS.index(mine[s]) for s in sids], [LABELS.index(theirs[s]) for s in sids]], dtype=float)
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")

    out = tmp_path / "labels.parquet"
    proc = run([ANNOTATOR, "pull", "--project", title, "-o", str(out)], env=cli_env)
    assert proc.returncode == 0, proc.stderr
    df = pd.read_parquet(out)
    assert (
        len(tasks) >= 15
        and len(df) == 2 * len(tasks)
        and set(df["annotator"]) == {"admin@annotator.local", "bob@annotator.local"}
    )

    from annotator.studio.agreement import agreement

    assert agreement(df).alpha == pytest.approx(expected, abs=1e-12)
    proc = run([ANNOTATOR, "agreement", str(out)])
    assert proc.returncode == 0, proc.stderr
    assert f"Krippendorff's alpha (nominal): {expected:.3f}" in proc.stdout
    proc = run([ANNOTATOR, "agreement", "--project", title], env=cli_env)
    assert f"Krippendorff's alpha (nominal): {expected:.3f}" in proc.stdout
    n_disagree = sum(mine[s] != theirs[s] for s in sids)
    assert f"{n_disagree} sentence{'s' if n_disagree != 1 else ''} to adjudicate" in proc.stdout

    resolved = tmp_path / "resolved.jsonl"
    proc = run(
        [ANNOTATOR, "pull", "--project", title, "--resolved", "-o", str(resolved)],
        env=cli_env,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in resolved.read_text().splitlines()]
    assert len(lines) == len(tasks)
    for line in lines:
        s = line["sentence_id"]
        assert line["agreed"] == (mine[s] == theirs[s])
        assert line["label"] == (mine[s] if mine[s] == theirs[s] else None)


def test_cli_push_and_pull_formats(cli_env, title, tmp_path, project_tasks):
    article = ARTICLES / "politics-tax-threshold-revolt.txt"
    n = len(rows_of(article))
    proc = run(
        [ANNOTATOR, "push", str(article), "--project", title, "--no-model", "--batch-size", "7"],
        env=cli_env,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{n} new tasks without predictions in {-(-n // 7)} requests" in proc.stderr
    assert cli_env["LABEL_STUDIO_API_KEY"] not in proc.stderr + proc.stdout
    proc = run([ANNOTATOR, "push", str(article), "--project", title, "--no-model"], env=cli_env)
    assert proc.returncode == 0 and f"0 new tasks without predictions in 0 requests, {n} already there" in proc.stderr
    assert len(project_tasks(title)) == n
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"labels.{fmt}"
        proc = run([ANNOTATOR, "pull", "--project", title, "-o", str(out)], env=cli_env)
        assert proc.returncode == 0, proc.stderr
        assert out.exists() and "0 annotations written" in proc.stderr


def test_personal_access_token(sdk, studio_server, title):
    pat = sdk.tokens.create().token
    assert pat.count(".") == 2  # a JWT (refresh token), not a legacy token
    studio = Studio(studio_server.url, pat)
    assert studio.check() == "admin@annotator.local"
    report = push(studio, rows_of(ARTICLES / "crime-staged-crash-ring.txt"), title=title)
    assert report.imported > 0


def test_counts_do_not_depend_on_batch_size(studio, title, project_tasks):
    rows = rows_of(ARTICLES / "science-glacier-radar-survey.txt")
    rows = rows + rows[:5]  # an article given twice: its sentences are imported once
    report = push(studio, rows, title=title, batch_size=1)
    assert report.repeated == 5 and report.imported == report.batches == len(rows) - 5
    ids = Counter(t["data"]["sentence_id"] for t in project_tasks(title))
    assert max(ids.values()) == 1 and len(ids) == len(rows) - 5


def test_cli_push_pre_annotates_with_the_shipped_model_by_default(cli_env, title, project_tasks, tmp_path):
    card = json.loads((REPO / "models" / "default" / "card.json").read_text(encoding="utf-8"))
    article = ARTICLES / "transport-signal-failure.txt"
    proc = run([ANNOTATOR, "push", str(article), "--project", title], env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert f"with predictions of {card['version']}" in proc.stderr
    tasks = project_tasks(title)
    assert tasks and all([p["model_version"] for p in t["predictions"]] == [card["version"]] for t in tasks)

    # --model DIR: a copy of the model under another name is the same model (same version): nothing to add
    model_dir = tmp_path / "model"
    shutil.copytree(REPO / "models" / "default", model_dir)
    proc = run([ANNOTATOR, "push", str(article), "--project", title, "--model", str(model_dir)], env=cli_env)
    assert proc.returncode == 0 and "existing tasks got predictions" not in proc.stderr, proc.stderr
    # a model that is not one: a one-line error naming it, exit 1, nothing pushed
    (tmp_path / "empty").mkdir()
    proc = run(
        [ANNOTATOR, "push", str(article), "--project", title + " x", "--model", str(tmp_path / "empty")], env=cli_env
    )
    assert proc.returncode == 1 and str(tmp_path / "empty") in proc.stderr and "Traceback" not in proc.stderr


def test_push_of_inputs_that_all_fail_creates_no_project(cli_env, studio, title, tmp_path):
    """Issue 14, item 11: one line per failed input and exit status 1; no empty project, no "HTTP 400"."""
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    broken = tmp_path / "feed.jsonl"
    broken.write_text('{"id": "a", "text": \n{"id": "b"}\n', encoding="utf-8")
    proc = run([ANNOTATOR, "push", str(binary), str(broken), "--project", title, "--no-model"], env=cli_env)
    assert proc.returncode == 1, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert any(str(binary) in line for line in errors) and any(str(broken) in line for line in errors), proc.stderr
    assert "HTTP 400" not in proc.stderr and "Traceback" not in proc.stderr
    assert studio.find_project(title) is None

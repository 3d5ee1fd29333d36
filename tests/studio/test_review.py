"""``annotator review`` and ``pull --resolved`` against the session's real Label Studio: two real users label the same
tasks (tests/annotators.py), the review project is built, a decision is made through the API, and the resolved labels
use it. The server's state is read back with the raw SDK, not with our code."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from annotators import Labelled, annotate, choice, make_users, two_annotators
from cli_run import run
from jsonschema import Draft202012Validator
from label_studio_sdk.label_interface import LabelInterface

from annotator.errors import InputError, StudioError
from annotator.labels import label_set, labels
from annotator.studio.review import review
from annotator.studio.sync import pull, push, review_title_for
from annotator.studio.tasks import ANNOTATION_COLUMNS, RESOLVED_COLUMNS
from annotator.text.split import split

REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "data" / "articles" / "health-clinic-closures.txt"
SHORT = REPO / "data" / "articles" / "crime-staged-crash-ring.txt"


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((REPO / "schemas" / name).read_text(encoding="utf-8")))


PULLED = validator("pulled.schema.json")
RESOLVED = validator("resolved.schema.json")


def test_the_schemas_name_the_columns_pull_writes():
    assert set(PULLED.schema["properties"]) == set(ANNOTATION_COLUMNS)
    assert set(RESOLVED.schema["properties"]) == set(RESOLVED_COLUMNS)
    assert RESOLVED.schema["properties"]["origin"]["enum"] == ["review", "majority", "unanimous", "tie"]


def rows_of(path: Path, n: int | None = None) -> list[dict]:
    rows = split([path]).to_dict("records")
    return rows[:n] if n else rows


@pytest.fixture(autouse=True)
def server_env(studio_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The in-process ``annotator`` of cli_run talks to the session server."""
    monkeypatch.setenv("LABEL_STUDIO_URL", studio_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", studio_server.token)


@pytest.fixture
def labelled(sdk, studio, title, predictor) -> Labelled:  # type: ignore[no-untyped-def]
    return two_annotators(sdk, studio, title, rows_of(ARTICLE, 15), predictor=predictor)


def review_tasks(project_tasks, title: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {t["data"]["sentence_id"]: t for t in project_tasks(review_title_for(title))}


def decide(sdk, task: dict, label: str, user_id: int | None = None) -> int:  # type: ignore[no-untyped-def]
    kwargs = {"completed_by": user_id} if user_id is not None else {}
    return int(sdk.annotations.create(id=task["id"], result=choice(label), **kwargs).id)


def test_review_project_holds_each_disagreement_with_every_annotators_label(
    labelled, studio, sdk, title, predictor, project_tasks
):
    report = review(studio, title, predictor=predictor)
    tasks = review_tasks(project_tasks, title)
    want = labelled.disagreements()
    assert 3 <= len(want) < len(labelled.votes)
    assert set(tasks) == want and report.added == len(want) and report.created_project
    assert report.annotators == sorted([labelled.alice.email, labelled.bob.email, labelled.admin.email])
    main = {t["data"]["sentence_id"]: t for t in project_tasks(title)}
    interface = LabelInterface(label_set().config)
    for sid, task in tasks.items():
        data = task["data"]
        original = main[sid]
        assert {k: data[k] for k in original["data"]} == original["data"]  # the sentence and its context
        assert data["review_of"] == original["project"] and data["task_id"] == original["id"]
        assert data["reason"] == "disagreement"
        votes = labelled.votes[sid]
        assert data["votes"] == " · ".join(f"{who}: {votes[who]}" for who in sorted(votes))
        by_version = {p["model_version"]: p for p in task["predictions"]}
        assert set(by_version) == {*votes, predictor.model_version}
        for who, label in votes.items():
            result = by_version[who]["result"]
            assert [r["value"]["choices"] for r in result if r["from_name"] == "label"] == [[label]]
            assert not interface.validate_prediction(by_version[who], return_errors=True)
        alice = by_version[labelled.alice.email]["result"]
        assert [r["value"]["labels"] for r in alice if r["from_name"] == "span"] == [["Source"]]
        assert task["annotations"] == []
    project = sdk.projects.get(id=next(iter(tasks.values()))["project"])
    labelling = sdk.projects.get(id=labelled.project_id)
    assert project.label_config == labelling.label_config and project.maximum_annotations == 1
    assert project.expert_instruction == labelling.expert_instruction
    # the editor, opened from the Data Manager, reads GET /api/tasks/ID: every annotator's prediction is there
    one = next(iter(tasks.values()))
    shown = sdk.tasks.get(id=one["id"])
    assert {p.model_version if not isinstance(p, dict) else p["model_version"] for p in shown.predictions} == {
        *labelled.votes[one["data"]["sentence_id"]],
        predictor.model_version,
    }


def test_rerun_adds_new_disagreements_only_and_never_touches_a_decision(
    labelled, studio, sdk, title, predictor, project_tasks
):
    review(studio, title, predictor=predictor)
    before = review_tasks(project_tasks, title)
    decided_sid, undecided_sid, changed_sid = sorted(before)[:3]
    decision = decide(sdk, before[decided_sid], labels()[2])
    # alice changes her label on a sentence under review (undecided) and on the decided one
    for sid in (changed_sid, decided_sid):
        alice_ann = next(
            a
            for a in sdk.annotations.list(id=labelled.task_ids[sid])
            if (a.completed_by if not isinstance(a.completed_by, dict) else a.completed_by["id"]) == labelled.alice.id
        )
        bob_label = labelled.votes[sid][labelled.bob.email]
        new_label = next(x for x in labels() if x not in (bob_label, labelled.votes[sid][labelled.alice.email]))
        sdk.annotations.update(id=alice_ann.id, result=choice(new_label))
        labelled.votes[sid][labelled.alice.email] = new_label
    # the admin labels the undecided one too (a new vote), and bob changes his mind on an agreed sentence
    annotate(sdk, labelled.task_ids[undecided_sid], labels()[0], labelled.admin)
    agreed = sorted(set(labelled.votes) - set(before))[0]
    bob_ann = next(
        a
        for a in sdk.annotations.list(id=labelled.task_ids[agreed])
        if (a.completed_by if not isinstance(a.completed_by, dict) else a.completed_by["id"]) == labelled.bob.id
    )
    other = next(label for label in labels() if label != labelled.votes[agreed][labelled.bob.email])
    sdk.annotations.update(id=bob_ann.id, result=choice(other))

    again = review(studio, title, predictor=predictor)
    after = review_tasks(project_tasks, title)
    assert set(after) == set(before) | {agreed} and again.added == 1 and again.already == len(before)
    assert len(project_tasks(review_title_for(title))) == len(before) + 1  # no duplicates
    assert again.decided == 1
    assert after[decided_sid]["predictions"] == before[decided_sid]["predictions"]
    assert [a["id"] for a in after[decided_sid]["annotations"]] == [decision]
    assert after[decided_sid]["data"] == before[decided_sid]["data"]
    versions = [p["model_version"] for p in after[undecided_sid]["predictions"]]
    assert labelled.admin.email in versions and len(versions) == len(set(versions))
    assert again.predictions_added >= 1
    assert labelled.admin.email in after[undecided_sid]["data"]["votes"]  # the votes of now
    votes = labelled.votes[changed_sid]
    assert after[changed_sid]["data"]["votes"] == " · ".join(f"{who}: {votes[who]}" for who in sorted(votes))
    (alice_pred,) = [p for p in after[changed_sid]["predictions"] if p["model_version"] == labelled.alice.email]
    assert [r["value"] for r in alice_pred["result"] if r["from_name"] == "label"] == [
        {"choices": [votes[labelled.alice.email]]}
    ]
    assert again.refreshed == 2  # the undecided one alice changed, the one the admin labelled; not the decided one

    third = review(studio, title, predictor=predictor)
    assert (third.added, third.predictions_added, third.refreshed) == (0, 0, 0)
    assert len(project_tasks(review_title_for(title))) == len(after)


def test_pull_resolved_takes_the_decision_else_the_majority(labelled, studio, sdk, title, project_tasks, tmp_path):
    review(studio, title)
    tasks = review_tasks(project_tasks, title)
    first = next(iter(labelled.votes))  # the task with a third annotation: a 2-1 majority
    ties = sorted(labelled.disagreements() - {first})
    decided = ties[0]
    chosen = labelled.votes[decided][labelled.bob.email]
    decide(sdk, tasks[decided], chosen)

    out = tmp_path / "resolved.jsonl"
    assert run(["pull", "--project", title, "--resolved", "-o", str(out)]) == 0
    rows = {r["sentence_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(rows) == set(labelled.votes) and all(list(r) == list(RESOLVED_COLUMNS) for r in rows.values())
    assert rows[decided]["origin"] == "review" and rows[decided]["label"] == chosen == rows[decided]["review_label"]
    assert rows[first]["origin"] == "majority" and rows[first]["label"] == labelled.votes[first][labelled.alice.email]
    for sid in ties[1:]:
        assert rows[sid]["origin"] == "tie" and rows[sid]["label"] is None and rows[sid]["review_label"] is None
    for sid in set(labelled.votes) - labelled.disagreements():
        assert rows[sid]["origin"] == "unanimous" and rows[sid]["label"] == labelled.votes[sid][labelled.alice.email]

    for row in rows.values():
        RESOLVED.validate(row)
    per = pull(studio, title).rows
    assert all(list(r) == list(ANNOTATION_COLUMNS) for r in per)
    per_file = tmp_path / "labels.jsonl"
    assert run(["pull", "--project", title, "-o", str(per_file)]) == 0
    for line in per_file.read_text(encoding="utf-8").splitlines():
        PULLED.validate(json.loads(line))
    assert {r["review_label"] for r in per if r["sentence_id"] == decided} == {chosen}
    assert {r["review_label"] for r in per if r["sentence_id"] != decided} == {None}
    assert {r["article_id"] for r in per} == {r["article_id"] for r in rows_of(ARTICLE, 15)}
    assert {r["gold_label"] for r in per} == {None}


def test_a_decision_outlives_the_deletion_of_its_task(labelled, studio, sdk, title, project_tasks, capsys):
    review(studio, title)
    tasks = review_tasks(project_tasks, title)
    sid = sorted(tasks)[0]
    decide(sdk, tasks[sid], labels()[1])
    sdk.tasks.delete(id=labelled.task_ids[sid])  # deleted in the main project after the decision

    result = pull(studio, title, resolved=True)
    row = next(r for r in result.rows if r["sentence_id"] == sid)
    assert (row["label"], row["origin"], row["n_annotations"]) == (labels()[1], "review", 0)
    assert row["text"] == tasks[sid]["data"]["text"] and result.orphaned == [sid]
    RESOLVED.validate(row)
    capsys.readouterr()
    assert run(["pull", "--project", title, "--resolved", "-o", "-"]) == 0
    err = capsys.readouterr().err
    assert "warning: 1 decision is for sentences no longer annotated" in err and "Traceback" not in err

    again = review(studio, title)
    assert again.orphaned == 1 and again.added == 0
    assert len(review_tasks(project_tasks, title)) == len(tasks)  # nothing deleted, the decision kept
    (kept,) = review_tasks(project_tasks, title)[sid]["annotations"]
    assert kept["result"][0]["value"] == {"choices": [labels()[1]]}


def test_flagged_sentences_join_the_disagreements(labelled, studio, title, project_tasks):
    agreed = sorted(set(labelled.votes) - labelled.disagreements())[0]
    both = sorted(labelled.disagreements())[0]
    flagged = pd.DataFrame(
        {
            "sentence_id": [agreed, both, "no-such-article:0"],
            "reason": ["label issue: contested suggested", "label issue: attributed suggested", "x"],
        }
    )
    report = review(studio, title, flagged=flagged)
    tasks = review_tasks(project_tasks, title)
    assert set(tasks) == labelled.disagreements() | {agreed}
    assert tasks[agreed]["data"]["reason"] == "label issue: contested suggested"
    assert tasks[both]["data"]["reason"] == "disagreement; label issue: attributed suggested"
    assert (report.flagged, report.flagged_unknown) == (2, 1)
    with pytest.raises(InputError, match="column 'reason' missing"):
        review(studio, title, flagged=pd.DataFrame({"sentence_id": [agreed]}))


# -- bad input: one line, an exit status, no traceback, no decision lost ----------------------------------------------


def one_line_error(capsys) -> str:  # type: ignore[no-untyped-def]
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_project_without_annotations_or_missing(studio, title, capsys):
    assert run(["review", "--project", title, "--no-model"]) == 1
    assert "no project titled" in one_line_error(capsys)
    push(studio, rows_of(SHORT, 4), title=title)
    assert run(["review", "--project", title, "--no-model"]) == 1
    assert "has no labelled annotations yet" in one_line_error(capsys)
    assert studio.find_project(review_title_for(title)) is None


def test_one_annotator_only_is_nothing_to_review(studio, sdk, title, capsys):
    report = push(studio, rows_of(SHORT, 4), title=title, overlap=2)
    (solo,) = make_users(sdk, ["solo"])
    for task in sdk.tasks.list(project=report.project.id, fields="task_only", include="id", page_size=100):
        annotate(sdk, task.id, labels()[0], solo)
    assert run(["review", "--project", title, "--no-model"]) == 0
    err = capsys.readouterr().err
    assert f"nothing to review (only one annotator ({solo.email}))" in err and "Traceback" not in err
    assert studio.find_project(review_title_for(title)) is None
    assert run(["review", "--project", title, "--review-project", title, "--no-model"]) == 1
    assert "must not be the project itself" in one_line_error(capsys)


def test_review_project_edited_by_hand(labelled, studio, sdk, title, project_tasks, capsys):
    first = review(studio, title)
    target = first.review_project
    assert target is not None
    tasks = review_tasks(project_tasks, title)
    gone, kept = sorted(tasks)[:2]
    decision = decide(sdk, tasks[kept], labels()[0])
    sdk.tasks.delete(id=tasks[gone]["id"])  # a reviewer deleted a review task
    by_hand = {"text": "a task added by hand", "prev": "", "next": "", "title": "", "outlet": ""}
    sdk.projects.import_tasks(id=target.id, request=[{"data": by_hand}])

    assert run(["review", "--project", title, "--no-model"]) == 0
    err = capsys.readouterr().err
    assert "warning: 1 review task of the review project not made by `annotator review`" in err
    after = {t["data"].get("sentence_id"): t for t in project_tasks(review_title_for(title))}
    assert gone in after and after[gone]["annotations"] == []  # the sentence still disagrees: back in review
    assert [a["id"] for a in after[kept]["annotations"]] == [decision]
    assert after[None]["data"] == by_hand
    # a review task whose fields were edited by hand but kept its sentence_id still holds its sentence
    undecided = next(sid for sid in after if sid not in (None, kept, gone))
    sdk.tasks.update(id=after[undecided]["id"], data={**by_hand, "sentence_id": undecided})
    assert run(["review", "--project", title, "--no-model"]) == 0
    capsys.readouterr()
    assert len(project_tasks(review_title_for(title))) == len(after)  # not added again

    # its label config no longer has our labels: refused, nothing changed
    edited = label_set().config.replace('value="contested"', 'value="disputed"')
    sdk.projects.update(id=target.id, label_config=edited)
    assert run(["review", "--project", title, "--no-model"]) == 1
    err = one_line_error(capsys)
    assert "without the labels ['contested']" in err and "--review-project" in err
    with pytest.raises(StudioError):
        review(studio, title)
    assert len(project_tasks(review_title_for(title))) == len(after)
    assert run(["pull", "--project", title, "--resolved", "-o", "-"]) == 0  # decisions are still read
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert next(r for r in lines if r["sentence_id"] == kept)["origin"] == "review"
    assert run(["pull", "--project", title, "--review-project", "no such review", "-o", "-"]) == 1
    assert "no review project titled 'no such review'" in one_line_error(capsys)


def test_a_dropped_import_is_completed_by_the_next_run(labelled, studio, title, project_tasks, monkeypatch, capsys):
    """A fault injected into one import request: the error says how far it got, and the next run adds the rest
    without a duplicate."""
    from annotator.studio import review as module
    from annotator.studio.client import Studio

    monkeypatch.setattr(module, "BATCH", 2)
    calls = []
    real = Studio.import_tasks

    def flaky(self, project_id, tasks):  # type: ignore[no-untyped-def]
        calls.append(len(tasks))
        if len(calls) == 2:
            raise StudioError("Label Studio at http://x failed importing: ReadTimeout")
        return real(self, project_id, tasks)

    monkeypatch.setattr(Studio, "import_tasks", flaky)
    assert run(["review", "--project", title, "--no-model"]) == 1
    err = one_line_error(capsys)
    assert "2 review tasks were imported before this batch of 2: run the same review again" in err
    monkeypatch.setattr(Studio, "import_tasks", real)
    again = review(studio, title)
    assert set(review_tasks(project_tasks, title)) == labelled.disagreements()
    assert len(project_tasks(review_title_for(title))) == len(labelled.disagreements())
    assert again.already == 2 and again.added == len(labelled.disagreements()) - 2

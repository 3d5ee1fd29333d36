"""Gold tasks (``annotator push --gold``): ids from the text, seeded positions between articles, and a round trip
through the session's real Label Studio (known label in the task's meta, ``gold`` in its data, pull's gold_label)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from annotators import annotate, make_users
from cli_run import run

from annotator.guideline import guideline
from annotator.io.labelled import read_labelled
from annotator.studio.gold import gold_id, gold_tasks, mix
from annotator.studio.sync import pull, push
from annotator.studio.tasks import iter_tasks
from annotator.text.split import split

REPO = Path(__file__).resolve().parents[2]
ARTICLES = [REPO / "data" / "articles" / n for n in ("crime-staged-crash-ring.txt", "harbour-ammonia-leak.txt")]
TRAIN = sorted((REPO / "data" / "train").glob("*.jsonl"))[0]


@pytest.fixture(scope="module")
def gold_rows() -> list[dict]:
    return read_labelled([TRAIN]).head(4).to_dict("records")


def tasks_of(rows: list[dict]) -> list[dict]:
    return list(iter_tasks(rows, guideline_version="g"))


def test_gold_tasks_are_named_by_their_text_and_carry_the_label_in_meta(gold_rows):
    tasks = gold_tasks(gold_rows + gold_rows[:1], guideline_version="g")
    assert len(tasks) == len(gold_rows)  # a text given twice is one gold task
    for task, row in zip(tasks, gold_rows, strict=True):
        assert task["data"]["sentence_id"] == gold_id(row["text"]) + ":0" and task["data"]["text"] == row["text"]
        assert task["data"]["gold"] is True and task["meta"] == {"gold_label": row["label"]}
        assert "gold_label" not in task["data"] and "label" not in task["data"]
    assert gold_id("a") != gold_id("b") and gold_id("a") == gold_id("a")
    # context from the same article in the input: the sentences around it and the headline
    same = [r for r in gold_rows if r["article_id"] == gold_rows[1]["article_id"]]
    k = same.index(gold_rows[1])
    assert tasks[1]["data"]["prev"] == (same[k - 1]["text"] if k else "")
    assert tasks[1]["data"]["next"] == (same[k + 1]["text"] if k + 1 < len(same) else "")
    headline = next((r["text"] for r in same if r["kind"] == "headline"), "")
    assert tasks[1]["data"]["title"] == headline != ""


def test_mix_places_gold_between_articles_at_seeded_positions(gold_rows):
    rows = split(ARTICLES).to_dict("records")
    gold = gold_tasks(gold_rows, guideline_version="g")
    mixed = [t["data"] for t in mix(tasks_of(rows), gold, seed=3)]
    assert len(mixed) == len(tasks_of(rows)) + len(gold)
    ordinary = [d for d in mixed if not d["gold"]]
    assert [d["sentence_id"] for d in ordinary] == [t["data"]["sentence_id"] for t in tasks_of(rows)]
    for i, d in enumerate(mixed):
        if d["gold"] and 0 < i < len(mixed) - 1:  # never inside an article
            before = (
                next(x for x in reversed(mixed[:i]) if not x["gold"]) if any(not x["gold"] for x in mixed[:i]) else None
            )
            after = next((x for x in mixed[i + 1 :] if not x["gold"]), None)
            assert before is None or after is None or before["article_id"] != after["article_id"]
    again = [
        t["data"]["sentence_id"] for t in mix(tasks_of(rows), gold_tasks(gold_rows, guideline_version="g"), seed=3)
    ]
    assert again == [d["sentence_id"] for d in mixed]
    others = {
        tuple(
            t["data"]["sentence_id"] for t in mix(tasks_of(rows), gold_tasks(gold_rows, guideline_version="g"), seed=s)
        )
        for s in range(8)
    }
    assert len(others) > 1  # the seed moves them


def test_gold_round_trip(studio, sdk, title, predictor, gold_rows, project_tasks):
    rows = split(ARTICLES).to_dict("records")
    gold = gold_tasks(gold_rows, guideline_version=guideline().version)
    report = push(studio, rows, title=title, predictor=predictor, gold=gold, gold_seed=1)
    assert report.imported == len(rows) + len(gold)
    tasks = sorted(project_tasks(title), key=lambda t: t["id"])
    marked = [t for t in tasks if t["data"].get("gold")]
    assert {t["data"]["text"] for t in marked} == {r["text"] for r in gold_rows}
    assert all(t["data"]["gold"] is False for t in tasks if t not in marked)
    assert all(
        [p["model_version"] for p in t["predictions"]] == [predictor.model_version] for t in tasks
    )  # the model's prediction on every task, gold or not
    assert set(tasks[0]["data"]) == set(marked[0]["data"])  # the same fields as the others
    known = {r["text"]: r["label"] for r in gold_rows}
    for t in marked:
        assert sdk.tasks.get(id=t["id"]).meta == {"gold_label": known[t["data"]["text"]]}
    assert push(studio, rows, title=title, predictor=predictor, gold=gold, gold_seed=1).imported == 0

    (ann,) = make_users(sdk, ["goldie"])
    for t in tasks[:3] + marked:
        annotate(sdk, t["id"], "attributed", ann)
    pulled = pull(studio, title).rows
    by_text = {r["text"]: r for r in pulled}
    for t in marked:
        assert by_text[t["data"]["text"]]["gold_label"] == known[t["data"]["text"]]
    assert [by_text[t["data"]["text"]]["gold_label"] for t in tasks[:3] if t not in marked] == [None] * len(
        [t for t in tasks[:3] if t not in marked]
    )


def test_cli_push_gold(studio_server, title, tmp_path, monkeypatch, capsys, project_tasks):
    monkeypatch.setenv("LABEL_STUDIO_URL", studio_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", studio_server.token)
    bad = tmp_path / "gold.jsonl"
    bad.write_text(json.dumps({"text": "A sentence.", "label": "maybe", "topic": "t", "article_id": "a"}) + "\n")
    assert run(["push", str(ARTICLES[0]), "--project", title, "--no-model", "--gold", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert "unknown label 'maybe'" in err and len(err.splitlines()) == 1
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps(
            {
                "text": "The minister said the bridge would reopen.",
                "label": "attributed",
                "topic": "t",
                "article_id": "a",
            }
        )
        + "\n"
    )
    assert run(["push", str(ARTICLES[0]), "--project", title, "--no-model", "--gold", str(good)]) == 0
    assert "1 gold sentences mixed in" in capsys.readouterr().err
    assert sum(bool(t["data"].get("gold")) for t in project_tasks(title)) == 1

"""The label config, the guideline, and the pure conversions of annotator.studio.tasks (rows -> tasks and predictions,
export snapshots -> labelled rows). Expectations come from the inputs built here and from the documented formats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from label_studio_sdk.label_interface import LabelInterface

import annotator
from annotator.errors import SchemaError
from annotator.guideline import guideline
from annotator.labels import label_set, labels
from annotator.predictions import Prediction
from annotator.resources import schema_path
from annotator.studio.tasks import (
    ANNOTATION_COLUMNS,
    TASK_FIELDS,
    ExportReport,
    annotation_rows,
    decisions,
    iter_tasks,
    prediction_json,
    resolve,
)

PACKAGE = Path(annotator.__file__).resolve().parent
CONFIG = schema_path("label_config.xml").read_text(encoding="utf-8")


def test_label_config_is_valid_for_the_sdk():
    interface = LabelInterface(CONFIG)
    interface.validate()  # raises on an invalid config
    assert {c.name for c in interface.controls} >= {"label", "span", "note"}
    choices = interface.get_control("label")
    assert tuple(choices.labels) == labels()
    assert [choices.labels_attrs[label].attr["hotkey"] for label in labels()] == ["1", "2", "3"]
    assert all(choices.labels_attrs[label].attr.get("hint") for label in labels())
    assert choices.attr["choice"] == "single" and choices.attr["required"] == "true"
    assert tuple(interface.get_control("span").labels) == label_set().span_labels
    # the context sentences are shown but nothing points at them: they cannot be selected or labelled
    targets = {name for control in interface.controls for name in control.to_name}
    assert targets == {"sentence"}
    assert {"prev", "next", "sentence", "outlet"} <= {o.name for o in interface.objects}


def test_no_module_but_labels_defines_the_label_names():
    names = list(label_set().labels) + list(label_set().span_labels)
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "labels.py":
            continue
        source = path.read_text(encoding="utf-8")
        for name in names:
            if re.search(rf"^class {re.escape(name)}\b", source, re.M):
                continue  # a class of that name (sources.Source, sources.Cue), exported in __all__
            if re.search(rf"""["']{re.escape(name)}["']""", source):
                offenders.append(f"{path.name}: {name!r}")
    assert not offenders, f"label names written out in the package source: {offenders}"


def test_guideline_carries_a_version_and_every_label():
    g = guideline()
    assert re.fullmatch(r"\d+(\.\d+)*", g.version)
    # Label Studio strips attributes from instructions: the version must also be in the visible text
    assert f"(guideline {g.version})" in g.html
    for name in list(labels()) + list(label_set().span_labels):
        assert name in g.html, name
    # the hotkeys the guideline names are the config's
    for i, label in enumerate(labels(), start=1):
        assert re.search(rf"<kbd>{i}</kbd>\s*{label}", g.html), label


def rows_of(article: str, texts: list[str], kind: str = "body") -> list[dict]:
    rows, offset = [], 0
    for i, text in enumerate(texts):
        rows.append(
            {
                "article_id": article,
                "sentence_id": f"{article}:{offset}-{offset + len(text)}",
                "index": i,
                "start": offset,
                "end": offset + len(text),
                "text": text,
                "kind": kind,
                "quote_id": None,
                "title": f"Title of {article}",
                "source": "The Test Herald",
                "url": None,
                "published": "2026-05-01",
            }
        )
        offset += len(text) + 1
    return rows


def test_tasks_carry_context_within_the_article_only():
    a = rows_of("a", ["First.", "Second.", "Third."])
    b = rows_of("b", ["Only one."])
    boiler = dict(a[1], kind="boilerplate", sentence_id="a:99-100", text="Advertisement")
    tasks = list(iter_tasks([a[0], a[1], boiler, a[2], *b], guideline_version="9.9"))
    assert [t["data"]["text"] for t in tasks] == ["First.", "Second.", "Third.", "Only one."]
    assert [(t["data"]["prev"], t["data"]["next"]) for t in tasks] == [
        ("", "Second."),
        ("First.", "Third."),
        ("Second.", ""),
        ("", ""),
    ]
    for task in tasks:
        assert set(task["data"]) == set(TASK_FIELDS)
        assert task["data"]["guideline_version"] == "9.9"
    assert tasks[3]["data"]["title"] == "Title of b" and tasks[3]["data"]["url"] is None
    assert tasks[3]["data"]["outlet"] == "The Test Herald"


def test_prediction_json_is_valid_and_places_spans():
    text = "Mayor Ines Arlo said the bridge was safe."
    pred = Prediction(
        label="attributed",
        score=0.8,
        scores={"attributed": 0.8, "unverified": 0.15, "contested": 0.05},
        source_spans=((0, 15),),
        cue_spans=((16, 20),),
    )
    js = prediction_json(pred, text, model_version="m-7")
    assert LabelInterface(CONFIG).validate_prediction(js, return_errors=True) == []
    assert js["model_version"] == "m-7" and js["score"] == 0.8
    spans = {r["value"]["labels"][0]: r["value"]["text"] for r in js["result"] if r["type"] == "labels"}
    source, cue = label_set().span_labels
    assert spans == {source: "Mayor Ines Arlo", cue: "said"}
    choice = [r for r in js["result"] if r["type"] == "choices"]
    assert choice[0]["value"]["choices"] == ["attributed"]


def test_prediction_json_refuses_a_span_outside_the_sentence():
    pred = Prediction(label="attributed", score=0.5, scores={}, source_spans=((3, 40),))
    with pytest.raises(SchemaError, match="outside the sentence"):
        prediction_json(pred, "Too short.", model_version="m")


def test_the_sdk_rejects_what_the_server_would_silently_accept():
    pred = Prediction(label="rumour", score=0.5, scores={})
    errors = LabelInterface(CONFIG).validate_prediction(prediction_json(pred, "Text.", model_version="m"), True)
    assert errors and "rumour" in errors[0]


def export_task(task_id: int, sid: str, annotations: list[dict], predictions: list[dict] | None = None) -> dict:
    return {
        "id": task_id,
        "data": {"sentence_id": sid, "text": f"text of {sid}", "guideline_version": "1.0"},
        "annotations": annotations,
        "predictions": predictions or [],
    }


def choice(label: str) -> dict:
    return {"from_name": "label", "to_name": "sentence", "type": "choices", "value": {"choices": [label]}}


def test_annotation_rows_from_an_export():
    source, cue = label_set().span_labels
    spans = [
        {"from_name": "span", "type": "labels", "value": {"start": 0, "end": 3, "text": "Ann", "labels": [source]}},
        {"from_name": "span", "type": "labels", "value": {"start": 9, "end": 13, "text": "Bob", "labels": [source]}},
        {"from_name": "span", "type": "labels", "value": {"start": 4, "end": 8, "text": "said", "labels": [cue]}},
        {"from_name": "note", "type": "textarea", "value": {"text": ["check this"]}},
    ]
    shown = {"id": 5, "model_version": "v2", "score": 0.9, "result": [choice("unverified")]}
    old = {"id": 4, "model_version": "v1", "score": 0.4, "result": [choice("contested")]}
    tasks = [
        export_task(
            1,
            "s1",
            [
                {
                    "id": 10,
                    "completed_by": {"id": 1, "email": "ann@x"},
                    "result": [choice("attributed"), *spans],
                    "lead_time": 4.5,
                    "created_at": "c",
                    "updated_at": "u",
                    "prediction": shown,
                },
                {"id": 11, "completed_by": 2, "result": [], "was_cancelled": True},
                {"id": 12, "completed_by": 2, "result": [spans[0]]},
            ],
            [old, shown],
        ),
        export_task(2, "s2", [{"id": 13, "completed_by": 2, "result": [choice("contested")]}], [old, shown]),
    ]
    report = ExportReport()
    rows = list(annotation_rows(tasks, users={2: "bob@x"}, model_version="v1", report=report))
    assert (report.tasks, report.annotations, report.cancelled, report.unlabelled) == (2, 4, 1, 1)
    assert report.skipped_ids == [11] and report.skipped_by == {"bob@x": 1}
    assert [set(r) for r in rows] == [set(ANNOTATION_COLUMNS)] * 2
    first, second = rows
    assert first["label"] == "attributed" and first["annotator"] == "ann@x"
    assert first["source_span"] == "Ann | Bob" and first["cue_span"] == "said" and first["note"] == "check this"
    assert (first["predicted_label"], first["predicted_score"], first["model_version"]) == ("unverified", 0.9, "v2")
    assert first["lead_time"] == 4.5 and first["guideline_version"] == "1.0"
    # no prediction attached to the annotation: the task's prediction of the project's model version
    assert second["annotator"] == "bob@x" and second["label"] == "contested"
    assert (second["predicted_label"], second["model_version"]) == ("contested", "v1")
    assert second["source_span"] is None and second["note"] is None


def test_resolve_majority_and_ties():
    rows = [
        {"sentence_id": "a", "label": "attributed", "text": "A"},
        {"sentence_id": "a", "label": "attributed", "text": "A"},
        {"sentence_id": "a", "label": "contested", "text": "A"},
        {"sentence_id": "b", "label": "unverified", "text": "B"},
        {"sentence_id": "b", "label": "unverified", "text": "B"},
        {"sentence_id": "c", "label": "unverified", "text": "C"},
        {"sentence_id": "c", "label": "contested", "text": "C"},
    ]
    out = {r["sentence_id"]: r for r in resolve(rows)}
    assert (out["a"]["label"], out["a"]["agreed"], out["a"]["n_annotations"]) == ("attributed", False, 3)
    assert out["a"]["votes"] == "attributed:2 contested:1"
    assert (out["b"]["label"], out["b"]["agreed"]) == ("unverified", True)
    assert (out["c"]["label"], out["c"]["agreed"]) == (None, False)
    assert [out[k]["origin"] for k in "abc"] == ["majority", "unanimous", "tie"]


def test_decisions_take_the_latest_labelled_annotation_of_our_review_tasks():
    def ann(i: int, label: str | None, when: str, cancelled: bool = False) -> dict:
        result = [choice(label)] if label else []
        return {"id": i, "completed_by": 1, "result": result, "updated_at": when, "was_cancelled": cancelled}

    tasks = [
        export_task(1, "s1", [ann(1, "attributed", "2026-01-01"), ann(2, "contested", "2026-01-02")], []),
        export_task(2, "s2", [ann(3, "attributed", "2026-01-01"), ann(4, "contested", "2026-01-03", True)], []),
        export_task(3, "s3", [ann(5, None, "2026-01-01")], []),  # no label: no decision
        {"id": 4, "data": {"text": "by hand"}, "annotations": [ann(6, "unverified", "2026-01-01")]},  # not ours
    ]
    found = decisions(tasks, users={1: "rev@x"})
    assert {sid: d.label for sid, d in found.items()} == {"s1": "contested", "s2": "attributed"}
    assert found["s1"].reviewer == "rev@x" and found["s1"].data["text"] == tasks[0]["data"]["text"]


def test_resolve_puts_the_decision_first_and_keeps_a_decision_without_annotations():
    rows = [
        {"sentence_id": "a", "label": "attributed", "text": "A", "article_id": "x"},
        {"sentence_id": "a", "label": "contested", "text": "A", "article_id": "x"},
        {"sentence_id": "b", "label": "unverified", "text": "B", "article_id": "x"},
    ]
    found = decisions(
        [
            export_task(1, "a", [{"id": 1, "completed_by": 1, "result": [choice("contested")]}], []),
            export_task(2, "b", [{"id": 2, "completed_by": 1, "result": [choice("attributed")]}], []),
            export_task(3, "gone", [{"id": 3, "completed_by": 1, "result": [choice("unverified")]}], []),
        ]
    )
    out = {r["sentence_id"]: r for r in resolve(rows, review=found)}
    assert [(out[k]["label"], out[k]["origin"], out[k]["n_annotations"]) for k in ("a", "b", "gone")] == [
        ("contested", "review", 2),
        ("attributed", "review", 1),  # the reviewer overrules even a single annotator
        ("unverified", "review", 0),
    ]
    assert out["gone"]["votes"] is None and out["gone"]["text"] == found["gone"].data["text"]
    assert [r["review_label"] for r in resolve(rows)] == [None, None]

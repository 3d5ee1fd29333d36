"""Sentence rows <-> Label Studio tasks and predictions; export snapshots -> labelled rows. Pure: no I/O.

A task is ``{"data": {...}}`` with the fields in :data:`TASK_FIELDS`: the sentence (``text``), the sentences before and
after it in the same article (``prev``, ``next``; empty at the edges), the article metadata (the sentence row's
``source`` is called ``outlet`` here: Label Studio's editor shows the whole task in place of ``$source``), and the
version of the guideline it was pushed under. A prediction is Label Studio's JSON:
``{"model_version", "score", "result": [...]}`` with one ``choices`` region for the label and one ``labels`` region per
Source/Cue span (end-exclusive character offsets into the sentence text).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from annotator.errors import SchemaError
from annotator.io import Row
from annotator.labels import CHOICES_NAME, NOTE_NAME, SPANS_NAME, TEXT_NAME, label_set
from annotator.predictions import Prediction

Task = dict[str, Any]

#: the fields of a task's data, in order; the label config reads text, prev, next, title and outlet
TASK_FIELDS = (
    "sentence_id",
    "article_id",
    "index",
    "kind",
    "quote_id",
    "text",
    "prev",
    "next",
    "title",
    "outlet",
    "url",
    "published",
    "guideline_version",
)

#: one row per annotation, as ``pull`` writes it
ANNOTATION_COLUMNS = (
    "sentence_id",
    "text",
    "label",
    "annotator",
    "created_at",
    "updated_at",
    "lead_time",
    "source_span",
    "cue_span",
    "note",
    "guideline_version",
    "predicted_label",
    "predicted_score",
    "model_version",
    "task_id",
    "annotation_id",
    "article_id",
    "gold_label",
    "review_label",
)

#: one row per sentence, as ``pull --resolved`` writes it; ``origin`` says where ``label`` comes from
RESOLVED_COLUMNS = (
    "sentence_id",
    "text",
    "label",
    "agreed",
    "n_annotations",
    "votes",
    "guideline_version",
    "origin",
    "review_label",
    "article_id",
)

#: where a resolved label comes from: the reviewer's decision, the majority, every annotator, or nowhere (a tie)
ORIGINS = ("review", "majority", "unanimous", "tie")

#: Parquet types (pyarrow aliases) of the columns that are not strings
COLUMN_TYPES = {
    "lead_time": "float64",
    "predicted_score": "float64",
    "task_id": "int64",
    "annotation_id": "int64",
    "agreed": "bool",
    "n_annotations": "int64",
}

SPAN_JOIN = " | "


def span_labels() -> tuple[str, str]:
    """The Source and Cue span labels: the first and second ``<Label>`` of the ``span`` control, in config order."""
    spans = label_set().span_labels
    if len(spans) != 2:
        raise SchemaError(f"<Labels name={SPANS_NAME!r}> must list two labels (source, then cue); got {list(spans)}")
    return spans[0], spans[1]


# -- rows -> tasks --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _plain(value: Any) -> Any:
    """A JSON-safe scalar: missing values (None, NaN, pandas NA) become None, numpy numbers Python numbers."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return None if pd.isna(value) else value


def iter_tasks(rows: Iterable[Row], *, guideline_version: str) -> Iterator[Task]:
    """Tasks from sentence rows (``annotator.text.split`` rows, articles contiguous and in sentence order).

    Boilerplate rows are skipped. ``prev``/``next`` are the neighbouring sentences of the same article.
    """
    body = (r for r in rows if r.get("kind") != "boilerplate")
    for _aid, group in itertools.groupby(body, key=lambda r: r["article_id"]):
        sentences = list(group)
        for i, row in enumerate(sentences):
            data = {k: _plain(row.get(k)) for k in TASK_FIELDS}
            data["text"] = _text(row.get("text"))
            data["title"] = _text(row.get("title"))
            data["outlet"] = _text(row.get("source"))
            data["prev"] = _text(sentences[i - 1]["text"]) if i > 0 else ""
            data["next"] = _text(sentences[i + 1]["text"]) if i + 1 < len(sentences) else ""
            data["guideline_version"] = guideline_version
            yield {"data": data}


def prediction_json(prediction: Prediction, text: str, *, model_version: str) -> dict[str, Any]:
    """Label Studio's JSON for one prediction on ``text`` (the sentence)."""
    source, cue = span_labels()
    result: list[dict[str, Any]] = [
        {
            "id": "label",
            "from_name": CHOICES_NAME,
            "to_name": TEXT_NAME,
            "type": "choices",
            "value": {"choices": [prediction.label]},
        }
    ]
    spans = [(s, source) for s in prediction.source_spans] + [(s, cue) for s in prediction.cue_spans]
    for i, ((start, end), span_label) in enumerate(spans):
        if not 0 <= start < end <= len(text):
            raise SchemaError(f"span {start}-{end} ({span_label}) is outside the sentence of {len(text)} characters")
        result.append(
            {
                "id": f"span{i}",
                "from_name": SPANS_NAME,
                "to_name": TEXT_NAME,
                "type": "labels",
                "value": {"start": start, "end": end, "text": text[start:end], "labels": [span_label]},
            }
        )
    return {"model_version": model_version, "score": float(prediction.score), "result": result}


# -- export snapshot -> rows ----------------------------------------------------------------------


@dataclass
class ExportReport:
    """What an export held besides labels: tasks, annotations, and those skipped (with who skipped them) or without a
    label."""

    tasks: int = 0
    annotations: int = 0
    cancelled: int = 0
    unlabelled: int = 0
    skipped_ids: list[int] = field(default_factory=list)
    skipped_by: Counter[str] = field(default_factory=Counter)


def choice_of(result: Sequence[Mapping[str, Any]]) -> str | None:
    """The sentence label of an annotation's (or a prediction's) result, or None."""
    for region in result:
        if region.get("from_name") == CHOICES_NAME:
            choices = region.get("value", {}).get("choices") or []
            return str(choices[0]) if choices else None
    return None


def _spans(result: Sequence[Mapping[str, Any]], span_label: str) -> str | None:
    texts = [
        str(region["value"].get("text", ""))
        for region in result
        if region.get("from_name") == SPANS_NAME and span_label in (region.get("value", {}).get("labels") or [])
    ]
    return SPAN_JOIN.join(texts) if texts else None


def _note(result: Sequence[Mapping[str, Any]]) -> str | None:
    for region in result:
        if region.get("from_name") == NOTE_NAME:
            text = region.get("value", {}).get("text") or []
            return "\n".join(str(t) for t in text) if isinstance(text, list) else str(text)
    return None


def annotator_of(completed_by: Any, users: Mapping[int, str]) -> str:
    """An annotator's email: from an expanded ``completed_by`` object, else looked up by user id."""
    if isinstance(completed_by, Mapping):
        if completed_by.get("email"):
            return str(completed_by["email"])
        completed_by = completed_by.get("id")
    if completed_by is None:
        return ""
    try:
        return users.get(int(completed_by), str(completed_by))
    except (TypeError, ValueError):
        return str(completed_by)


def _shown_prediction(task: Mapping[str, Any], annotation: Mapping[str, Any], model_version: str | None) -> Any:
    """The prediction the annotator saw: the one Label Studio attached to the annotation, else its parent
    prediction, else the task's prediction of the project's model version, else the task's latest."""
    attached = annotation.get("prediction")
    if isinstance(attached, Mapping) and attached.get("result") is not None:
        return attached
    predictions = [p for p in task.get("predictions") or [] if isinstance(p, Mapping)]
    parent = annotation.get("parent_prediction")
    for p in predictions:
        if parent is not None and p.get("id") == parent:
            return p
    for p in predictions:
        if model_version and p.get("model_version") == model_version:
            return p
    return predictions[-1] if predictions else None


def annotation_rows(
    tasks: Iterable[Mapping[str, Any]],
    *,
    users: Mapping[int, str] | None = None,
    model_version: str | None = None,
    report: ExportReport | None = None,
    review: Mapping[str, Decision] | None = None,
) -> Iterator[Row]:
    """One row per labelled annotation (:data:`ANNOTATION_COLUMNS`) from the tasks of a JSON export snapshot.

    Cancelled (skipped) annotations and annotations without a sentence label are counted in ``report``, not
    returned. The prediction shown is the annotation's parent prediction, else the task's prediction of the
    project's ``model_version``, else its latest. ``gold_label`` is the known label of a gold task (its
    ``meta.gold_label``); ``review_label`` the decision in ``review`` (by sentence id) for the sentence.
    """
    review = review or {}
    users = users or {}
    report = report if report is not None else ExportReport()
    source, cue = span_labels()
    for task in tasks:
        report.tasks += 1
        data = task.get("data") or {}
        gold = (task.get("meta") or {}).get("gold_label") if isinstance(task.get("meta"), Mapping) else None
        decision = review.get(str(data.get("sentence_id")))
        for ann in task.get("annotations") or []:
            report.annotations += 1
            if ann.get("was_cancelled"):
                report.cancelled += 1
                report.skipped_ids.append(int(ann.get("id", 0)))
                report.skipped_by[annotator_of(ann.get("completed_by"), users)] += 1
                continue
            result = ann.get("result") or []
            label = choice_of(result)
            if label is None:
                report.unlabelled += 1
                continue
            shown = _shown_prediction(task, ann, model_version)
            lead = ann.get("lead_time")
            yield {
                "sentence_id": data.get("sentence_id"),
                "text": data.get("text"),
                "label": label,
                "annotator": annotator_of(ann.get("completed_by"), users),
                "created_at": ann.get("created_at"),
                "updated_at": ann.get("updated_at"),
                "lead_time": float(lead) if lead is not None else None,
                "source_span": _spans(result, source),
                "cue_span": _spans(result, cue),
                "note": _note(result),
                "guideline_version": data.get("guideline_version"),
                "predicted_label": choice_of(shown.get("result") or []) if shown else None,
                "predicted_score": float(shown["score"]) if shown and shown.get("score") is not None else None,
                "model_version": shown.get("model_version") if shown else None,
                "task_id": task.get("id"),
                "annotation_id": ann.get("id"),
                "article_id": data.get("article_id"),
                "gold_label": gold,
                "review_label": decision.label if decision else None,
            }


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on a sentence: the latest labelled, not cancelled annotation of its review task."""

    sentence_id: str
    label: str
    reviewer: str
    data: Mapping[str, Any]  # the review task's data (the sentence, its context, where it came from)


def decisions(tasks: Iterable[Mapping[str, Any]], *, users: Mapping[int, str] | None = None) -> dict[str, Decision]:
    """Sentence id -> :class:`Decision`, from the tasks of a review project's export (tasks without a
    ``sentence_id`` in their data, which a person added by hand, are not ours and are left out)."""
    out: dict[str, tuple[tuple[str, int], Decision]] = {}
    for task in tasks:
        data = task.get("data") or {}
        sid = data.get("sentence_id")
        if not isinstance(sid, str) or not sid:
            continue
        for ann in task.get("annotations") or []:
            label = None if ann.get("was_cancelled") else choice_of(ann.get("result") or [])
            if label is None:
                continue
            when = (str(ann.get("updated_at") or ann.get("created_at") or ""), int(ann.get("id") or 0))
            if sid not in out or when > out[sid][0]:
                out[sid] = (when, Decision(sid, label, annotator_of(ann.get("completed_by"), users or {}), data))
    return {sid: decision for sid, (_when, decision) in out.items()}


def resolve(rows: Iterable[Mapping[str, Any]], *, review: Mapping[str, Decision] | None = None) -> list[Row]:
    """One row per sentence (:data:`RESOLVED_COLUMNS`): the reviewer's label when ``review`` has a decision for it
    (``origin`` "review"), else the majority label ("majority"; "unanimous" when every annotator gave it, one
    annotator included; "tie" and label None when no label has most votes), whether every annotator gave the same
    label, how many labelled it, and the votes as ``"label:count"`` pairs, most votes first.

    A decision on a sentence without annotation rows (its task was deleted from the project after the review) is
    kept: a row with ``n_annotations`` 0 and the sentence from the review task."""
    review = review or {}
    by_sentence: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_sentence.setdefault(str(row["sentence_id"]), []).append(row)
    out: list[Row] = []
    for sid, group in by_sentence.items():
        votes = Counter(str(r["label"]) for r in group).most_common()
        top = votes[0][1]
        winners = [label for label, n in votes if n == top]
        decision = review.get(sid)
        majority = winners[0] if len(winners) == 1 else None
        origin = "unanimous" if len(votes) == 1 else "majority" if majority else "tie"
        out.append(
            {
                "sentence_id": sid,
                "text": group[0].get("text"),
                "label": decision.label if decision else majority,
                "agreed": len(votes) == 1,
                "n_annotations": len(group),
                "votes": " ".join(f"{label}:{n}" for label, n in votes),
                "guideline_version": group[0].get("guideline_version"),
                "origin": "review" if decision else origin,
                "review_label": decision.label if decision else None,
                "article_id": group[0].get("article_id"),
            }
        )
    out.extend(_orphan(d) for sid, d in review.items() if sid not in by_sentence)
    return out


def _orphan(decision: Decision) -> Row:
    """The resolved row of a decision whose sentence has no annotation left in the project."""
    data = decision.data
    return {
        "sentence_id": decision.sentence_id,
        "text": data.get("text"),
        "label": decision.label,
        "agreed": False,
        "n_annotations": 0,
        "votes": None,
        "guideline_version": data.get("guideline_version"),
        "origin": "review",
        "review_label": decision.label,
        "article_id": data.get("article_id"),
    }

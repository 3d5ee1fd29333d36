"""Adjudication in Label Studio's free edition: the library behind ``annotator review``.

A project's review project (by default titled ``"TITLE — review"``, same label config and guideline, so the same
hotkeys) holds one task per sentence whose annotators disagree, and per sentence an audit flagged. A review task's
data is the original task's (the sentence and its context) plus where it comes from: ``review_of`` (the project
id), ``task_id`` (the original task), ``votes`` (``"alice@x: contested · bob@y: attributed"``) and ``reason``
(``"disagreement"`` or the audit's reason). It carries one prediction per annotator, whose ``model_version`` is the
annotator's email (Label Studio's editor shows each model version as its own tab when the task is opened from the
Data Manager: ``GET /api/tasks/ID`` serializes every prediction of the task), holding that annotator's label and
spans, and the model's prediction when there is a model. The reviewer's annotation is the decision.

Idempotent by ``sentence_id``: a re-run adds the sentences not in the review project yet; a review task without
any annotation is brought up to date (the predictions of annotators who labelled it since, and the model's if
missing, are added; the prediction of an annotator who changed their annotation gets the new result; ``votes`` is
rewritten); a task with an annotation (a decision, or a skip) is never changed, and no task is ever deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from annotator.errors import InputError, StudioError
from annotator.guideline import guideline
from annotator.labels import CHOICES_NAME, NOTE_NAME, SPANS_NAME, label_set
from annotator.predictions import Predictor
from annotator.studio.client import Project, Studio
from annotator.studio.sync import predict, review_title_for, validate_label_config
from annotator.studio.tasks import Task, annotator_of, choice_of, decisions

DISAGREEMENT = "disagreement"
VOTE_JOIN = " · "
_OURS = (CHOICES_NAME, SPANS_NAME, NOTE_NAME)  # the controls an annotator's result is copied from
BATCH = 1000

__all__ = ["DISAGREEMENT", "ReviewReport", "Vote", "review", "votes_of"]


@dataclass(frozen=True)
class Vote:
    """One annotator's latest labelled annotation of a task: who, the label, and the regions of our controls."""

    annotator: str
    label: str
    result: tuple[Mapping[str, Any], ...]


@dataclass
class ReviewReport:
    """What a review run found and did."""

    project: Project | None = None
    review_project: Project | None = None
    created_project: bool = False
    annotated: int = 0  # sentences with at least one labelled annotation
    annotators: list[str] = field(default_factory=list)
    disagreements: int = 0
    flagged: int = 0  # flagged sentences found in the project
    flagged_unknown: int = 0  # flagged sentence ids that are not annotated sentences of the project
    added: int = 0  # review tasks imported
    already: int = 0  # sentences that already had a review task
    decided: int = 0  # review tasks with a decision (left as they were)
    predictions_added: int = 0  # predictions added to undecided review tasks
    refreshed: int = 0  # undecided review tasks whose votes changed: their votes and annotators' predictions updated
    foreign: int = 0  # tasks of the review project that were not made by `annotator review` (left alone)
    orphaned: int = 0  # review tasks whose sentence is no longer annotated in the project (left alone)


def votes_of(task: Mapping[str, Any], users: Mapping[int, str]) -> list[Vote]:
    """Each annotator's latest labelled, not cancelled annotation of an exported ``task``, by annotator name."""
    latest: dict[str, tuple[tuple[str, int], Vote]] = {}
    for ann in task.get("annotations") or []:
        result = ann.get("result") or []
        label = None if ann.get("was_cancelled") else choice_of(result)
        if label is None:
            continue
        who = annotator_of(ann.get("completed_by"), users)
        when = (str(ann.get("updated_at") or ann.get("created_at") or ""), int(ann.get("id") or 0))
        regions = tuple(
            {k: r[k] for k in ("id", "from_name", "to_name", "type", "value") if k in r}
            for r in result
            if isinstance(r, Mapping) and r.get("from_name") in _OURS
        )
        if who not in latest or when > latest[who][0]:
            latest[who] = (when, Vote(who, label, regions))
    return sorted((v for _w, v in latest.values()), key=lambda v: v.annotator)


def review(
    studio: Studio,
    title: str,
    *,
    review_title: str | None = None,
    predictor: Predictor | None = None,
    flagged: Any = None,
) -> ReviewReport:
    """Create or update the review project of project ``title`` (see the module's docstring).

    ``flagged``: an optional pandas DataFrame with at least ``sentence_id`` and ``reason`` (the audit's flagged
    rows), whose sentences are added besides the disagreements (reason ``"disagreement; <reason>"`` for a sentence
    that is both). Raises :class:`InputError` if the project has no labelled annotation, :class:`StudioError` if it
    does not exist or its review project's label config no longer has our labels. With nothing to review, no
    review project is created (``report.review_project`` is None unless it exists already).
    """
    report = ReviewReport()
    project = studio.find_project(title)
    if project is None:
        raise StudioError(f"no project titled {title!r} at {studio.url}")
    report.project = project
    users = studio.users()
    wanted, annotated = _wanted(studio.export_snapshot(project.id), users, _reasons(flagged), report)
    if not report.annotated:
        raise InputError(f"project {title!r}", "has no labelled annotations yet: nothing to review")
    name = review_title or review_title_for(title)
    if name == title:
        raise InputError("--review-project", f"must not be the project itself ({title!r})")
    target = studio.find_project(name)
    if target is None and not wanted:
        return report
    if target is None:
        validate_label_config()
        target = studio.create_project(name, label_config=label_set().config, instructions=guideline().html, overlap=1)
        report.created_project = True
        existing: dict[str, Task] = {}
    else:
        _check_config(target)
        existing = _existing(studio.export_snapshot(target.id, every=True), report)
    report.orphaned = sum(1 for sid in existing if sid not in annotated)
    new = [item for sid, item in wanted.items() if sid not in existing]
    report.already = len(wanted) - len(new)
    _import_new(studio, target.id, project.id, new, predictor, report)
    _complete(studio, target.id, wanted, existing, predictor, report)
    if predictor is not None and target.model_version != predictor.model_version:
        studio.update_project(target.id, model_version=predictor.model_version)
    report.review_project = studio.get_project(target.id)
    return report


@dataclass
class _Item:
    """A sentence to review: its original task, the annotators' votes and why it is reviewed."""

    task: Mapping[str, Any]
    votes: list[Vote]
    reason: str


def _reasons(flagged: Any) -> dict[str, str]:
    """Sentence id -> the audit's reason, from a frame with ``sentence_id`` and ``reason`` (first reason wins)."""
    if flagged is None:
        return {}
    missing = [c for c in ("sentence_id", "reason") if c not in flagged.columns]
    if missing:
        raise InputError("flagged rows", f"column {missing[0]!r} missing; got {[str(c) for c in flagged.columns]}")
    out: dict[str, str] = {}
    for sid, reason in zip(flagged["sentence_id"], flagged["reason"], strict=True):
        out.setdefault(str(sid), str(reason) if reason is not None else "flagged")
    return out


def _wanted(
    tasks: Iterable[Mapping[str, Any]], users: Mapping[int, str], reasons: Mapping[str, str], report: ReviewReport
) -> tuple[dict[str, _Item], set[str]]:
    """The sentences to review, by sentence id, in task order (disagreements and flagged sentences), and the ids
    of every annotated sentence."""
    annotators: set[str] = set()
    out: dict[str, _Item] = {}
    seen: set[str] = set()
    for task in sorted(tasks, key=lambda t: int(t.get("id") or 0)):
        sid = str((task.get("data") or {}).get("sentence_id") or "")
        votes = votes_of(task, users)
        if not sid or not votes:
            continue
        seen.add(sid)
        report.annotated += 1
        annotators.update(v.annotator for v in votes)
        disagree = len({v.label for v in votes}) > 1
        report.disagreements += disagree
        flag = reasons.get(sid)
        report.flagged += flag is not None
        if disagree or flag is not None:
            reason = "; ".join(r for r in (DISAGREEMENT if disagree else None, flag) if r)
            out.setdefault(sid, _Item(task, votes, reason))
    report.flagged_unknown = sum(1 for sid in reasons if sid not in seen)
    report.annotators = sorted(annotators)
    return out, seen


def _check_config(project: Project) -> None:
    """Raise :class:`StudioError` if the review project's label config lost our sentence labels (edited by hand)."""
    want = label_set().labels
    try:
        root = ElementTree.fromstring(project.label_config)
    except ElementTree.ParseError:
        root = None
    have: set[str] = set()
    for node in root.iter("Choices") if root is not None else ():
        if node.get("name") == CHOICES_NAME:
            have.update(c.get("value") or "" for c in node.iter("Choice"))
    lost = [label for label in want if label not in have]
    if lost:
        raise StudioError(
            f"review project {project.title!r} (id {project.id}) has a label config without the labels {lost} "
            f"(edited by hand?); restore its config, or give another --review-project"
        )


def _existing(tasks: Iterable[Mapping[str, Any]], report: ReviewReport) -> dict[str, Task]:
    """The review project's tasks by sentence id (the oldest if repeated); a task without a sentence id was not
    made by `annotator review` (added by hand): counted and left alone. A task whose ``sentence_id`` stayed but
    whose other fields were edited still holds its sentence: it is not added again."""
    out: dict[str, Task] = {}
    for task in sorted(tasks, key=lambda t: int(t.get("id") or 0)):
        data = task.get("data") or {}
        sid = data.get("sentence_id")
        if not isinstance(sid, str) or not sid:
            report.foreign += 1
            continue
        out.setdefault(sid, dict(task))
    report.decided = len(decisions(out.values()))
    return out


def _votes_text(votes: Iterable[Vote]) -> str:
    return VOTE_JOIN.join(f"{v.annotator}: {v.label}" for v in votes)


def _prediction(vote: Vote) -> dict[str, Any]:
    return {"model_version": vote.annotator, "result": [dict(r) for r in vote.result]}


def _review_task(item: _Item, project_id: int) -> Task:
    data = dict(item.task.get("data") or {})
    data.update(
        review_of=project_id,
        task_id=item.task.get("id"),
        votes=_votes_text(item.votes),
        reason=item.reason,
    )
    return {"data": data, "predictions": [_prediction(v) for v in item.votes]}


def _batches(items: list[_Item], size: int) -> Iterator[list[_Item]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _import_new(
    studio: Studio,
    target: int,
    project_id: int,
    new: list[_Item],
    predictor: Predictor | None,
    report: ReviewReport,
) -> None:
    """Import a review task per new sentence, one request per batch, with the model's prediction if any."""
    for batch in _batches(new, BATCH):
        tasks = [_review_task(item, project_id) for item in batch]
        if predictor is not None:
            datas = [t["data"] for t in tasks]
            preds = predict(
                predictor, [str(d.get("text") or "") for d in datas], prevs=[d.get("prev") or "" for d in datas]
            )
            for task, pred in zip(tasks, preds, strict=True):
                task["predictions"].append(pred)
        try:
            report.added += studio.import_tasks(target, tasks) or len(tasks)
        except StudioError as exc:
            raise StudioError(
                f"{exc}; {report.added} review tasks were imported before this batch of {len(tasks)}: run the same "
                "review again to add the rest (sentences already there are skipped)"
            ) from exc


def _complete(
    studio: Studio,
    target: int,
    wanted: Mapping[str, _Item],
    existing: Mapping[str, Task],
    predictor: Predictor | None,
    report: ReviewReport,
) -> None:
    """Bring each existing review task without any annotation up to date: add the predictions it lacks
    (annotators who labelled the sentence since it was added, the model's), and refresh it (:func:`_refresh`)."""
    payload: list[dict[str, Any]] = []
    need_model: list[Task] = []
    for sid, task in existing.items():
        item = wanted.get(sid)
        if item is None or task.get("annotations") or "review_of" not in (task.get("data") or {}):
            continue  # not to review any more, decided (or skipped), or edited by hand: never touched
        have = {str(p.get("model_version")): p for p in task.get("predictions") or [] if isinstance(p, Mapping)}
        payload += [{**_prediction(v), "task": task["id"]} for v in item.votes if v.annotator not in have]
        _refresh(studio, task, item, have, report)
        if predictor is not None and predictor.model_version not in have:
            need_model.append(task)
    if need_model and predictor is not None:
        datas = [t.get("data") or {} for t in need_model]
        texts, prevs = [str(d.get("text") or "") for d in datas], [d.get("prev") or "" for d in datas]
        payload += [
            {**p, "task": t["id"]} for t, p in zip(need_model, predict(predictor, texts, prevs=prevs), strict=True)
        ]
    for i in range(0, len(payload), BATCH):
        studio.import_predictions(target, payload[i : i + BATCH])
    report.predictions_added = len(payload)


def _regions(result: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted(json.dumps([r.get("from_name"), r.get("value")], sort_keys=True) for r in result)


def _refresh(
    studio: Studio, task: Mapping[str, Any], item: _Item, have: Mapping[str, Mapping[str, Any]], report: ReviewReport
) -> None:
    """An undecided review task whose votes changed since it was made gets the votes of now in its data, and the
    prediction of each annotator who changed their annotation gets its new result."""
    data = dict(task.get("data") or {})
    votes = _votes_text(item.votes)
    changed = {
        int(have[v.annotator]["id"]): [dict(r) for r in v.result]
        for v in item.votes
        if v.annotator in have and _regions(have[v.annotator].get("result") or []) != _regions(v.result)
    }
    if data.get("votes") == votes and not changed:
        return
    data["votes"] = votes
    studio.update_task(int(task["id"]), data, changed)
    report.refreshed += 1

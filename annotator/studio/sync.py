"""Push sentences into a Label Studio project and pull the labels back: the library behind ``annotator push`` and
``annotator pull``. Talks to Label Studio only through :class:`annotator.studio.client.Studio`.

Push is idempotent by ``sentence_id``: it first reads the ids already in the project, then imports only new sentences,
one import request per batch. It never touches annotations. With a model, every new task carries the model's
prediction, existing tasks without a prediction of that model version get one through ``import_predictions``, and the
project's ``model_version`` is set to the model's (Label Studio's uncertainty sampling only uses predictions whose
version matches it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, islice
from typing import Any

from annotator.errors import SchemaError, StudioError
from annotator.guideline import guideline
from annotator.io import Row
from annotator.labels import label_set
from annotator.predictions import Predictor, predict_after
from annotator.studio.client import Project, Studio, TaskRef
from annotator.studio.gold import mix
from annotator.studio.tasks import (
    Decision,
    ExportReport,
    Task,
    annotation_rows,
    decisions,
    iter_tasks,
    prediction_json,
    resolve,
)

DEFAULT_BATCH = 2000


@dataclass
class PushReport:
    """What a push did."""

    project: Project | None = None
    created_project: bool = False
    sentences: int = 0
    imported: int = 0
    already: int = 0
    repeated: int = 0
    batches: int = 0
    predictions_added: int = 0
    model_version: str | None = None
    errors: list[str] = field(default_factory=list)


@cache
def _interface() -> Any:
    from label_studio_sdk.label_interface.interface import LabelInterface

    return LabelInterface(label_set().config)


def validate_label_config() -> None:
    """Check the shipped label config with the SDK's ``LabelInterface``; raise :class:`SchemaError` if invalid."""
    try:
        _interface().validate()
    except Exception as exc:
        raise SchemaError(f"label_config.xml is not a valid Label Studio config: {exc}") from exc


def predict(
    predictor: Predictor,
    texts: list[str],
    *,
    articles: list[Any] | None = None,
    prevs: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Label Studio predictions for sentence texts, each checked with ``LabelInterface.validate_prediction``. Each
    text is read in its context: its article's sentences when ``articles`` gives each one's article (consecutive,
    in order: a push), else the sentence before it (``prevs``: a task already in a project,
    :func:`annotator.predictions.predict_after`)."""
    version = predictor.model_version
    out = []
    interface = _interface()
    if prevs is not None:
        predictions = predict_after(predictor, texts, prevs)
    else:
        predictions = predictor.predict(texts, articles=articles)
    for text, prediction in zip(texts, predictions, strict=True):
        pred = prediction_json(prediction, text, model_version=version)
        errors = interface.validate_prediction(pred, return_errors=True)
        if errors:
            raise SchemaError(f"model {version!r} made a prediction the label config rejects: {errors[0]}")
        out.append(pred)
    return out


def _batches(items: Iterable[Task], size: int) -> Iterator[list[Task]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def ensure_project(studio: Studio, title: str, *, overlap: int | None = None) -> tuple[Project, bool]:
    """The project with this title, created with our label config and guideline if missing."""
    project = studio.find_project(title)
    if project is None:
        validate_label_config()
        project = studio.create_project(
            title, label_config=label_set().config, instructions=guideline().html, overlap=overlap or 1
        )
        return project, True
    if overlap is not None and overlap != project.maximum_annotations:
        studio.update_project(project.id, maximum_annotations=overlap)
        project = studio.get_project(project.id)
    return project, False


def push(
    studio: Studio,
    rows: Iterable[Row],
    *,
    title: str,
    predictor: Predictor | None = None,
    overlap: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[int], None] | None = None,
    gold: list[Task] | None = None,
    gold_seed: int = 0,
) -> PushReport:
    """Import the sentences in ``rows`` (``annotator.text.split`` rows) into project ``title`` as tasks.

    Sentences whose ``sentence_id`` is already in the project are not imported again (a sentence repeated in the
    input is imported once). ``on_batch(n)`` is called after each import request with the number of tasks sent.
    Without a single row, Label Studio is not asked anything and ``report.project`` is None. ``gold``: gold tasks
    (:func:`annotator.studio.gold.gold_tasks`) mixed among the new tasks at positions drawn with ``gold_seed``.
    """
    if batch_size < 1:
        raise StudioError(f"batch size must be at least 1; got {batch_size}")
    report = PushReport()
    stream = _nonempty(rows)
    if stream is None:
        return report  # nothing to import (every input failed, or none had a sentence): no project is created
    project, report.created_project = ensure_project(studio, title, overlap=overlap)
    report.project = project
    version = predictor.model_version if predictor is not None else None
    known, unpredicted = _known(studio, project.id, version) if not report.created_project else ({}, set())
    report.model_version = version
    seen: set[str] = set()
    stale: list[TaskRef] = []

    def fresh(tasks: Iterable[Task]) -> Iterator[Task]:
        for task in tasks:
            report.sentences += 1
            sid = task["data"]["sentence_id"]
            if sid in seen:
                report.repeated += 1
                continue
            seen.add(sid)
            ref = known.get(sid)
            if ref is not None:
                report.already += 1
                if ref.id in unpredicted:
                    stale.append(ref)
                continue
            yield task

    tasks = iter_tasks(stream, guideline_version=guideline().version)
    tasks = fresh(mix(tasks, gold, seed=gold_seed) if gold else tasks)
    _import(studio, project.id, tasks, predictor, batch_size, report, on_batch)
    if predictor is not None:
        _predict_stale(studio, project.id, stale, predictor, batch_size, report)
        if version and project.model_version != version:
            studio.update_project(project.id, model_version=version)
    report.project = studio.get_project(project.id)
    return report


def _known(studio: Studio, project: int, version: str | None) -> tuple[dict[str, TaskRef], set[int]]:
    """The tasks already in a project by sentence id, and those without a prediction of model ``version``."""
    known = {ref.sentence_id: ref for ref in studio.task_refs(project)}
    unpredicted = studio.tasks_without_model(project, version) if version is not None and known else set()
    return known, unpredicted


def _nonempty(rows: Iterable[Row]) -> Iterator[Row] | None:
    """``rows`` as an iterator, or None if there is none (the inputs are read up to their first sentence)."""
    it = iter(rows)
    first = next(it, None)
    return None if first is None else chain([first], it)


def _import(
    studio: Studio,
    project: int,
    tasks: Iterable[Task],
    predictor: Predictor | None,
    batch_size: int,
    report: PushReport,
    on_batch: Callable[[int], None] | None,
) -> None:
    """Import ``tasks`` one batch per request, each with the model's prediction when there is a model."""
    for batch in _batches(tasks, batch_size):
        if predictor is not None:
            texts = [t["data"]["text"] for t in batch]
            articles = [t["data"].get("article_id") for t in batch]
            for task, pred in zip(batch, predict(predictor, texts, articles=articles), strict=True):
                task["predictions"] = [pred]
        try:
            report.imported += studio.import_tasks(project, batch) or len(batch)
        except StudioError as exc:
            raise StudioError(
                f"{exc}; {report.imported} tasks were imported before this batch of {len(batch)}, which may or may "
                "not have been saved: run the same push again to import the rest (sentences already there are skipped)"
            ) from exc
        report.batches += 1
        if on_batch is not None:
            on_batch(len(batch))


def _predict_stale(
    studio: Studio, project: int, stale: list[TaskRef], predictor: Predictor, batch_size: int, report: PushReport
) -> None:
    """Add the model's prediction to tasks already in the project that lack one of its version."""
    for i in range(0, len(stale), batch_size):
        refs = stale[i : i + batch_size]
        preds = predict(predictor, [r.text for r in refs], prevs=[r.prev for r in refs])
        payload = [{**p, "task": r.id} for r, p in zip(refs, preds, strict=True)]
        studio.import_predictions(project, payload)
        report.predictions_added += len(payload)


#: the title of a project's review project: ``annotator review``'s default, where ``pull`` looks for decisions
REVIEW_SUFFIX = " — review"


def review_title_for(title: str) -> str:
    return f"{title}{REVIEW_SUFFIX}"


@dataclass
class PullResult:
    """Labelled rows (one per annotation, or one per sentence when resolved) and what the export held besides."""

    rows: list[Row]
    report: ExportReport
    project: Project
    review: Project | None = None  # the review project read for decisions, if there is one
    decided: int = 0  # decisions found there
    orphaned: list[str] = field(default_factory=list)  # sentences decided whose task is gone from the project


def pull(studio: Studio, title: str, *, resolved: bool = False, review_title: str | None = None) -> PullResult:
    """The labels of project ``title``, through an export snapshot, with the decisions of its review project
    (``review_title``, by default ``"TITLE — review"``; none if there is no such project) as ``review_label``, and
    as the label of resolved rows."""
    project = studio.find_project(title)
    if project is None:
        raise StudioError(f"no project titled {title!r} at {studio.url}")
    users = studio.users()
    review = studio.find_project(review_title or review_title_for(title))
    if review is None and review_title:
        raise StudioError(f"no review project titled {review_title!r} at {studio.url}")
    decided: dict[str, Decision] = {}
    if review is not None:
        decided = decisions(studio.export_snapshot(review.id), users=users)
    tasks = studio.export_snapshot(project.id)
    report = ExportReport()
    rows = list(annotation_rows(tasks, users=users, model_version=project.model_version, report=report, review=decided))
    labelled = {str(r["sentence_id"]) for r in rows}
    orphaned = sorted(sid for sid in decided if sid not in labelled)
    return PullResult(
        rows=resolve(rows, review=decided) if resolved else rows,
        report=report,
        project=project,
        review=review,
        decided=len(decided),
        orphaned=orphaned,
    )

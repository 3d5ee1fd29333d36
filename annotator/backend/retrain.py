"""Retraining while annotators work: fetch a project's labels, train on them plus the seed corpus in another
process, save the new model as a versioned artefact and swap it into the running backend.

One background thread runs the trainings one at a time, at most one start per ``min_interval``; requests that
arrive meanwhile are coalesced into the next one. The fit itself runs in a separate process (spawned once, kept
warm), so the backend's predictions keep their CPU time and never wait on it. Whatever fails (Label Studio
unreachable, too few labels, a save error, the training process killed) leaves the served model as it was; the
reason is logged and kept in :meth:`Retrainer.status`. A project whose labels cannot be read is left out of the
training and forgotten; the others are trained on.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from annotator.backend.process import TrainingProcess, TrainingProcessError
from annotator.errors import AnnotatorError, InputError, ModelError
from annotator.predictions import Predictor

log = logging.getLogger("annotator.backend.retrain")

#: the annotation events that count towards a retraining; ``START_TRAINING`` starts one at once
ANNOTATION_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED")
START = "START_TRAINING"

Labelled = tuple[str, ...]  # (sentence text, label) or (sentence text, label, article id): the article gives context


class Swappable(Protocol):
    """What the retrainer swaps models into (:class:`annotator.backend.serving.ModelHolder`)."""

    def swap(self, predictor: Predictor) -> Predictor: ...


def read_seed(paths: Sequence[str | Path]) -> list[Labelled]:
    """The seed corpus (``data/train``-style JSONL, or ``annotator pull`` output) as ``(text, label)`` pairs.

    Raises :class:`~annotator.errors.InputError` for a path that does not exist or holds no labelled sentence, and
    for the first bad line (the seed is trained on at every retraining: it must be clean).
    """
    from annotator.io.labelled import CorpusReport, read_labelled

    for path in paths:
        if not Path(path).exists():
            raise InputError(str(path), "seed corpus not found (labelled sentences, as in data/train)")
    report = CorpusReport()
    frame = read_labelled(paths, report=report)
    if report.errors:
        raise report.errors[0]
    if frame.empty:
        raise InputError(", ".join(str(p) for p in paths), "no labelled sentences in the seed corpus")
    return list(
        zip(frame["text"].astype(str), frame["label"].astype(str), frame["article_id"].astype(str), strict=True)
    )


def project_labels(studio: Any, project: int) -> list[Labelled]:
    """The labelled sentences of a Label Studio project, from an export snapshot: one ``(text, label)`` per
    sentence, the majority label of its annotations (ties and skipped tasks left out)."""
    from annotator.studio.tasks import annotation_rows, resolve

    tasks = studio.export_snapshot(project)
    resolved = resolve(annotation_rows(tasks))
    return [
        (str(r["text"]), str(r["label"]), str(r.get("article_id") or ""))
        for r in resolved
        if r["label"] is not None and r["text"]
    ]


def training_set(seed: Iterable[Labelled], labelled: Iterable[Labelled]) -> tuple[list[str], list[str], list[str]]:
    """Texts, labels and article ids to train on: the seed corpus plus the project's labels; where a sentence is in
    both, the project's label wins (the annotators read it in context, under the current guideline). Sentences keep
    their first place, so the rows of one article stay together and in order."""
    merged: dict[str, tuple[str, str]] = {}
    for item in seed:
        merged.setdefault(item[0], (item[1], item[2] if len(item) > 2 else ""))
    for item in labelled:
        article = item[2] if len(item) > 2 else ""
        merged[item[0]] = (item[1], merged[item[0]][1] if item[0] in merged else article)
    # a sentence whose article is unknown is read alone (a key of its own)
    articles = [article or f"\x00{i}" for i, (_, article) in enumerate(merged.values())]
    return list(merged), [label for label, _ in merged.values()], articles


def train_and_save(
    texts: Sequence[str],
    labels: Sequence[str],
    root: str,
    extra: dict[str, Any],
    articles: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Fit a model on ``texts``/``labels`` and save it under ``root/<version>`` (versions are content hashes, so
    the same data gives the same directory). Returns the card, with ``path`` set to the directory.

    Runs in the training process: everything it needs comes in as arguments.
    """
    from annotator.classifier import artefacts
    from annotator.classifier import training as model

    started = time.perf_counter()
    pipeline = model.train(texts, labels, articles=articles)
    seconds = time.perf_counter() - started
    root_path = Path(root)
    root_path.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".training-", dir=root_path))
    try:
        card = artefacts.save(pipeline, staging, card_extra={**extra, "train_seconds": round(seconds, 3)})
        target = root_path / str(card["version"])
        if target.exists():
            shutil.rmtree(staging)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    card["path"] = str(target)
    return card


def _warm() -> bool:
    """Import the training code in the training process ahead of the first request (skops alone takes a second:
    it lists every scikit-learn estimator when imported)."""
    import skops.io  # noqa: F401

    import annotator.classifier.artefacts
    import annotator.classifier.training  # noqa: F401

    return True


@dataclass
class _State:
    state: str = "idle"  # idle | training | failed
    pending: set[int] = field(default_factory=set)
    events: int = 0  # annotation events since the last training started
    trainings: int = 0
    failures: int = 0
    last_started: float | None = None
    last_finished: float | None = None
    last_seconds: float | None = None
    last_version: str | None = None
    last_error: str | None = None
    last_labels: int | None = None


class Retrainer:
    """Retrains the served model from a Label Studio project's labels.

    Parameters
    ----------
    holder
        Where new models go (:class:`annotator.backend.serving.ModelHolder`).
    fetch
        ``project id -> [(text, label), ...]``: the project's labelled sentences (an export snapshot).
    seed
        The seed corpus, ``[(text, label), ...]``, always trained on.
    models_dir
        New artefacts are saved under ``models_dir/<version>``.
    load
        ``directory -> Predictor`` (:func:`annotator.classifier.artefacts.load_predictor`).
    publish
        ``(project id, old version, new version)``: called for every known project after a swap, to keep the
        project's ``model_version`` equal to the backend's (so Label Studio shows the new predictions).
    every
        Annotation events per retraining; ``START_TRAINING`` starts one regardless.
    min_interval
        Seconds from the start of one training to the start of the next: requests that come sooner wait, all
        joined into one (so a flood of requests costs one training per interval, never a queue of them).

    The fits run in a :class:`TrainingProcess`, started here and replaced when it dies; :meth:`close` stops it and
    the training thread (a retrainer that is never closed leaves nothing behind either: the thread is a daemon and
    the process is terminated at the interpreter's exit).
    """

    def __init__(
        self,
        holder: Swappable,
        *,
        fetch: Callable[[int], Sequence[Labelled]],
        seed: Sequence[Labelled],
        models_dir: str | Path,
        load: Callable[[str], Predictor],
        publish: Callable[[int, str, str], None] | None = None,
        every: int = 10,
        min_interval: float = 10.0,
    ) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1; got {every}")
        self.holder = holder
        self.fetch = fetch
        self.seed = list(seed)
        self.models_dir = Path(models_dir)
        self.load = load
        self.publish = publish
        self.every = every
        self.min_interval = min_interval
        self._next_start = 0.0  # time.monotonic() before which no training starts
        self._process = TrainingProcess(warm=_warm)
        self._s = _State()
        self._projects: set[int] = set()
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="annotator-retrain", daemon=True)
        self._thread.start()

    # -- events ------------------------------------------------------------------------------------------------

    def notify(self, action: str, project: int | None) -> str:
        """Count an annotation event or start a training; returns what happened (``counted``, ``queued``)."""
        with self._cond:
            if project is not None:
                self._projects.add(project)
            if action in ANNOTATION_ACTIONS:
                self._s.events += 1
                if self._s.events < self.every:
                    return "counted"
            elif action != START:
                return "ignored"
            if project is not None:
                self._s.pending.add(project)
            self._s.events = 0
            self._cond.notify_all()
            return "queued"

    def projects(self) -> list[int]:
        """The projects heard from (their labels are trained on, their ``model_version`` follows ours)."""
        with self._cond:
            return sorted(self._projects)

    def request(self, project: int) -> None:
        """Start a training on ``project``'s labels as soon as the current one (if any) is done."""
        self.notify(START, project)

    def status(self) -> dict[str, Any]:
        """The retraining state: ``state`` (idle, training, failed), counts, the last version and the last error."""
        with self._cond:
            s = self._s
            return {
                "state": s.state,
                "queued": sorted(s.pending),
                "events_since_training": s.events,
                "retrain_every": self.every,
                "trainings": s.trainings,
                "failures": s.failures,
                "last_version": s.last_version,
                "last_seconds": s.last_seconds,
                "last_labels": s.last_labels,
                "last_finished": s.last_finished,
                "last_error": s.last_error,
            }

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued or training (for tests and benchmarks); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._s.pending or self._s.state == "training":
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        """Stop the training process (a training in progress ends at once: a stop, SIGTERM included, must not wait
        for it; the served model stays as it was) and then the training thread."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._process.close()
        self._thread.join(timeout=10)

    # -- the training thread ------------------------------------------------------------------------------------

    def _stopping(self) -> bool:
        with self._cond:
            return self._stop

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._s.pending and not self._stop:
                    self._cond.wait()
                while not self._stop and (left := self._next_start - time.monotonic()) > 0:
                    self._cond.wait(left)  # too soon after the last start: more requests may join this one
                if self._stop:
                    return
                self._next_start = time.monotonic() + self.min_interval
                projects = sorted(self._s.pending)
                self._s.pending.clear()
                self._s.state = "training"
                self._s.last_started = time.time()
            try:
                version, n_labels, seconds = self._train(projects)
            except Exception as exc:  # every failure keeps the served model; the reason is kept and logged
                if self._stopping():
                    return  # closed while training: the training process was ended on purpose
                reason = str(exc) if isinstance(exc, AnnotatorError) else f"{type(exc).__name__}: {exc}"
                log.error("retraining on project(s) %s failed, still serving the previous model: %s", projects, reason)
                if not isinstance(exc, AnnotatorError):
                    log.debug("retraining traceback", exc_info=exc)
                with self._cond:
                    self._s.state = "failed"
                    self._s.failures += 1
                    self._s.last_error = reason
                    self._s.last_finished = time.time()
                    self._cond.notify_all()
                continue
            with self._cond:
                self._s.state = "idle"
                self._s.trainings += 1
                self._s.last_version = version
                self._s.last_labels = n_labels
                self._s.last_seconds = seconds
                self._s.last_error = None
                self._s.last_finished = time.time()
                self._cond.notify_all()

    def _fetch_all(self, projects: Sequence[int]) -> tuple[list[Labelled], list[int]]:
        """The labels of every project that gives them, and those projects: one that fails (deleted, unreadable)
        is logged, forgotten and left out; only if all fail is the training a failure."""
        labelled: list[Labelled] = []
        read: list[int] = []
        failed: list[AnnotatorError] = []
        for project in projects:
            try:
                labelled.extend(self.fetch(project))
            except AnnotatorError as exc:
                log.warning("left project %s out of the retraining: %s", project, exc)
                failed.append(exc)
                with self._cond:
                    self._projects.discard(project)
            else:
                read.append(project)
        if failed and not read:
            raise failed[0]
        return labelled, read

    def _train(self, projects: Sequence[int]) -> tuple[str, int, float]:
        started = time.perf_counter()
        labelled, projects = self._fetch_all(projects)
        texts, labels, articles = training_set(self.seed, labelled)
        log.info("retraining on %d project label(s) plus %d seed sentence(s)", len(labelled), len(self.seed))
        extra = {"trained_on": {"seed": len(self.seed), "project_labels": len(labelled), "projects": list(projects)}}
        try:
            card = self._process.call(train_and_save, texts, labels, str(self.models_dir), extra, articles)
        except TrainingProcessError as exc:  # killed, out of memory: the next training gets a new process
            with self._cond:
                if not self._stop:
                    self._process = TrainingProcess(warm=_warm)
            raise ModelError(f"{exc}; the next training starts a new one") from exc
        predictor = self.load(str(card["path"]))
        if predictor.model_version != card["version"]:
            raise ModelError(f"saved model {card['version']} loaded as {predictor.model_version}")
        old = self.holder.swap(predictor)
        seconds = time.perf_counter() - started
        log.info(
            "now serving model %s (was %s), trained on %d sentences in %.1f s",
            predictor.model_version,
            old.model_version,
            len(texts),
            seconds,
        )
        if self.publish is not None:
            with self._cond:
                known = sorted(self._projects)
            for project in known:
                try:
                    self.publish(project, old.model_version, predictor.model_version)
                except AnnotatorError as exc:  # the model is swapped; the project catches up on the next training
                    log.warning(
                        "could not set project %s's model_version to %s: %s", project, predictor.model_version, exc
                    )
        return predictor.model_version, len(labelled), seconds

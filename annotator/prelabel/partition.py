"""One partition of batch pre-labelling: split, predicted, ranked and encoded where it is made (a worker), and
written where the output file is (the driver), in input order.

A partition is encoded by :func:`annotator.io.write.encode` (Label Studio tasks as a JSON array), so ``annotator
prelabel`` writes the bytes every other command writes for the same rows; :func:`write` appends the partitions with
:func:`annotator.io.write.write_encoded`.
"""

from __future__ import annotations

import gc
import io
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from annotator.errors import InputError
from annotator.io import Row
from annotator.io.articles import Article
from annotator.io.write import Encoded, encode, write_encoded
from annotator.io.write import arrow_schema as write_schema
from annotator.predictions import Predictor
from annotator.prelabel.rows import COLUMNS, arrow_types, ranked_rows

FORMATS = ("jsonl", "csv", "parquet", "label-studio")
_NESTED = ("scores", "source_spans", "cue_spans")


@dataclass(frozen=True)
class Job:
    """What a worker needs besides the model and the articles (small, sent with every partition)."""

    fmt: str
    guideline_version: str = ""
    spool: str | None = None  # a directory the workers and the driver share: partitions are written there
    csv_raw: bool = False  # CSV cells that would run as formulas written as they are (see annotator.io.write)


@dataclass(frozen=True)
class Partition:
    """One encoded partition: its place in the input, its sentence count, its bytes (or the spool file that holds
    them) and its predicted labels."""

    index: int
    sentences: int
    payload: bytes
    labels: dict[str, int]
    path: str | None = None
    nbytes: int = 0

    def open(self) -> IO[bytes]:
        """The encoded bytes as a binary file."""
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.payload)


@dataclass
class Summary:
    """What a run did."""

    sentences: int = 0
    partitions: int = 0
    labels: Counter[str] | None = None
    model_version: str = ""


# -- the work on one partition (runs in a worker) ----------------------------------------------------------------


def encode_partition(rows: Sequence[Row], job: Job, model: Predictor) -> bytes:
    """``rows`` in the output format, as the bytes of one partition (:func:`annotator.io.write.encode`: no CSV
    header, no enclosing brackets)."""
    if job.fmt == "label-studio":
        return _encode_tasks(rows, job)
    if job.fmt not in FORMATS:
        raise InputError("output", f"unknown format {job.fmt!r}; expected one of {', '.join(FORMATS)}")
    types = output_types(model) if job.fmt == "parquet" else None
    return encode(rows, fmt=job.fmt, columns=COLUMNS, types=types, nested=_NESTED, csv_raw=job.csv_raw)


def _encode_tasks(rows: Sequence[Row], job: Job) -> bytes:
    from annotator.predictions import Prediction
    from annotator.studio.tasks import iter_tasks, prediction_json

    by_id = {r["sentence_id"]: r for r in rows}
    tasks = []
    for task in iter_tasks(rows, guideline_version=job.guideline_version):
        r = by_id[task["data"]["sentence_id"]]
        prediction = Prediction(
            r["label"],
            r["score"],
            r["scores"],
            tuple((s, e) for s, e in r["source_spans"]),
            tuple((s, e) for s, e in r["cue_spans"]),
        )
        pred = prediction_json(prediction, r["text"], model_version=r["model_version"])
        pred["score"] = r["priority"]  # Label Studio sorts by prediction score: the labelling order
        task["predictions"] = [pred]
        tasks.append(task)
    return encode(tasks, fmt="json", columns=())


def output_types(model: Predictor) -> dict[str, Any]:
    """The Parquet types of the prelabelled rows' columns that are not strings (``scores`` as a struct with one
    field per class of ``model``)."""
    return {"priority": "float64", **arrow_types(model)}


def arrow_schema(model: Predictor) -> Any:
    """The Parquet schema of prelabelled rows."""
    return write_schema(COLUMNS, output_types(model))


def run_partition(articles: Sequence[Article], predictor: Predictor, job: Job, index: int) -> Partition:
    """Split, predict, rank and encode one partition."""
    with _no_cycle_collection():
        rows, labels = ranked_rows(articles, predictor)
        data = encode_partition(rows, job, predictor)
    if job.spool is None:
        return Partition(index, len(rows), data, labels, nbytes=len(data))
    # written under a name of this process, then renamed: a retried task (or a second run of it) replaces the
    # file whole, and the driver reads only the files of finished tasks
    path = os.path.join(job.spool, f"{index:08d}.part")
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return Partition(index, len(rows), b"", labels, path=path, nbytes=len(data))


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector. A partition allocates millions of small containers (tokens, spans, rows):
    every 700 allocations start a collection, and the older generations' scans cost a sixth of the run. None of
    them forms a cycle, so reference counting frees each as soon as it is dropped; the collector runs again once
    the partition is done, so memory stays bounded by one partition."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- writing -----------------------------------------------------------------------------------------------------


def write(
    parts: Iterable[Partition],
    path: str | None,
    *,
    fmt: str,
    model: Predictor,
    commit_if: Callable[[Summary], bool] | None = None,
) -> Summary:
    """Write partitions, in order, to ``path`` or to standard output (``None`` or ``-``), with
    :func:`annotator.io.write.write_encoded`.

    A file is written to a temporary name and renamed over ``path`` once complete, and only if
    ``commit_if(summary)`` is true (default: always); otherwise ``path`` is left as it was.
    """
    summary = Summary(labels=Counter())

    def encoded() -> Iterator[Encoded]:
        for part in parts:
            if part.path is None:
                yield part.payload
            else:
                with part.open() as src:
                    yield src
                os.unlink(part.path)  # the spool holds at most the partitions in flight
            _count(summary, part)

    written = "json" if fmt == "label-studio" else fmt
    types = output_types(model) if fmt == "parquet" else None
    check = None if commit_if is None else (lambda: commit_if(summary))
    write_encoded(encoded(), path, fmt=written, columns=COLUMNS, types=types, commit_if=check)
    return summary


def _count(summary: Summary, part: Partition) -> None:
    summary.sentences += part.sentences
    summary.partitions += 1
    assert summary.labels is not None
    summary.labels.update(part.labels)

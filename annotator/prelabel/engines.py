"""Pre-label corpora larger than memory, on all local cores or on a Dask cluster.

The driver reads articles as a stream and cuts it into **partitions** of ``chunk_size`` whole articles. A worker
splits a partition into sentences, predicts them and ranks them (:func:`annotator.prelabel.rows.ranked_rows`; the
ranking is :mod:`annotator.prelabel.priority` on the partition's own predicted label distribution, so the result does
not depend on which worker ran it) and encodes the partition in the output format. The driver writes
the encoded partitions in input order into a temporary file that is renamed over the output once complete, so both
engines write byte-identical files and a failed run leaves the output as it was.

Where the workers share the driver's disk (the local engine, a Dask ``LocalCluster``), each writes its encoded
partition to a file in a private spool directory and returns only the file's name; the driver appends the files in
order and deletes each once appended. Output is several times the size of the input, and so never travels between
processes. Workers of a cluster at ``scheduler`` may not share a disk: they return the bytes.

At most ``2 × workers`` partitions are in flight: memory stays flat however large the corpus.

Engines
-------
``local``
    A process pool (one process per core by default); the driver loads the model and each process receives it
    once, when it starts. The partitions' articles go to the workers through the spool too, so that only file
    names pass through the pool's queue (see :class:`_Spool`). With one worker, or a corpus of one partition,
    everything runs in the driver.
``dask``
    ``dask.distributed``: a ``LocalCluster`` of ``workers`` single-threaded processes, or the cluster at
    ``scheduler``. The model is scattered to every worker once (``broadcast``), then only partitions travel.
"""

from __future__ import annotations

import gc
import io
import itertools
import os
import shutil
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

import orjson

from annotator.errors import InputError, ModelError
from annotator.io.articles import Article
from annotator.io.write import DiscardOutputError, atomic_path
from annotator.predictions import Predictor
from annotator.prelabel.rows import COLUMNS as PRELABEL_COLUMNS
from annotator.prelabel.rows import arrow_types, ranked_rows

ENGINES = ("local", "dask")
FORMATS = ("jsonl", "csv", "parquet", "label-studio")
#: the prelabel rows (split columns, then the prediction) plus ``priority``, the active-learning order (lower: label
#: sooner; see :mod:`annotator.prelabel.priority`)
COLUMNS = (*PRELABEL_COLUMNS, "priority")
_NESTED = ("scores", "source_spans", "cue_spans")

Row = dict[str, Any]


@dataclass(frozen=True)
class Job:
    """What a worker needs besides the model and the articles (small, sent with every partition)."""

    fmt: str
    guideline_version: str = ""
    spool: str | None = None  # a directory the workers and the driver share: partitions are written there


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


def encode(rows: Sequence[Row], job: Job, model: Predictor) -> bytes:
    """``rows`` in the output format, as the bytes of one partition (no header, no enclosing brackets)."""
    if job.fmt == "jsonl":
        dumps, line = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        return b"".join([dumps(r, option=line) for r in rows])
    if job.fmt == "csv":
        import csv

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for r in rows:
            writer.writerow(orjson.dumps(r[c]).decode("utf-8") if c in _NESTED else r[c] for c in COLUMNS)
        return buf.getvalue().encode("utf-8")
    if job.fmt == "label-studio":
        return _encode_tasks(rows, job)
    if job.fmt == "parquet":
        import pyarrow as pa

        table = pa.Table.from_pylist(list(rows), schema=arrow_schema(model))
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return bytes(sink.getvalue())
    raise InputError("--format", f"unknown format {job.fmt!r}; expected one of {', '.join(FORMATS)}")


def _encode_tasks(rows: Sequence[Row], job: Job) -> bytes:
    from annotator.predictions import Prediction
    from annotator.studio.tasks import iter_tasks, prediction_json

    by_id = {r["sentence_id"]: r for r in rows}
    out = []
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
        out.append(orjson.dumps(task))
    return b",\n".join(out)


def arrow_schema(model: Predictor) -> Any:
    """The Parquet schema of prelabelled rows (``scores`` as a struct with one field per class of ``model``)."""
    import pyarrow as pa

    types = {"index": pa.int64(), "start": pa.int64(), "end": pa.int64(), "priority": pa.float64()}
    types.update(arrow_types(model))
    return pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])


def run_partition(articles: Sequence[Article], predictor: Predictor, job: Job, index: int) -> Partition:
    """Split, predict, rank and encode one partition."""
    with _no_cycle_collection():
        rows, labels = ranked_rows(articles, predictor)
        data = encode(rows, job, predictor)
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


# -- local engine: a process pool --------------------------------------------------------------------------------

_worker_model: dict[str, Predictor] = {}  # per worker process: the model the driver sent it at start


def _init_local(predictor: Predictor) -> None:
    _worker_model["model"] = predictor


def _local_partition(path: str, job: Job, index: int) -> Partition:
    """Run the partition the driver spooled to ``path`` (see :meth:`_Spool.put`), which is then deleted."""
    import pickle

    with open(path, "rb") as fh:
        articles = pickle.load(fh)
    os.unlink(path)
    return run_partition(articles, _worker_model["model"], job, index)


# -- dask engine -------------------------------------------------------------------------------------------------


def _dask_partition(predictor: Predictor, articles: Sequence[Article], job: Job, index: int) -> Partition:
    return run_partition(articles, predictor, job, index)


# -- the driver --------------------------------------------------------------------------------------------------


def partitions(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """Lists of ``size`` whole articles (the last may be shorter)."""
    if size < 1:
        raise InputError("--chunk-size", f"must be at least 1; got {size}")
    it = iter(articles)
    while chunk := list(islice(it, size)):
        yield chunk


Submit = Callable[[list[Article], int], Any]  # (articles, index) -> a future of a Partition


def _ordered(
    chunks: Iterable[list[Article]], submit: Submit, window: int, result: Callable[[Any], Partition]
) -> Iterator[Partition]:
    """Run partitions with at most ``window`` in flight (submitted or finished but not yet yielded); yield them in
    input order."""
    it = enumerate(chunks)
    inflight: dict[Any, int] = {}
    done: dict[int, Partition] = {}
    next_out = 0
    exhausted = False
    while True:
        while not exhausted and len(inflight) + len(done) < window:
            item = next(it, None)
            if item is None:
                exhausted = True
                break
            index, chunk = item
            inflight[submit(chunk, index)] = index
        if next_out in done:
            yield done.pop(next_out)
            next_out += 1
            continue
        if not inflight:
            return
        for future in _first_completed(list(inflight)):
            inflight.pop(future)
            partition = result(future)
            done[partition.index] = partition


def _first_completed(futures: list[Any]) -> list[Any]:
    if isinstance(futures[0], Future):
        finished, _ = wait(futures, return_when=FIRST_COMPLETED)
        return list(finished)
    from distributed import wait as dask_wait

    finished, _ = dask_wait(futures, return_when="FIRST_COMPLETED")
    return list(finished)


@dataclass(frozen=True)
class Engine:
    """Where partitions run."""

    name: str = "local"
    workers: int | None = None  # local: os.cpu_count(); dask: 2 unless a scheduler is given
    scheduler: str | None = None


def run(
    articles: Iterable[Article],
    *,
    engine: Engine,
    job: Job,
    model_dir: str | Path | None = None,
    chunk_size: int = 256,
) -> tuple[Generator[Partition, None, None], Predictor]:
    """Start ``engine`` and return the stream of finished partitions (in input order) and the driver's copy of
    the model. The engine shuts down when the stream is exhausted or closed."""
    from annotator.classifier.artefacts import load_predictor

    if engine.name not in ENGINES:
        raise InputError("--engine", f"unknown engine {engine.name!r}; expected one of {', '.join(ENGINES)}")
    if engine.workers is not None and engine.workers < 1:
        raise InputError("--workers", f"must be at least 1; got {engine.workers}")
    # loaded (and checked) once, here, before any worker starts; workers get this object, not the file
    predictor = load_predictor(model_dir)
    chunks = partitions(articles, chunk_size)
    if engine.name == "local":
        return _run_local(chunks, job, predictor, engine.workers or os.cpu_count() or 1), predictor
    return _run_dask(chunks, job, predictor, engine), predictor


def _run_local(
    chunks: Iterable[list[Article]], job: Job, predictor: Predictor, workers: int
) -> Generator[Partition, None, None]:
    chunks = iter(chunks)
    head = list(islice(chunks, 2))
    if len(head) < 2 or workers == 1:  # nothing to share out: no processes to start
        for index, chunk in enumerate(itertools.chain(head, chunks)):
            yield run_partition(chunk, predictor, job, index)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    spool = _Spool()
    job = spool.job(job)
    try:
        # spawn, not fork: the driver may hold threads (progress bar, Dask, a web server in tests)
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_local,
            initargs=(predictor,),
        )

        def submit(chunk: list[Article], index: int) -> Future[Partition]:
            return pool.submit(_local_partition, spool.put(chunk, index), job, index)

        try:
            yield from _ordered(itertools.chain(head, chunks), submit, 2 * workers, lambda f: f.result())
        except BrokenProcessPool as exc:
            raise ModelError(f"a worker process died (killed, or out of memory): {exc}") from exc
        finally:  # done, or a worker died, or the consumer stopped early: nothing queued runs, the workers end
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        spool.close()


class _Spool:
    """A private directory for the partition files of workers on this machine; removed, with what is left in it,
    by :meth:`close`.

    The local engine passes the articles in through it too, so that only file names go through the process
    pool's queue: when a worker dies while the pool's feeder thread is writing a call larger than a pipe holds into
    the worker's pipe, Python 3.11.2 leaves that thread blocked and the pool's shutdown waiting on it for ever
    (later releases close the pipe, CPython gh-94777). A name always fits in the pipe.
    """

    def __init__(self) -> None:
        import tempfile

        self.path = tempfile.mkdtemp(prefix="annotator-prelabel-")

    def job(self, job: Job) -> Job:
        from dataclasses import replace

        return replace(job, spool=self.path)

    def put(self, articles: list[Article], index: int) -> str:
        """Write a partition's articles for a worker (:func:`_local_partition`); returns the file's path."""
        import pickle

        path = os.path.join(self.path, f"{index:08d}.in")
        with open(path, "wb") as fh:
            pickle.dump(articles, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.path, ignore_errors=True)


def _run_dask(
    chunks: Iterable[list[Article]], job: Job, predictor: Predictor, engine: Engine
) -> Generator[Partition, None, None]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ModelError("--engine dask needs Dask: pip install 'annotator[dask]'") from exc
    import logging

    import dask

    cluster = None
    client = None
    spool = None
    try:  # whatever fails, from here on, closes what was started
        if engine.scheduler:
            client = Client(engine.scheduler, timeout="30s")
        else:
            # no dashboard, so no use for the workers' statistical profiler, which interrupts every task 100 times
            # a second (8% of a worker's time here)
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                cluster = LocalCluster(
                    n_workers=engine.workers or 2,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            client = Client(cluster)
            spool = _Spool()
            job = spool.job(job)
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        model = client.scatter(predictor, broadcast=True, hash=False)

        def submit(chunk: list[Article], index: int) -> Any:
            return client.submit(_dask_partition, model, chunk, job, index, pure=False)

        yield from _ordered(chunks, submit, 2 * n_workers, lambda f: f.result())
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if spool is not None:
            spool.close()


# -- writing -----------------------------------------------------------------------------------------------------


def write(
    parts: Iterable[Partition],
    path: str | None,
    *,
    fmt: str,
    model: Predictor,
    commit_if: Callable[[Summary], bool] | None = None,
) -> Summary:
    """Write partitions, in order, to ``path`` or to standard output (``None`` or ``-``).

    A file is written to a temporary name and renamed over ``path`` once complete, and only if
    ``commit_if(summary)`` is true (default: always); otherwise ``path`` is left as it was.
    """
    import sys

    if path is None or path == "-":
        if fmt == "parquet":
            raise InputError("--format parquet", "Parquet needs an output file; pass -o FILE")
        return _write_stream(parts, sys.stdout.buffer, fmt=fmt)
    summary = Summary(labels=Counter())
    try:
        with atomic_path(path) as tmp:
            if fmt == "parquet":
                summary = _write_parquet(parts, tmp, model)
            else:
                with tmp.open("wb") as fh:
                    summary = _write_stream(parts, fh, fmt=fmt)
            if commit_if is not None and not commit_if(summary):
                raise DiscardOutputError
    except DiscardOutputError:
        pass
    return summary


def _write_stream(parts: Iterable[Partition], fh: IO[bytes], *, fmt: str) -> Summary:
    summary = Summary(labels=Counter())
    if fmt == "csv":
        fh.write((",".join(COLUMNS) + "\n").encode("utf-8"))
    elif fmt == "label-studio":
        fh.write(b"[\n")
    first = True
    for part in parts:
        if fmt == "label-studio" and part.nbytes:
            if not first:
                fh.write(b",\n")
            first = False
        if part.path is None:
            fh.write(part.payload)
        else:
            with part.open() as src:
                shutil.copyfileobj(src, fh, 1 << 20)
            os.unlink(part.path)  # the spool holds at most the partitions in flight
        _count(summary, part)
    if fmt == "label-studio":
        fh.write(b"\n]\n")
    fh.flush()
    return summary


def _write_parquet(parts: Iterable[Partition], path: Path, model: Predictor) -> Summary:
    import pyarrow as pa
    import pyarrow.parquet as pq

    summary = Summary(labels=Counter())
    with pq.ParquetWriter(path, arrow_schema(model)) as writer:
        for part in parts:
            with part.open() as src, pa.ipc.open_stream(src) as reader:
                writer.write_table(reader.read_all())
            if part.path is not None:
                os.unlink(part.path)
            _count(summary, part)
    return summary


def _count(summary: Summary, part: Partition) -> None:
    summary.sentences += part.sentences
    summary.partitions += 1
    assert summary.labels is not None
    summary.labels.update(part.labels)

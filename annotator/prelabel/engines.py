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

import itertools
import os
import shutil
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from annotator.errors import InputError, ModelError
from annotator.io.articles import Article
from annotator.predictions import Predictor
from annotator.prelabel.partition import FORMATS, Job, Partition, Summary, run_partition, write
from annotator.prelabel.rows import COLUMNS, PARTITION_SIZE, partitions

#: bytes a worker holds per character of its partition's article text, and of the process itself (measured with
#: benchmarks/duplicates.py); the smallest partition a budget can ask for
BYTES_PER_CHAR = 320
BASE_BYTES = 200 << 20
MIN_PARTITION_CHARS = 16_384

# what a partition is and how partitions are written live in annotator.prelabel.partition; a caller of the engines
# finds them here too
__all__ = ["COLUMNS", "ENGINES", "FORMATS", "Engine", "Job", "Partition", "Summary", "run", "run_partition", "write"]

ENGINES = ("local", "dask")


# -- local engine: a process pool --------------------------------------------------------------------------------

_worker_model: dict[str, Predictor] = {}  # per worker process: the model the driver sent it at start


def _init_local(predictor: Predictor) -> None:
    _worker_model["model"] = predictor


def _local_partition(path: str, job: Job, index: int) -> Partition:
    """Run the partition the driver spooled to ``path`` (see :meth:`_Spool.put`), which is then deleted."""
    import json

    with open(path, encoding="ascii") as fh:  # JSON, never pickle: nothing from a file is unpickled
        articles = [Article(**fields) for fields in json.load(fh)]
    os.unlink(path)
    return run_partition(articles, _worker_model["model"], job, index)


# -- dask engine -------------------------------------------------------------------------------------------------


def _dask_partition(predictor: Predictor, articles: Sequence[Article], job: Job, index: int) -> Partition:
    return run_partition(articles, predictor, job, index)


# -- the driver --------------------------------------------------------------------------------------------------


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
    chunk_size: int = PARTITION_SIZE,
    memory_budget: int | None = None,
) -> tuple[Generator[Partition, None, None], Predictor]:
    """Start ``engine`` and return the stream of finished partitions (in input order) and the driver's copy of
    the model. The engine shuts down when the stream is exhausted or closed.

    ``memory_budget`` (bytes, for all workers together) bounds partitions by characters as well as by articles
    (:func:`partition_chars`), cutting a longer article at paragraph boundaries, so that peak memory stays near the
    budget whatever the article sizes."""
    from annotator.classifier.artefacts import load_predictor

    if engine.name not in ENGINES:
        raise InputError("engine", f"unknown engine {engine.name!r}; expected one of {', '.join(ENGINES)}")
    if engine.workers is not None and engine.workers < 1:
        raise InputError("workers", f"must be at least 1; got {engine.workers}")
    # loaded (and checked) once, here, before any worker starts; workers get this object, not the file
    predictor = load_predictor(model_dir)
    workers = engine.workers or ((os.cpu_count() or 1) if engine.name == "local" else 2)
    max_chars = None if memory_budget is None else partition_chars(memory_budget, workers)
    chunks = partitions(articles, chunk_size, max_chars=max_chars)
    if engine.name == "local":
        return _run_local(chunks, job, predictor, engine.workers or os.cpu_count() or 1), predictor
    return _run_dask(chunks, job, predictor, engine), predictor


def partition_chars(memory_budget: int, workers: int) -> int:
    """The most characters of article text in a partition for a memory budget (bytes) shared by ``workers``: a
    worker holds about :data:`BYTES_PER_CHAR` bytes per character of the partition it runs (its sentences, their
    analysis and features, the encoded rows), and each process starts with :data:`BASE_BYTES` (the model and the
    libraries)."""
    per_worker = memory_budget // max(1, workers) - BASE_BYTES
    return max(MIN_PARTITION_CHARS, per_worker // BYTES_PER_CHAR)


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
        import json
        from dataclasses import asdict

        path = os.path.join(self.path, f"{index:08d}.in")
        with open(path, "w", encoding="ascii") as fh:  # ASCII JSON: any text survives, lone surrogates included
            json.dump([asdict(article) for article in articles], fh)
        return path

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _run_dask(
    chunks: Iterable[list[Article]], job: Job, predictor: Predictor, engine: Engine
) -> Generator[Partition, None, None]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ModelError("the dask engine needs Dask: pip install 'annotator[dask]'") from exc
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
                    # the scheduler serves HTTP (health, metrics) even without a dashboard, on 8787 by default, and
                    # warns on stderr when another program holds that port: a free port instead
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
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

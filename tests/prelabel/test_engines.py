"""Pre-labelling at scale: the process pool and a real 2-worker Dask LocalCluster write exactly what the
in-process run writes; rows match the split table and the model's own predictions; every format reads back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from annotator.classifier.artefacts import load_model
from annotator.io.articles import read_articles
from annotator.prelabel.engines import COLUMNS, Engine, Job, Partition, _ordered, run, write
from annotator.text.split import split

# _ordered: the in-order window over out-of-order futures, driven here with futures finished by hand (run() only
# gives it real pools, whose completion order a test cannot choose)

REPO = Path(__file__).resolve().parents[2]
ARTICLES = REPO / "data" / "articles"
ANNOTATOR = str(Path(sys.executable).parent / "annotator")


def _prelabel(engine: Engine, out: Path, model_dir: Path, fmt: str = "jsonl", chunk_size: int = 3) -> Any:
    parts, predictor = run(
        read_articles([ARTICLES]), engine=engine, job=Job(fmt=fmt), model_dir=model_dir, chunk_size=chunk_size
    )
    return write(parts, str(out), fmt=fmt, model=predictor)


@pytest.fixture(scope="module")
def in_process(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("inproc") / "rows.jsonl"
    _prelabel(Engine("local", workers=1), out, model_dir)
    return out


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rows_are_the_split_rows_with_the_models_predictions(in_process: Path, model_dir: Path) -> None:
    rows = _rows(in_process)
    sentences = split([ARTICLES])
    assert [r["sentence_id"] for r in rows] == sentences["sentence_id"].tolist()
    assert [r["text"] for r in rows] == sentences["text"].tolist()
    assert all(list(r) == list(COLUMNS) for r in rows)
    model = load_model(model_dir)
    # each sentence read in its article, as prelabel reads it
    expected = model.predict(sentences["text"].tolist(), articles=sentences["article_id"].tolist())
    assert [r["label"] for r in rows] == [p.label for p in expected]
    assert [r["source_spans"] for r in rows] == [[list(s) for s in p.source_spans] for p in expected]
    assert [r["cue_spans"] for r in rows] == [[list(s) for s in p.cue_spans] for p in expected]
    assert {r["model_version"] for r in rows} == {model.model_version}
    for r in rows:
        assert r["scores"][r["label"]] == r["score"] == max(r["scores"].values())
        assert 0 < r["priority"] <= round(r["score"], 6)


def test_process_pool_writes_the_same_bytes(in_process: Path, model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "pool.jsonl"
    summary = _prelabel(Engine("local", workers=2), out, model_dir)
    assert out.read_bytes() == in_process.read_bytes()
    assert summary.partitions == 6  # 16 articles in partitions of 3
    assert summary.sentences == len(_rows(in_process))
    assert summary.labels == Counter(r["label"] for r in _rows(in_process))


def test_dask_two_worker_cluster_writes_the_same_bytes(in_process: Path, model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "dask.jsonl"
    _prelabel(Engine("dask", workers=2), out, model_dir)
    assert out.read_bytes() == in_process.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "label-studio"])
def test_spooled_partitions_give_the_same_output_and_leave_no_files(
    fmt: str, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool's workers write their partitions to spool files that the driver appends: the output equals the
    in-process run's, and the spool is gone afterwards."""
    import tempfile

    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_root))
    suffix = {"csv": ".csv", "parquet": ".parquet", "label-studio": ".json"}[fmt]
    alone, pooled = tmp_path / f"alone{suffix}", tmp_path / f"pooled{suffix}"
    _prelabel(Engine("local", workers=1), alone, model_dir, fmt=fmt)
    summary = _prelabel(Engine("local", workers=2), pooled, model_dir, fmt=fmt)
    assert summary.partitions == 6
    if fmt == "parquet":
        assert pd.read_parquet(pooled).equals(pd.read_parquet(alone))
    else:
        assert pooled.read_bytes() == alone.read_bytes()
    assert list(spool_root.iterdir()) == []
    # the workers' bytes came through the spool, not through the pipes
    parts, _ = run(read_articles([ARTICLES]), engine=Engine("local", workers=2), job=Job(fmt=fmt), chunk_size=3)
    for part in parts:
        assert part.payload == b"" and part.path is not None
        assert Path(part.path).parent.parent == spool_root and Path(part.path).stat().st_size == part.nbytes
    assert list(spool_root.iterdir()) == []


def test_parquet_and_csv_hold_the_same_rows(in_process: Path, model_dir: Path, tmp_path: Path) -> None:
    expected = pd.DataFrame(_rows(in_process))
    _prelabel(Engine("local", workers=1), tmp_path / "rows.parquet", model_dir, fmt="parquet")
    _prelabel(Engine("local", workers=1), tmp_path / "rows.csv", model_dir, fmt="csv")
    parquet = pd.read_parquet(tmp_path / "rows.parquet")
    csv = pd.read_csv(tmp_path / "rows.csv", keep_default_na=False, na_values=[""])
    for frame in (parquet, csv):
        assert list(frame.columns) == list(COLUMNS)
        assert frame["sentence_id"].tolist() == expected["sentence_id"].tolist()
        assert frame["label"].tolist() == expected["label"].tolist()
        assert frame["priority"].tolist() == expected["priority"].tolist()
    assert [dict(s) for s in parquet["scores"]] == expected["scores"].tolist()
    assert [json.loads(s) for s in csv["cue_spans"]] == expected["cue_spans"].tolist()
    assert [[list(x) for x in s] for s in parquet["source_spans"]] == expected["source_spans"].tolist()


def test_label_studio_format_is_tasks_with_predictions(in_process: Path, model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "tasks.json"
    _prelabel(Engine("local", workers=1), out, model_dir, fmt="label-studio")
    tasks = json.loads(out.read_text(encoding="utf-8"))
    rows = [r for r in _rows(in_process)]
    assert [t["data"]["sentence_id"] for t in tasks] == [r["sentence_id"] for r in rows]
    for task, row in zip(tasks, rows, strict=True):
        assert task["data"]["text"] == row["text"]
        [prediction] = task["predictions"]
        assert prediction["model_version"] == row["model_version"]
        assert prediction["score"] == row["priority"]
        choices = [r for r in prediction["result"] if r["type"] == "choices"]
        assert choices[0]["value"]["choices"] == [row["label"]]
        spans = [r["value"] for r in prediction["result"] if r["type"] == "labels"]
        assert len(spans) == len(row["source_spans"]) + len(row["cue_spans"])
        assert all(row["text"][v["start"] : v["end"]] == v["text"] for v in spans)


def test_iter_prelabel_yields_what_the_command_writes(model_dir: Path, tmp_path: Path) -> None:
    """The Python API and ``annotator prelabel`` take one path: the same columns (``priority`` included) and the
    same values, the priority ranked on partitions of the same number of articles."""
    from annotator.classifier.artefacts import load_predictor
    from annotator.io.write import json_bytes
    from annotator.prelabel.rows import iter_prelabel

    out = tmp_path / "rows.jsonl"
    proc = _cli("prelabel", str(ARTICLES), "--model", str(model_dir), "--chunk-size", "3", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    written = _rows(out)
    chunks = list(iter_prelabel([ARTICLES], model=load_predictor(model_dir), chunk_size=40, partition_size=3))
    assert all(list(chunk.columns) == list(COLUMNS) for chunk in chunks)
    yielded = [json.loads(json_bytes(r)) for chunk in chunks for r in chunk.to_dict("records")]
    assert yielded == written
    # the partition size matters: ranked on one partition of every article, some priorities differ
    whole = pd.concat(iter_prelabel([ARTICLES], model=load_predictor(model_dir), partition_size=100))
    assert whole["priority"].tolist() != [r["priority"] for r in written]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_the_same_rows_give_the_same_bytes_whichever_command_writes_them(
    fmt: str, in_process: Path, model_dir: Path, tmp_path: Path
) -> None:
    """``annotator prelabel`` (partitions encoded in workers) and ``write_rows`` (``split``, ``pull``, ``ledger``)
    share one writer: the rows prelabel wrote, written again by ``write_rows``, are the same bytes."""
    from annotator.classifier.artefacts import load_predictor
    from annotator.io.write import write_rows
    from annotator.prelabel.partition import output_types

    rows = _rows(in_process)
    by_engine = tmp_path / f"engine.{fmt}"
    _prelabel(Engine("local", workers=1), by_engine, model_dir, fmt=fmt)
    by_write_rows = tmp_path / f"rows.{fmt}"
    types = output_types(load_predictor(model_dir))
    n = write_rows([rows[:10], rows[10:]], str(by_write_rows), fmt=fmt, columns=COLUMNS, types=types)
    assert n == len(rows)
    if fmt == "parquet":  # the same table; the files' bytes differ by where the row groups break
        assert pd.read_parquet(by_write_rows).equals(pd.read_parquet(by_engine))
    else:
        assert by_write_rows.read_bytes() == by_engine.read_bytes()


def test_at_most_a_window_of_partitions_is_in_flight() -> None:
    """The driver holds at most ``window`` partitions (submitted or waiting for their turn): flat memory."""
    from concurrent.futures import Future

    inflight = 0
    peak = 0
    pending: list[tuple[Future[Partition], int]] = []

    def submit(chunk: list[Any], index: int) -> Future[Partition]:
        nonlocal inflight, peak
        inflight += 1
        peak = max(peak, inflight)
        future: Future[Partition] = Future()
        pending.append((future, index))
        # finish them out of order: the newest first
        if len(pending) == 3 or index == 99:
            for f, i in reversed(pending):
                f.set_result(Partition(i, 1, b"", {}))
            pending.clear()
        return future

    def result(future: Future[Partition]) -> Partition:
        return future.result()

    order = []
    for part in _ordered(([i] for i in range(100)), submit, 4, result):
        inflight -= 1
        order.append(part.index)
    assert order == list(range(100))
    assert peak <= 4


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANNOTATOR, *args], check=False, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_names_a_bad_input_writes_the_rest_and_exits_1(model_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\xff\xfe not text")
    good = ARTICLES / "health-clinic-closures.txt"
    out = tmp_path / "out.jsonl"
    proc = _cli("prelabel", str(bad), str(good), "--model", str(model_dir), "-o", str(out))
    assert proc.returncode == 1
    assert f"error: {bad}: not valid UTF-8" in proc.stderr
    assert "Traceback" not in proc.stderr
    rows = _rows(out)
    assert {r["article_id"] for r in rows} == {"health-clinic-closures"}
    assert f"{len(rows)} sentences labelled by model {model_dir.name}" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler: needs --engine dask"),
        (["--format", "parquet"], "Parquet needs an output file"),
        (["-o", "x.txt"], "cannot tell the format"),
    ],
)
def test_cli_refuses_impossible_options(model_dir: Path, tmp_path: Path, args: list[str], message: str) -> None:
    proc = _cli(
        "prelabel", str(ARTICLES / "health-clinic-closures.txt"), "--model", str(model_dir), *args, cwd=tmp_path
    )
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_on_an_existing_dask_cluster(in_process: Path, model_dir: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    out = tmp_path / "cluster.jsonl"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        args = ["--engine", "dask", "--scheduler", cluster.scheduler_address, "--chunk-size", "3"]
        proc = _cli("prelabel", str(ARTICLES), "--model", str(model_dir), "-o", str(out), *args)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == in_process.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_reading_a_large_file_streams(tmp_path: Path, suffix: str) -> None:
    """Articles of a JSONL or CSV file are read one by one: the memory held does not grow with the file."""
    import csv as csv_module
    import tracemalloc

    body = "The council said the bridge would reopen on Monday, officials said. " * 60  # ~4 KB
    path = tmp_path / f"big{suffix}"
    n = 5000  # ~20 MB
    with path.open("w", encoding="utf-8", newline="") as fh:
        if suffix == ".jsonl":
            for i in range(n):
                fh.write(json.dumps({"id": f"a{i}", "text": f"“{i}” {body}"}, ensure_ascii=False) + "\n")
        else:
            writer = csv_module.writer(fh)
            writer.writerow(["id", "text"])
            writer.writerows([f"a{i}", f"“{i}” {body}"] for i in range(n))
    size = path.stat().st_size
    tracemalloc.start()
    count = sum(1 for _ in read_articles([path]))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    assert peak < size / 8, f"peak {peak / 2**20:.1f} MiB while reading {size / 2**20:.1f} MiB"


def _stderr_through(command: list[str], *, terminal: bool) -> str:
    """Run ``command`` with standard error on a pseudo-terminal (or a pipe); return what it wrote there."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    if not terminal:
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stderr
    main, child = pty.openpty()
    # a new pseudo-terminal is 0 columns wide, and tqdm draws nothing in no columns: make it 24 x 120
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=child) as proc:
        os.close(child)
        out = b""
        while True:
            try:
                data = os.read(main, 4096)
            except OSError:  # the child closed its end
                break
            if not data:
                break
            out += data
        assert proc.wait(timeout=120) == 0, out
    os.close(main)
    return out.decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.parametrize("terminal", [True, False])
def test_progress_bar_in_sentences_per_second_on_a_terminal_only(terminal: bool, tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    stderr = _stderr_through(
        [ANNOTATOR, "prelabel", str(ARTICLES), "-o", str(out), "--workers", "1", "--chunk-size", "2"], terminal=terminal
    )
    assert ("sentences/s" in stderr) is terminal, stderr
    assert "sentences labelled by model" in stderr
    assert out.stat().st_size > 0


# Run as a script of its own (spawned workers import it as their main module): the local engine's two workers are
# stopped (SIGSTOP: they read nothing more, whatever the machine's speed) and then killed, with partitions larger
# than a pipe holds on their way to them. Under Python 3.11.2 the pool's shutdown then waited for ever on its feeder
# thread, blocked writing into the dead workers' pipe.
_KILLED_WORKERS = """
import sys, threading
import psutil
from annotator.errors import ModelError
from annotator.io.articles import Article
from annotator.prelabel.engines import Engine, Job, run

TEXT = "Mayor Ada Pell said the footbridge would open in May. Crime has soared since the mayor took office. " * 40

def kill(workers):
    for worker in workers:
        worker.kill()
    print("killed", flush=True)

def articles():
    for i in range(200):
        if i == 120:  # the driver asks for partition 3: partitions 0 to 2 are submitted, 3 will be in a moment
            workers = [p for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]
            assert len(workers) == 2, workers
            for worker in workers:
                worker.suspend()
            threading.Timer(1, kill, [workers]).start()
        yield Article(id=f"a{i}", text=f"Article {i}. {TEXT}")  # each its own string: pickled whole

if __name__ == "__main__":
    parts, _ = run(articles(), engine=Engine("local", workers=2), job=Job(fmt="jsonl"), model_dir=sys.argv[1],
                   chunk_size=40)
    try:
        for part in parts:
            pass
    except ModelError as exc:
        print("error:", exc, flush=True)
"""


def test_killed_workers_end_the_run_with_an_error(model_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "killed_workers.py"
    script.write_text(_KILLED_WORKERS, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(model_dir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # up to the kill: the imports, the model, the workers' start
            lines.append(line)
            if line.strip() == "killed":
                break
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the run did not end within 60 s of its workers' death (the process pool hung)")
        assert proc.returncode == 0, "".join(lines) + out
        assert "error: a worker process died" in out
    finally:
        proc.kill()
        proc.wait()

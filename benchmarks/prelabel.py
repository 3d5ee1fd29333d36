"""End-to-end pre-labelling: `annotator prelabel` (read, split, predict, rank, write) against the naive pipeline a
user would write (pysbd + a TF-IDF/logistic-regression pipeline fitted on the same data/train), in the same run.

Prints, for each configuration, sentences, wall seconds, CPU seconds (the process and all its workers),
sentences per wall second, sentences per CPU second ("per core"), and the peak resident memory of the whole
process tree (sampled every 50 ms). Each configuration also runs on two short articles first (one partition
each, so every worker starts): its time is the start-up (imports, model load, starting workers), subtracted for
the steady-state figures, since the naive pipeline is timed after its imports and its fit. Then the ratios
against the targets:

- >= 15,000 sentences/s per core (local engine, 1 worker: everything runs in one process), since issue 13's
  article analysis (20,000 before it);
- >= 10x the naive pipeline (per core), as issue 5 set it (issue 13 did not revisit it);
- >= 1.6x from 1 to 2 Dask workers (wall time; end to end, and without the fixed start-up of the cluster; on a
  machine shared with other jobs wall time is skewed, so the CPU time per sentence is printed too);
- peak memory flat on a corpus --memory-factor times larger.

Every configuration and the naive pipeline run once per round, interleaved, for --repeat rounds; the summary
gives medians (a virtual machine's speed drifts by a third between minutes here, so single runs mislead).

The corpus is data/articles plus the two scraped seed articles in ../shared/seeds (read from there, never copied),
repeated under new ids to about --mb megabytes of article text, written as JSONL to a temporary directory.

Usage: python benchmarks/prelabel.py [--mb 10] [--model DIR] [--naive-mb 2] [--memory-factor 10] [--repeat 3]
                                    [--dask-mb MB] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # for shared_data: where ../shared lives
import psutil
import shared_data

from annotator.io.articles import read_articles

ROOT = Path(__file__).resolve().parents[1]
SEEDS = shared_data.SEEDS
ANNOTATOR = str(Path(sys.executable).parent / "annotator")
_DONE = re.compile(r"(\d+) sentences? labelled by model")


def build_corpus(path: Path, megabytes: float) -> int:
    """Write about ``megabytes`` of articles as JSONL; returns the bytes of article text written."""
    base = list(read_articles([ROOT / "data" / "articles", *sorted(SEEDS.glob("*.txt"))]))
    size = sum(len(a.text.encode()) for a in base)
    copies = max(1, round(megabytes * 1e6 / size))
    with path.open("w", encoding="utf-8") as fh:
        for k in range(copies):
            for a in base:
                record = {"id": f"{a.id}~{k}", "text": a.text, "title": a.title, "source": a.source, "url": a.url}
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return size * copies


@dataclass
class Measure:
    name: str
    sentences: int
    wall: float
    cpu: float
    peak_mib: float

    @property
    def per_wall(self) -> float:
        return self.sentences / self.wall

    @property
    def per_cpu(self) -> float:
        return self.sentences / self.cpu


class TreeMemory:
    """Peak summed RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                total = 0
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_cli(name: str, args: list[str]) -> Measure:
    """Run `annotator prelabel ...` and measure it (CPU time: the command and every process it waited for)."""
    cpu0 = children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [ANNOTATOR, "prelabel", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    with TreeMemory(proc.pid) as mem:
        _, err = proc.communicate()
    wall = time.perf_counter() - t0
    cpu = children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{err}")
    match = _DONE.search(err)
    if not match:
        raise SystemExit(f"{name}: no summary line in\n{err}")
    return Measure(name, int(match.group(1)), wall, cpu, mem.peak / 2**20)


def run_naive(corpus: Path, megabytes: float) -> Measure:
    """pysbd + TF-IDF/LogisticRegression fitted on data/train, one process, on the first ``megabytes`` of the
    corpus, writing the same kind of JSONL rows."""
    import pysbd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from annotator.io.labelled import read_labelled

    train = read_labelled([ROOT / "data" / "train"])
    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(max_iter=1000))
    pipe.fit(train["text"].tolist(), train["label"].tolist())
    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    classes = [str(c) for c in pipe.classes_]
    limit = megabytes * 1e6
    n = 0
    done = 0
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    with corpus.open(encoding="utf-8") as src, open(os.devnull, "w", encoding="utf-8") as out:
        for line in src:
            article = json.loads(line)
            text = article["text"]
            spans = [s for s in seg.segment(text) if s.sent.strip()]
            sentences = [s.sent.strip() for s in spans]
            if sentences:
                proba = pipe.predict_proba(sentences)
                for s, p, sent in zip(spans, proba, sentences, strict=True):
                    best = int(p.argmax())
                    row = {"article_id": article["id"], "start": s.start, "end": s.end, "text": sent}
                    scores = dict(zip(classes, p.tolist(), strict=True))
                    row |= {"label": classes[best], "score": float(p[best]), "scores": scores}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += len(sentences)
            done += len(text.encode())
            if done >= limit:
                break
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return Measure(f"naive: pysbd + tfidf/logreg ({done / 1e6:.1f} MB)", n, wall, cpu, 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0, help="corpus size in MB (default 10)")
    ap.add_argument("--model", help="model directory (default: the shipped model)")
    ap.add_argument("--naive-mb", type=float, default=2.0, help="MB of the corpus the naive pipeline runs on")
    ap.add_argument("--memory-factor", type=float, default=10.0, help="the larger corpus for the memory check")
    ap.add_argument("--quick", action="store_true", help="skip the local 2-worker run and the memory check")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of every run, interleaved (default 3)")
    ap.add_argument("--dask-mb", type=float, help="corpus size in MB for the Dask runs (default: --mb)")
    args = ap.parse_args()
    shared_data.need_or_exit(SEEDS, pattern="*.txt")

    model = ["--model", args.model] if args.model else []
    header = (
        f"{'run':<48} {'sentences':>10} {'wall s':>8} {'CPU s':>8} {'sent/s':>9} {'sent/CPU-s':>11} {'peak MiB':>9}"
    )

    def show(m: Measure) -> Measure:
        peak = f"{m.peak_mib:9.0f}" if m.peak_mib else f"{'-':>9}"
        rates = f"{m.per_wall:>9,.0f} {m.per_cpu:>11,.0f}"
        print(f"{m.name:<48} {m.sentences:>10,} {m.wall:>8.1f} {m.cpu:>8.1f} {rates} {peak}", flush=True)
        return m

    with tempfile.TemporaryDirectory(prefix="bench-prelabel-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        nbytes = build_corpus(corpus, args.mb)
        out = str(Path(tmp) / "out.jsonl")
        dask_corpus = corpus
        if args.dask_mb and args.dask_mb != args.mb:
            dask_corpus = Path(tmp) / "dask.jsonl"
            print(f"dask corpus: {build_corpus(dask_corpus, args.dask_mb) / 1e6:.1f} MB of article text")
        print(f"corpus: {nbytes / 1e6:.1f} MB of article text, {os.cpu_count()} cores\n\n{header}", flush=True)
        tiny = Path(tmp) / "tiny.jsonl"  # two short articles in two partitions: every worker starts
        with corpus.open(encoding="utf-8") as src:
            short = sorted((line for _, line in zip(range(20), src, strict=False)), key=len)[:2]
        tiny.write_text("".join(short), encoding="utf-8")
        configs = [("local engine, 1 worker", ["--workers", "1"])]
        if not args.quick:
            configs.append(("local engine, 2 workers", ["--workers", "2"]))
        configs += [("dask, 1 worker", ["--engine", "dask", "--workers", "1"])]
        configs += [("dask, 2 workers", ["--engine", "dask", "--workers", "2"])]
        # every configuration and the naive pipeline once per round, interleaved, so that a machine whose speed
        # drifts (a shared VM) affects all of them alike; the figures below are medians over the rounds
        runs: dict[str, list[Measure]] = {name: [] for name, _ in configs}
        startups: dict[str, list[Measure]] = {name: [] for name, _ in configs}
        naive: list[Measure] = []
        for _ in range(args.repeat):
            for name, opts in configs:
                just_start = [str(tiny), "-o", out, *model, *opts, "--chunk-size", "1"]
                startups[name].append(show(run_cli(f"start-up only ({name}, 2 articles)", just_start)))
                source = dask_corpus if "dask" in opts else corpus
                runs[name].append(show(run_cli(f"annotator, {name}", [str(source), "-o", out, *model, *opts])))
            naive.append(show(run_naive(corpus, args.naive_mb)))
        big = None
        if not args.quick:
            big_corpus = Path(tmp) / "big.jsonl"
            big_bytes = build_corpus(big_corpus, args.mb * args.memory_factor)
            corpus.unlink()
            big = show(
                run_cli(
                    f"annotator, local engine, 2 workers, {big_bytes / 1e6:.0f} MB",
                    [str(big_corpus), "-o", out, *model, "--workers", "2"],
                )
            )

    local = "local engine, 1 worker"
    end_to_end = [m.per_cpu for m in runs[local]]
    steady = [m.sentences / (m.cpu - s.cpu) for m, s in zip(runs[local], startups[local], strict=True)]
    naive_rate = [m.per_cpu for m in naive]
    start_cpu = median([s.cpu for s in startups[local]])
    print(f"\nmedians over {args.repeat} rounds (each round: every run above once, interleaved)")
    print(
        f"per core (local, 1 worker): {median(end_to_end):,.0f} sentences per CPU second end to end, "
        f"{median(steady):,.0f} without the {start_cpu:.1f} s CPU of start-up (imports, model load) "
        f"(target >= 15,000); best round {max(end_to_end):,.0f} and {max(steady):,.0f}"
    )
    ratio = [a / b for a, b in zip(end_to_end, naive_rate, strict=True)]
    ratio_steady = [a / b for a, b in zip(steady, naive_rate, strict=True)]
    print(
        f"vs naive (its imports and fit not timed; ratio within each round): {median(ratio):.1f}x end to end, "
        f"{median(ratio_steady):.1f}x without start-up, per CPU second (target >= 10x)"
    )
    d1, d2 = runs["dask, 1 worker"], runs["dask, 2 workers"]
    s1, s2 = startups["dask, 1 worker"], startups["dask, 2 workers"]
    wall = [b.per_wall / a.per_wall for a, b in zip(d1, d2, strict=True)]
    work = [(a.wall - sa.wall) / (b.wall - sb.wall) for a, b, sa, sb in zip(d1, d2, s1, s2, strict=True)]
    print(
        f"dask 1 -> 2 workers: {median(wall):.2f}x wall end to end, {median(work):.2f}x without the start-up of "
        f"the cluster (target >= 1.6x); CPU per sentence {median([m.cpu / m.sentences for m in d1]) * 1e6:.0f} -> "
        f"{median([m.cpu / m.sentences for m in d2]) * 1e6:.0f} us"
    )
    if big:
        ref = median([m.peak_mib for m in runs["local engine, 2 workers"]])
        print(
            f"memory: peak {ref:.0f} MiB on {args.mb:.0f} MB, {big.peak_mib:.0f} MiB on "
            f"{args.mb * args.memory_factor:.0f} MB ({big.peak_mib / ref:.2f}x for {args.memory_factor:.0f}x "
            "the data)"
        )
    load = os.getloadavg()
    print(f"load average during the run (1/5/15 min): {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

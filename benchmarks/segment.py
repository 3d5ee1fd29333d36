"""Sentence splitting: annotator's segmenter vs pysbd on the same text, in the same run.

Prints MB/s of each (best of several runs, in CPU time of this process, so that other work on
the machine does not skew the ratio), the ratio, peak memory (tracemalloc: Python
allocations while splitting the corpus) and the Golden Rules score of each.
Target (issue 2): >= 100x pysbd's throughput at >= its Golden Rules accuracy.

The corpus is the sample articles in data/articles plus the two scraped seed articles in
../shared/seeds (read from there, never copied), repeated to about --mb megabytes. pysbd is
given its best showing: each article whole, and each article line by line; the faster counts.

Usage: python benchmarks/segment.py [--mb 1.0] [--repeat 5] [--check]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # for shared_data: where ../shared lives
import pysbd
import shared_data

from annotator.io.articles import read_articles
from annotator.text.segment import segment

ROOT = Path(__file__).resolve().parents[1]
SEEDS = shared_data.SEEDS
GOLDEN = shared_data.GOLDEN_RULES


def corpus(megabytes: float) -> list[str]:
    paths = [ROOT / "data" / "articles", *sorted(SEEDS.glob("*.txt"))]
    base = [a.text for a in read_articles(paths)]
    size = sum(len(t.encode()) for t in base)
    return base * max(1, round(megabytes * 1e6 / size))


def best_rate(fn: Callable[[], object], nbytes: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return nbytes / 1e6 / best


def peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def golden(split: Callable[[str], list[str]]) -> int:
    rules = [json.loads(x) for x in GOLDEN.read_text(encoding="utf-8").splitlines() if x.startswith("{")]
    return sum([s.strip() for s in split(r["text"]) if s.strip()] == r["expected"] for r in rules)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1.0, help="corpus size in MB (default 1.0)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of our splitter; best counts (default 5)")
    ap.add_argument("--check", action="store_true", help="exit 1 if the target is not met")
    args = ap.parse_args()
    shared_data.need_or_exit(SEEDS, pattern="*.txt")
    shared_data.need_or_exit(GOLDEN)

    texts = corpus(args.mb)
    nbytes = sum(len(t.encode()) for t in texts)
    sbd = pysbd.Segmenter(language="en", clean=False, char_span=True)
    sbd_plain = pysbd.Segmenter(language="en", clean=False)

    def ours() -> None:
        for t in texts:
            segment(t)

    def pysbd_whole() -> None:
        for t in texts:
            sbd.segment(t)

    def pysbd_lines() -> None:
        for t in texts:
            for line in t.split("\n"):
                if line.strip():
                    sbd.segment(line)

    ours()  # warm up: rules compiled, sentencex loaded
    rate_ours = best_rate(ours, nbytes, args.repeat)
    rate_whole = best_rate(pysbd_whole, nbytes, 1)
    rate_lines = best_rate(pysbd_lines, nbytes, 1)
    rate_sbd = max(rate_whole, rate_lines)
    mode = "whole article" if rate_whole >= rate_lines else "line by line"
    mem_ours = peak_mib(ours)
    mem_sbd = peak_mib(pysbd_whole if rate_whole >= rate_lines else pysbd_lines)
    gr_ours = golden(lambda t: [s.text for s in segment(t)])
    gr_sbd = golden(lambda t: [str(s) for s in sbd_plain.segment(t)])
    ratio = rate_ours / rate_sbd

    print(f"corpus: {len(texts)} articles, {nbytes / 1e6:.2f} MB (data/articles + shared/seeds, repeated)")
    print(f"{'splitter':<28}{'MB/s':>10}{'peak MiB':>10}{'golden':>9}")
    print(f"{'annotator.text.segment':<28}{rate_ours:>10.2f}{mem_ours:>10.1f}{gr_ours:>6}/48")
    print(f"{'pysbd 0.3.4 (' + mode + ')':<28}{rate_sbd:>10.3f}{mem_sbd:>10.1f}{gr_sbd:>6}/48")
    print(f"ratio: {ratio:.0f}x pysbd's throughput (pysbd whole {rate_whole:.3f} MB/s, lines {rate_lines:.3f} MB/s)")
    met = ratio >= 100 and gr_ours >= gr_sbd
    print(f"target >= 100x at >= pysbd's Golden Rules: {'met' if met else 'NOT met'}")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())

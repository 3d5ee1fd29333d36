"""Bounded on duplicates and on huge articles (issue 14): ``annotator drift`` on many copies of one article, and
``annotator prelabel`` on one huge article and on corpora of 10 and 100 MB, each as a separate process.

Prints, per run: wall seconds, the peak resident memory of the command's process (``VmHWM``; prelabel runs with
``--workers 1``, everything in that one process) and the output's size. The inputs are built in a temporary
directory from data/articles (copies under new ids; a huge article is the articles' paragraphs joined, repeated to
the size asked, each copy numbered).

Usage: python benchmarks/duplicates.py [--copies 400] [--article-mb 50] [--corpus-mb 10 100] [--only drift|prelabel]
       [--budget-mb N]  (the prelabel memory budget; default: the command's own)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO / "data" / "articles"
TEXTS = sorted(p for p in ARTICLES.glob("*.txt"))


_CODE = (  # the command, then its own memory high-water mark (ru_maxrss of a child carries its parent's over)
    "import re, sys\nfrom annotator.cli import main\ntry:\n    main(sys.argv[1:])\nfinally:\n"
    "    print(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)"
)


def _annotator(args: list[str], out: Path) -> tuple[float, float, int, int]:
    """Wall seconds, peak RSS (MB) of the command's process, output bytes, exit status."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CODE, *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    lines = proc.stderr.strip().splitlines()
    peak = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else float("nan")
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    return wall, peak, out.stat().st_size if out.exists() else 0, proc.returncode


def copies_corpus(folder: Path, copies: int) -> Path:
    text = (ARTICLES / "harbour-ammonia-leak.txt").read_text(encoding="utf-8")
    path = folder / f"copies-{copies}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(copies):
            body = text if i % 2 == 0 else text.replace("\n", "\n\n")  # every other copy differs in whitespace only
            fh.write(json.dumps({"id": f"copy-{i}", "text": body}) + "\n")
    return path


def huge_article(folder: Path, mb: float) -> Path:
    paragraphs = [p for t in TEXTS for p in t.read_text(encoding="utf-8").split("\n") if p.strip()]
    block = "\n\n".join(paragraphs) + "\n\n"
    path = folder / f"huge-{mb:g}mb.txt"
    with path.open("w", encoding="utf-8") as fh:  # each copy of the block numbered: a repeated line is boilerplate
        for i in range(max(1, int(mb * 1e6 / len(block.encode())))):
            fh.write(block.replace("\n\n", f" (Dispatch {i}.)\n\n"))
    return path


def corpus(folder: Path, mb: float) -> Path:
    texts = [t.read_text(encoding="utf-8") for t in TEXTS]
    path = folder / f"corpus-{mb:g}mb.jsonl"
    size, i = 0, 0
    with path.open("w", encoding="utf-8") as fh:
        while size < mb * 1e6:
            line = json.dumps({"id": f"a{i}", "text": texts[i % len(texts)]}) + "\n"
            fh.write(line)
            size += len(line.encode())
            i += 1
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=400)
    parser.add_argument("--article-mb", type=float, default=50)
    parser.add_argument("--corpus-mb", type=float, nargs="*", default=[10, 100])
    parser.add_argument("--only", choices=["drift", "prelabel"])
    parser.add_argument("--budget-mb", type=int)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="annotator-dup-") as tmp:
        folder = Path(tmp)
        runs: list[tuple[str, list[str], Path]] = []
        if args.only in (None, "drift"):
            out = folder / "drift.jsonl"
            runs.append(
                (
                    f"drift, {args.copies} copies",
                    ["drift", str(copies_corpus(folder, args.copies)), "-o", str(out)],
                    out,
                )
            )
        if args.only in (None, "prelabel"):
            budget = ["--memory-budget", str(args.budget_mb)] if args.budget_mb else []
            inputs = [(f"prelabel, one {args.article_mb:g} MB article", huge_article(folder, args.article_mb))]
            inputs += [(f"prelabel, {mb:g} MB corpus", corpus(folder, mb)) for mb in args.corpus_mb]
            for name, path in inputs:
                out = folder / f"{path.stem}.out.jsonl"
                runs.append((name, ["prelabel", str(path), "-o", str(out), "--workers", "1", *budget], out))
        print(f"{'run':<34} {'wall s':>8} {'peak MB':>8} {'output MB':>10} {'exit':>5}")
        for name, argv, out in runs:
            wall, peak, size, code = _annotator(argv, out)
            print(f"{name:<34} {wall:8.1f} {peak:8.0f} {size / 1e6:10.1f} {code:5d}", flush=True)
            if out.exists():
                os.unlink(out)


if __name__ == "__main__":
    main()

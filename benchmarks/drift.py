"""Claim drift: our pairing (prefix-filter search) vs the all-pairs baseline, in the same run.

Corpus: ``--articles`` (default 1,000) articles built from the sample articles in data/articles and the two seed
articles in ../shared/seeds (read from there, never copied). Each *story* is one of those articles with its content
words re-spelled through a per-story random substitution (so stories differ, but keep the grammar, the lexicon
words and a share of common vocabulary); each story is published twice: an original and a re-report with planned
drift (numbers changed, hedges added or dropped, attributions stripped, titles shortened, an outlet credited,
sentences dropped). So the corpus holds ``articles / 2`` true re-report pairs among ``articles**2 / 2`` article pairs.

Reported:
  * ours on the whole corpus: ``annotator.claims.drift.drift_rows`` end to end (vectors, prefix-filter search, pairing,
    sources, changes): pairs per second, process peak RSS, the traced peak of the pairing step, and the candidate
    pairs whose similarity was computed against all ``n**2 / 2`` sentence pairs;
  * ours vs the baseline on ``--subsets`` of the articles (the first 150 and 300: the baseline's memory grows with
    the square of the sentence count, so it is not run on all 1,000): ``find_pairs`` with the anchor search by
    prefix filtering vs scikit-learn's brute-force radius search over all pairs
    (``annotator.claims.neardup.all_pairs``),
    time, traced peak memory (tracemalloc: Python objects and numpy buffers), the ratio, the anchor search alone,
    and whether both found the same pairs.

Usage: python benchmarks/drift.py [--articles 1000] [--subsets 150,300] [--seed 7]
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # for shared_data: where ../shared lives
import shared_data

from annotator.attribution.lexicon import lexicon
from annotator.claims.articles import Corpus, corpus_of
from annotator.claims.drift import DriftOptions, drift_rows, find_pairs, summary
from annotator.claims.neardup import all_pairs, similar_pairs, vectorise
from annotator.io.articles import Article, read_articles

ROOT = Path(__file__).resolve().parents[1]
SEEDS = shared_data.SEEDS
WORD = re.compile(r"[A-Za-z][a-z]{3,}")
NUMBER = re.compile(r"\b\d{2,}\b")
T = TypeVar("T")


def pseudo_words(rng: random.Random, n: int) -> list[str]:
    consonants, vowels = "bcdfghjklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def build(n_articles: int, seed: int) -> tuple[list[Article], set[frozenset[str]]]:
    """``n_articles`` articles (originals and re-reports of ``n_articles // 2`` stories) and the true pairs."""
    rng = random.Random(seed)
    bases = list(read_articles([ROOT / "data" / "articles", *sorted(SEEDS.glob("*.txt"))]))
    keep = {w for name in ("reporting_verbs", "hedges", "titles", "anonymous_sources") for w in lexicon().words[name]}
    pool = pseudo_words(rng, 40_000)
    hedges = ["reportedly", "is said to have", "appears to have"]
    articles: list[Article] = []
    truth: set[frozenset[str]] = set()
    for story in range(n_articles // 2):
        base = bases[story % len(bases)]
        mapping: dict[str, str] = {}

        def respell(m: re.Match[str], mapping: dict[str, str] = mapping) -> str:
            word = m.group()
            low = word.lower()
            if low in keep or rng.random() < 0.25:  # keep lexicon words and a quarter of the vocabulary
                return word
            new = mapping.setdefault(low, rng.choice(pool))
            return new.capitalize() if word[0].isupper() else new

        text = WORD.sub(respell, base.text)
        outlet = f"{rng.choice(pool).capitalize()} Gazette"
        rereport = rereport_of(text, rng, hedges, outlet=outlet)
        original_id, rereport_id = f"s{story}-original", f"s{story}-rereport"
        articles.append(Article(original_id, text, source=outlet, published="2026-01-01"))
        articles.append(
            Article(rereport_id, rereport, source=f"{rng.choice(pool).capitalize()} Echo", published="2026-01-02")
        )
        truth.add(frozenset((original_id, rereport_id)))
    return articles, truth


def rereport_of(text: str, rng: random.Random, hedges: list[str], *, outlet: str) -> str:
    lines = []
    for original in text.split("\n"):
        if original and rng.random() < 0.2:
            continue  # dropped
        line = original
        if rng.random() < 0.3:
            line = NUMBER.sub(lambda m: str(int(m.group()) * rng.choice([2, 3, 5])), line)
        line = line.replace("Lt Col ", "Col ").replace("Lt General ", "General ")
        if rng.random() < 0.5:
            line = re.sub(r", [^,]{3,40} said\.$", ".", line)
        if rng.random() < 0.1:
            line = line.replace(" has ", f" {rng.choice(hedges)} ", 1)
        if rng.random() < 0.05 and line.endswith("."):
            line = line[:-1] + f", according to the {outlet}."
        lines.append(line)
    return "\n".join(lines)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """(result, seconds), untraced."""
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def traced(fn: Callable[[], object]) -> float:
    """Peak MiB of the allocations ``fn`` makes (tracemalloc: Python objects and numpy/scipy buffers)."""
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def subset(corpus: Corpus, n: int) -> Corpus:
    keep = {a.article_id for a in corpus.articles[:n]}
    out = Corpus(rows=[r for r in corpus.rows if r["article_id"] in keep])
    out.articles = [a for a in corpus.articles if a.article_id in keep]
    out.published = {k: v for k, v in corpus.published.items() if k in keep}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument(
        "--subsets", type=lambda v: [int(x) for x in v.split(",")], default=[150, 300], help="comma-separated sizes"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    shared_data.need_or_exit(SEEDS, pattern="*.txt")

    articles, truth = build(args.articles, args.seed)
    corpus = corpus_of(articles)
    n = len(corpus.rows)
    options = DriftOptions()
    print(f"corpus: {len(corpus.articles)} articles, {n} sentences, {len(truth)} true re-report pairs")

    rows, seconds = timed(lambda: drift_rows(corpus, options))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = {frozenset((r["article_a"], r["article_b"])) for r in rows}
    stats: dict[str, Any] = {}
    ids = {a.article_id: i for i, a in enumerate(corpus.articles)}
    groups = [ids[r["article_id"]] for r in corpus.rows]
    similar_pairs(vectorise([r["text"] for r in corpus.rows]), groups, options.anchor, stats=stats)
    peak = traced(lambda: find_pairs(corpus, options))
    print(
        f"ours, end to end (drift_rows): {len(rows)} sentence pairs in {seconds:.1f} s = {len(rows) / seconds:,.0f} "
        f"pairs/s; process peak RSS {rss:.0f} MiB; pairing (find_pairs) peak {peak:.0f} MiB traced"
    )
    print(
        f"  similarities computed for {stats['candidates']:,} candidate pairs of {n * (n - 1) // 2:,} sentence pairs "
        f"({100 * stats['candidates'] / (n * (n - 1) / 2):.3f}%)"
    )
    print(
        f"  re-report pairs found {len(found & truth)}/{len(truth)}, unrelated article pairs reported "
        f"{len(found - truth)}; changes: {dict(summary(rows))}"
    )

    for size in args.subsets:
        compare(subset(corpus, size), options)


def compare(small: Corpus, options: DriftOptions) -> None:
    """Ours vs the all-pairs baseline on one corpus: the pairing end to end, and the anchor search alone."""
    m = len(small.rows)
    ours, t_ours = timed(lambda: find_pairs(small, options, search=similar_pairs))
    base, t_base = timed(lambda: find_pairs(small, options, search=all_pairs))
    m_ours = traced(lambda: find_pairs(small, options, search=similar_pairs))
    m_base = traced(lambda: find_pairs(small, options, search=all_pairs))
    same = {(p.left, p.right) for p in ours} == {(p.left, p.right) for p in base}
    print(f"subset: {len(small.articles)} articles, {m} sentences ({m * (m - 1) // 2:,} sentence pairs)")
    print(f"{'pairing (find_pairs)':40} {'seconds':>8} {'peak MiB':>9} {'pairs':>7}")
    print(f"{'ours: prefix-filter search':40} {t_ours:8.2f} {m_ours:9.0f} {len(ours):7}")
    print(f"{'baseline: all pairs (NearestNeighbors)':40} {t_base:8.2f} {m_base:9.0f} {len(base):7}")
    ids = {a.article_id: i for i, a in enumerate(small.articles)}
    groups = [ids[r["article_id"]] for r in small.rows]
    x = vectorise([r["text"] for r in small.rows])
    _, s_ours = timed(lambda: similar_pairs(x, groups, options.anchor))
    _, s_base = timed(lambda: all_pairs(x, groups, options.anchor))
    print(f"{'  of which the anchor search: ours':40} {s_ours:8.2f}")
    print(f"{'  of which the anchor search: baseline':40} {s_base:8.2f}")
    print(
        f"ratio: pairing {t_base / t_ours:.1f}x faster than all pairs (anchor search alone {s_base / s_ours:.0f}x), "
        f"{m_base / max(m_ours, 1e-9):.0f}x less peak memory; same pairs: {same}"
    )


if __name__ == "__main__":
    main()

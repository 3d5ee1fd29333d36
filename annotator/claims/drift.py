"""Claim drift: sentences in different articles that report the same claim, and what changed between them (pure).

Pairs
    1. Every sentence is vectorised and near-duplicates across articles are found with prefix filtering
       (:mod:`annotator.claims.neardup`): the pairs with cosine >= ``anchor`` (0.5), without comparing every sentence
       with every other.
    2. Two articles are a *re-report pair* when they share at least ``min_anchors`` (2) such anchors: one
       coincidental near-duplicate ("Neither account could be verified") does not make two articles related.
    3. Within each re-report pair, every sentence pair with cosine >= ``min_similarity`` (0.2) is reported, so
       that a rewritten sentence ("around 120 personnel" -> "several hundred military personnel") is caught next
       to its near-identical neighbours; but only if the similarity is at least ``relative`` (half) of the best
       that either sentence reaches in the other article, so a sentence with a close match is not also paired with
       that match's loosely related neighbours (a byline, a headline).

    Cost: the prefix-filter search (see :mod:`annotator.claims.neardup`: ``sum_f |P_f|**2`` candidate pairs, growing
    with
    the number of true near-duplicates) plus ``|A| * |B|`` dot products per re-report pair (A, B), against ``n**2 / 2``
    for comparing all ``n`` sentences.

Direction
    In each pair, ``a`` is the original and ``b`` the re-report: the article that credits the other's outlet
    ("according to the Harbour Gazette") is the re-report; else the one whose matched sentences cite more outlets;
    else the later publication date; else the article id order.

Changes (``before`` is in ``a``, ``after`` in ``b``; ``None`` when absent)
    ``number_changed`` (quantities counting the same thing that no longer agree: "About 120" -> "Several hundred";
    :mod:`annotator.attribution.quantities`), ``hedge_added`` / ``hedge_dropped`` ("appears to"),
    ``attribution_stripped`` /
    ``attribution_added`` / ``attribution_replaced`` (the sentence's sources, outlets aside, compared by canonical
    key: "He said" and "The Ukrainian official added" are the same source), ``title_changed`` (a person named in
    full in both, with different titles: "Lt Col Ruth Okafor" -> "Col Ruth Okafor") and ``citation`` (``b`` credits
    an outlet that ``a`` does not: ``before`` is ``a``'s own outlet when that is the one credited).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from annotator.attribution.mentions import fold
from annotator.attribution.quantities import align, quantities
from annotator.attribution.sources import OUTLET, AliasIndex, Attribution, SentenceSources, attribute, portable_key
from annotator.claims.articles import Corpus
from annotator.claims.neardup import Pairs, similar_pairs, vectorise
from annotator.claims.neardup import copies as find_copies
from annotator.io import Row

NUMBER_CHANGED = "number_changed"
HEDGE_ADDED = "hedge_added"
HEDGE_DROPPED = "hedge_dropped"
ATTRIBUTION_STRIPPED = "attribution_stripped"
ATTRIBUTION_ADDED = "attribution_added"
ATTRIBUTION_REPLACED = "attribution_replaced"
TITLE_CHANGED = "title_changed"
CITATION = "citation"
CHANGE_TYPES = (
    NUMBER_CHANGED,
    HEDGE_ADDED,
    HEDGE_DROPPED,
    ATTRIBUTION_STRIPPED,
    ATTRIBUTION_ADDED,
    ATTRIBUTION_REPLACED,
    TITLE_CHANGED,
    CITATION,
)
_MAX_GAP = 20  # characters between a source and its cue beyond which the phrase is shortened
_BE = re.compile(r"^(?:is|are|was|were|it is|it's|be)\s+")


@dataclass(frozen=True)
class DriftOptions:
    """Thresholds of the pairing (cosine similarities of claim-word TF-IDF vectors)."""

    anchor: float = 0.5
    min_anchors: int = 2
    min_similarity: float = 0.2
    relative: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.min_similarity <= self.anchor <= 1:
            raise ValueError(f"need 0 < min_similarity <= anchor <= 1; got {self.min_similarity}, {self.anchor}")
        if not 0 <= self.relative <= 1:
            raise ValueError(f"relative must be in [0, 1]; got {self.relative}")
        if self.min_anchors < 1:
            raise ValueError(f"min_anchors must be at least 1; got {self.min_anchors}")


@dataclass(frozen=True)
class SentencePair:
    """Row indices (into ``Corpus.rows``) of two sentences in different articles, and their similarity."""

    left: int
    right: int
    similarity: float


Search = Callable[[sparse.csr_matrix, npt.NDArray[np.int64], float], Pairs]


def find_pairs(
    corpus: Corpus, options: DriftOptions = DriftOptions(), *, search: Search = similar_pairs
) -> list[SentencePair]:
    """Sentence pairs across re-report pairs of articles (see the module docstring). ``search`` finds the
    near-duplicate anchors: prefix filtering, or :func:`~annotator.claims.neardup.all_pairs` for the baseline."""
    rows = corpus.rows
    if not rows:
        return []
    article_index = {a.article_id: i for i, a in enumerate(corpus.articles)}
    groups = np.array([article_index[r["article_id"]] for r in rows], dtype=np.int64)
    x = vectorise([r["text"] for r in rows])
    anchors = search(x, groups, options.anchor)
    counts = Counter(
        (min(ga, gb), max(ga, gb)) for ga, gb in zip(groups[anchors.left], groups[anchors.right], strict=True)
    )
    related = sorted(pair for pair, n in counts.items() if n >= options.min_anchors)
    members: dict[int, npt.NDArray[np.int64]] = {}
    for g in {g for pair in related for g in pair}:
        members[g] = np.flatnonzero(groups == g)
    pairs: list[SentencePair] = []
    for ga, gb in related:
        ia, ib = members[ga], members[gb]
        sims = (x[ia] @ x[ib].T).toarray()
        best_a = sims.max(axis=1, keepdims=True)
        best_b = sims.max(axis=0, keepdims=True)
        keep = (sims >= options.min_similarity - 1e-9) & (sims >= options.relative * np.maximum(best_a, best_b) - 1e-9)
        for i, j in zip(*np.nonzero(keep), strict=True):
            pairs.append(SentencePair(int(ia[i]), int(ib[j]), float(sims[i, j])))
    return pairs


def drift_rows(
    corpus: Corpus, options: DriftOptions = DriftOptions(), *, copies: dict[str, str] | None = None
) -> list[Row]:
    """One row per sentence pair (``schemas/drift.schema.json``), ordered by article pair and position.

    Exact and near-exact copies of an article (:func:`annotator.claims.neardup.copies`) are left out before pairing:
    only the first of them is paired; ``copies``, if given, is filled with ``{copy: original}``."""
    found = find_copies((a.article_id, [t for _, t in a.sentences]) for a in corpus.articles)
    if copies is not None:
        copies.update(found)
    if found:
        corpus = Corpus(
            [r for r in corpus.rows if r["article_id"] not in found],
            [a for a in corpus.articles if a.article_id not in found],
            corpus.titles,
            corpus.urls,
            corpus.published,
        )
    pairs = find_pairs(corpus, options)
    if not pairs:
        return []
    involved = {corpus.rows[i]["article_id"] for p in pairs for i in (p.left, p.right)}
    sources, index = attribute(a for a in corpus.articles if a.article_id in involved)
    by_id = {s.sentence_id: s for ss in sources.values() for s in ss}
    outlets = corpus.outlets
    by_articles: dict[tuple[str, str], list[SentencePair]] = defaultdict(list)
    for p in pairs:
        a, b = corpus.rows[p.left]["article_id"], corpus.rows[p.right]["article_id"]
        by_articles[(a, b) if a < b else (b, a)].append(p)
    out: list[Row] = []
    for (first, second), group in sorted(by_articles.items()):
        original, rereport = _direction(first, second, group, corpus, by_id, sources, index)
        for p in sorted(group, key=lambda p: (p.left, p.right)):
            left, right = (p.left, p.right)
            if corpus.rows[left]["article_id"] != original:
                left, right = right, left
            ra, rb = corpus.rows[left], corpus.rows[right]
            sa, sb = by_id[ra["sentence_id"]], by_id[rb["sentence_id"]]
            out.append(
                {
                    "article_a": original,
                    "article_b": rereport,
                    "outlet_a": outlets.get(original),
                    "outlet_b": outlets.get(rereport),
                    "sentence_a": _sentence(ra),
                    "sentence_b": _sentence(rb),
                    "similarity": round(p.similarity, 4),
                    "changes": changes(sa, sb, outlet_a=outlets.get(original), index=index),
                }
            )
    return out


def _sentence(row: Row) -> Row:
    return {k: row[k] for k in ("sentence_id", "start", "end", "text")}


def _direction(
    first: str,
    second: str,
    group: list[SentencePair],
    corpus: Corpus,
    by_id: dict[str, SentenceSources],
    sources: dict[str, list[SentenceSources]],
    index: AliasIndex,
) -> tuple[str, str]:
    outlets = corpus.outlets

    def cites(article: str, other: str) -> bool:
        other_outlet = outlets.get(other)
        if not other_outlet:
            return False
        key = index.outlet_key(fold(other_outlet))
        return any(a.source and a.source.key == key for s in sources[article] for a in s.attributions)

    def outlet_citations(article: str) -> int:
        n = 0
        for p in group:
            for i in (p.left, p.right):
                row = corpus.rows[i]
                if row["article_id"] == article:
                    n += sum(1 for a in by_id[row["sentence_id"]].attributions if a.source and a.source.type == OUTLET)
        return n

    if cites(second, first) != cites(first, second):
        return (first, second) if cites(second, first) else (second, first)
    ca, cb = outlet_citations(first), outlet_citations(second)
    if ca != cb:
        return (first, second) if cb > ca else (second, first)
    da, db = corpus.published.get(first), corpus.published.get(second)
    if da and db and da != db:
        return (first, second) if da < db else (second, first)
    return first, second


# -- what changed -----------------------------------------------------------------------------------


def changes(a: SentenceSources, b: SentenceSources, *, outlet_a: str | None, index: AliasIndex) -> list[Row]:
    """The differences from sentence ``a`` (original) to ``b`` (re-report), as ``{type, before, after}``."""
    out: list[Row] = []
    out += _numbers(a.text, b.text)
    out += _hedges(a, b)
    out += _attributions(a, b, outlet_a=outlet_a, index=index)
    out += _titles(a, b)
    return out


def _change(type_: str, before: str | None, after: str | None) -> Row:
    return {"type": type_, "before": before, "after": after}


def _numbers(a: str, b: str) -> list[Row]:
    return [
        _change(NUMBER_CHANGED, qa.text, qb.text)
        for qa, qb in align(quantities(a), quantities(b))
        if not qa.same_claim(qb)
    ]


def _hedge_key(text: str) -> str:
    words = _BE.sub("", fold(text)).split()
    if words and words[0].endswith(("s", "ed")) and len(words[0]) > 4:
        words[0] = re.sub(r"(?:s|ed)$", "", words[0])
    return " ".join(words)


def _hedges(a: SentenceSources, b: SentenceSources) -> list[Row]:
    ka = {_hedge_key(h.text): h.text for h in a.hedges}
    kb = {_hedge_key(h.text): h.text for h in b.hedges}
    dropped = [_change(HEDGE_DROPPED, text, None) for k, text in ka.items() if k not in kb]
    added = [_change(HEDGE_ADDED, None, text) for k, text in kb.items() if k not in ka]
    return dropped + added


def _phrase(s: SentenceSources, att: Attribution) -> str:
    """The source and its cue as written ("the regional environment agency said"); a long stretch between them
    (a relative clause) is shortened to an ellipsis."""
    assert att.source is not None
    (s0, s1), (c0, c1) = att.source.span, att.cue.span
    if c0 - s1 > _MAX_GAP:
        return f"{s.text[s0:s1]} … {s.text[c0:c1]}"
    if s0 - c1 > _MAX_GAP:
        return f"{s.text[c0:c1]} … {s.text[s0:s1]}"
    return s.text[min(s0, c0) : max(s1, c1)]


def _credited(s: SentenceSources) -> tuple[dict[str, str], dict[str, str]]:
    """(non-outlet sources, outlets) credited in a sentence: portable key -> the attribution phrase."""
    people: dict[str, str] = {}
    outlets: dict[str, str] = {}
    for att in s.attributions:
        if att.source is None or att.source.key is None:
            continue
        target = outlets if att.source.type == OUTLET else people
        target.setdefault(portable_key(att.source.key, s.article_id), _phrase(s, att))
    return people, outlets


def _attributions(a: SentenceSources, b: SentenceSources, *, outlet_a: str | None, index: AliasIndex) -> list[Row]:
    people_a, outlets_a = _credited(a)
    people_b, outlets_b = _credited(b)
    out: list[Row] = []
    if people_a and not people_b:
        out += [_change(ATTRIBUTION_STRIPPED, phrase, None) for phrase in people_a.values()]
    elif people_b and not people_a:
        out += [_change(ATTRIBUTION_ADDED, None, phrase) for phrase in people_b.values()]
    elif people_a and people_b and not set(people_a) & set(people_b):
        out.append(_change(ATTRIBUTION_REPLACED, "; ".join(people_a.values()), "; ".join(people_b.values())))
    own = index.outlet_key(fold(outlet_a)) if outlet_a else None
    for key, phrase in outlets_b.items():
        if key not in outlets_a:
            out.append(_change(CITATION, outlet_a if key == own else None, phrase))
    for key, phrase in outlets_a.items():
        if key not in outlets_b:
            out.append(_change(ATTRIBUTION_STRIPPED, phrase, None))
    return out


def _titles(a: SentenceSources, b: SentenceSources) -> list[Row]:
    out: list[Row] = []
    seen: set[str] = set()
    for ma in a.mentions:
        if ma.n_words < 2 or ma.key in seen:
            continue
        for mb in b.mentions:
            if mb.key == ma.key and mb.n_words >= 2 and fold(ma.titles) != fold(mb.titles):
                out.append(_change(TITLE_CHANGED, ma.text, mb.text))
                seen.add(ma.key)
                break
    return out


def summary(rows: Sequence[Row]) -> Counter[str]:
    """How many changes of each type ``rows`` report."""
    return Counter(c["type"] for r in rows for c in r["changes"])

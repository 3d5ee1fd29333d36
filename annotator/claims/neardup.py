"""Near-duplicate sentences across articles without comparing every sentence with every other (pure).

Vectors
    scikit-learn's :class:`~sklearn.feature_extraction.text.TfidfVectorizer` over the *claim words* of a sentence:
    stemmed unigrams and bigrams left after removing stop words, numbers and number words, dates, and every lexicon
    phrase that re-reporting changes (reporting verbs, hedges, dispute cues, anonymous nouns, titles). Rows are
    L2-normalised, so a dot product is a cosine similarity. Sentences with fewer than three claim words never match.

Candidate search: prefix filtering (Bayardo, Ma and Srikant, "Scaling up all pairs similarity search", WWW 2007)
    Columns are ordered from the rarest feature to the most common. For each row, the *suffix* is its longest run
    of most common features whose weights have an L2 norm below the threshold ``t``; the rest is its *prefix*.
    If two rows share no prefix feature, every feature they share lies in the suffix of the one whose prefix ends
    first, so their cosine is at most that suffix's norm, below ``t``: pairs that share no prefix feature cannot
    reach ``t`` and are never compared. Candidates are the non-zeros of ``P @ P.T`` (``P``: the prefixes), computed
    one block of rows at a time, and each candidate's exact cosine is computed from the full rows. The result is
    exactly the set of pairs with cosine >= ``t`` (a test checks it against the all-pairs search).

Copies
    :func:`copies` finds exact and near-exact copies of whole articles (the same text once Unicode forms,
    typographic quotes and dashes, case and whitespace are normalised: syndicated wire copy), to be left out before
    pairing. Near-duplicates by the claim-word vectors are not collapsed: those vectors leave out numbers, hedges and
    reporting verbs, the very changes drift reports, so a re-report that changed one figure would vanish.

Complexity
    Candidate generation costs ``sum over features f of |P_f|**2`` (``P_f``: the rows with ``f`` in their prefix);
    prefixes hold the rare features, so this grows with the number of true near-duplicates, not with ``n**2``.
    Verification costs ``O(C * k)`` for ``C`` candidates of ``k`` non-zeros each. The all-pairs baseline
    (:func:`all_pairs`, scikit-learn's brute-force ``NearestNeighbors`` radius search) computes all ``n**2 / 2``
    similarities.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

from annotator.attribution.lexicon import lexicon, numbers, source_lexicon
from annotator.attribution.quantities import stem

MIN_WORDS = 3
_REMOVED_LISTS = ("reporting_verbs", "hedges", "dispute_cues", "anonymous_nouns", "titles", "title_abbreviations")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_BLOCK = 4096
_EPS = 1e-6

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Pairs:
    """Row pairs ``(left[k], right[k])`` with ``left < right`` and their cosine similarity."""

    left: IntArray
    right: IntArray
    similarity: FloatArray

    def __len__(self) -> int:
        return len(self.left)

    def as_set(self) -> set[tuple[int, int]]:
        return set(zip(self.left.tolist(), self.right.tolist(), strict=True))


@cache
def _dropped_words() -> frozenset[str]:
    n = numbers()
    words = set(ENGLISH_STOP_WORDS) | set(source_lexicon().words["calendar_words"])
    for phrase in [*n.units, *n.scales, *n.vague, *n.approximate, *n.at_least, *n.at_most]:
        words.update(phrase.split())
    return frozenset(words)


@cache
def _removed() -> re.Pattern[str]:
    """One alternation of every phrase in the lexicon lists that re-reporting changes, longest first."""
    words = {**lexicon().words, **source_lexicon().words}
    entries = sorted({e for name in _REMOVED_LISTS for e in words[name]}, key=len, reverse=True)
    body = "|".join(re.escape(e).replace(r"\ ", r"\s+") for e in entries)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def claim_words(text: str) -> list[str]:
    """The stemmed content words a claim is recognised by (see the module docstring)."""
    text = _removed().sub(" ", text)
    dropped = _dropped_words()
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in dropped and len(w) > 1]


def _analyse(text: str) -> list[str]:
    words = claim_words(text)
    if len(words) < MIN_WORDS:
        return []
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def vectorise(texts: Sequence[str]) -> sparse.csr_matrix:
    """TF-IDF rows (L2-normalised, float64) of the claim words of ``texts``; empty rows for too-short claims."""
    vectorizer = TfidfVectorizer(analyzer=_analyse, sublinear_tf=True, dtype=np.float64)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no sentence has enough claim words
        return sparse.csr_matrix((len(texts), 1), dtype=np.float64)
    return sparse.csr_matrix(matrix)


def _same_group(groups: npt.NDArray[np.int64], left: IntArray, right: IntArray) -> npt.NDArray[np.bool_]:
    return np.asarray(groups[left] == groups[right])


def similar_pairs(
    x: sparse.csr_matrix,
    groups: Sequence[int] | npt.NDArray[np.int64],
    threshold: float,
    *,
    block: int = _BLOCK,
    stats: dict[str, int] | None = None,
) -> Pairs:
    """Every pair of rows from different ``groups`` (articles) with cosine similarity >= ``threshold``, found by
    prefix filtering. ``x``: non-negative rows with unit L2 norm (or empty). ``stats``, if given, receives the
    number of ``candidates`` whose similarity was computed and the number of ``rows``."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1]; got {threshold}")
    g = np.asarray(groups, dtype=np.int64)
    n, n_features = x.shape
    x = sparse.csr_matrix(x, dtype=np.float64)
    # renumber columns from the rarest feature to the most common; rows sorted that way
    df = np.bincount(x.indices, minlength=n_features)
    rank = np.empty(n_features, dtype=np.int64)
    rank[np.argsort(df, kind="stable")] = np.arange(n_features)
    xr = sparse.csr_matrix((x.data.copy(), rank[x.indices], x.indptr.copy()), shape=x.shape)
    xr.sort_indices()
    # suffix norm from each non-zero to the end of its row; the prefix is where it is still >= threshold
    sq = xr.data**2
    cum = np.cumsum(sq)
    counts = np.diff(xr.indptr)
    row_of = np.repeat(np.arange(n), counts)
    end_cum = np.zeros(n)
    nonempty = counts > 0
    end_cum[nonempty] = cum[xr.indptr[1:][nonempty] - 1]
    suffix = end_cum[row_of] - cum + sq
    keep = suffix >= threshold * threshold * (1 - _EPS)
    prefix_counts = np.bincount(row_of[keep], minlength=n)
    indptr = np.concatenate([[0], np.cumsum(prefix_counts)])
    prefix = sparse.csr_matrix((np.ones(int(keep.sum())), xr.indices[keep], indptr), shape=x.shape)
    prefix_t = sparse.csr_matrix(prefix.T)
    lefts: list[IntArray] = []
    rights: list[IntArray] = []
    sims: list[FloatArray] = []
    n_candidates = 0
    for start in range(0, n, block):
        stop = min(start + block, n)
        cand = sparse.coo_matrix(prefix[start:stop] @ prefix_t)
        left = cand.row.astype(np.int64) + start
        right = cand.col.astype(np.int64)
        mask = (right > left) & ~_same_group(g, left, right)
        left, right = left[mask], right[mask]
        n_candidates += len(left)
        if len(left) == 0:
            continue
        dots = np.asarray(xr[left].multiply(xr[right]).sum(axis=1)).ravel()
        ok = dots >= threshold - _EPS
        lefts.append(left[ok])
        rights.append(right[ok])
        sims.append(dots[ok])
    if stats is not None:
        stats.update(candidates=n_candidates, rows=n)
    return _pairs(lefts, rights, sims)


def all_pairs(x: sparse.csr_matrix, groups: Sequence[int] | npt.NDArray[np.int64], threshold: float) -> Pairs:
    """The baseline: the same pairs as :func:`similar_pairs` from scikit-learn's brute-force radius search, which
    computes the similarity of every pair of rows."""
    g = np.asarray(groups, dtype=np.int64)
    nonempty = np.flatnonzero(np.diff(sparse.csr_matrix(x).indptr) > 0)
    if len(nonempty) == 0:
        return _pairs([], [], [])
    sub = x[nonempty]
    nn = NearestNeighbors(radius=1 - threshold + _EPS, metric="cosine", algorithm="brute").fit(sub)
    distances, neighbours = nn.radius_neighbors(sub, return_distance=True)
    lefts, rights, sims = [], [], []
    for i, (dist, nbr) in enumerate(zip(distances, neighbours, strict=True)):
        left = np.full(len(nbr), nonempty[i], dtype=np.int64)
        right = nonempty[nbr].astype(np.int64)
        mask = (right > left) & ~_same_group(g, left, right)
        lefts.append(left[mask])
        rights.append(right[mask])
        sims.append(1 - dist[mask])
    return _pairs(lefts, rights, sims)


def _pairs(lefts: list[IntArray], rights: list[IntArray], sims: list[FloatArray]) -> Pairs:
    if not lefts:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty.copy(), np.zeros(0))
    left, right, sim = np.concatenate(lefts), np.concatenate(rights), np.concatenate(sims)
    order = np.lexsort((right, left))
    return Pairs(left[order], right[order], sim[order].astype(np.float64))


_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})


def fingerprint(text: str) -> str:
    """``text`` as its copies share it: NFKC, typographic quotes and dashes as ASCII, case folded, every run of
    whitespace one space."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).casefold().split())


def copies(articles: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """``{copy: original}`` for articles (id, sentence texts) whose texts have the same :func:`fingerprint` as an
    earlier article's; the original is the first in input order. Memory: one digest per distinct article."""
    first: dict[bytes, str] = {}
    found: dict[str, str] = {}
    for article_id, sentences in articles:
        digest = hashlib.blake2b(fingerprint(" ".join(sentences)).encode("utf-8", "surrogatepass")).digest()
        original = first.setdefault(digest, article_id)
        if original != article_id:
            found[article_id] = original
    return found

"""Word and character n-grams and their TF-IDF rows, for a whole batch of sentences at once (numpy only: the
prediction path loads without scikit-learn).

The numbers are scikit-learn's ``TfidfVectorizer`` with ``sublinear_tf`` (lower-case; ``analyzer="word"`` with its
default token pattern, or ``"char_wb"``; smooth idf; l2 norm). ``TfidfVectorizer`` analyses one document at a time
and looks every n-gram up in Python; :class:`Vocabulary` does a batch in a few array operations:

- words: each token is looked up once (one C-level ``map`` over the batch); an n-gram of tokens becomes one integer
  (the token ids in base *number of tokens*), found among the vocabulary's n-grams by binary search
  (``np.searchsorted``); no n-gram string is ever built;
- character n-grams: the known n-gram ids of each word are computed once and remembered (news repeats its words);
- counts, TF-IDF weights and norms: ``np.unique`` and ``np.bincount`` over the batch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, pairwise, repeat

import numpy as np
from numpy.typing import NDArray

WORD = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token_pattern
_WHITE = re.compile(r"\s\s+")
ANALYZERS = ("word", "char_wb")
_MEMO_LIMIT = 500_000  # words whose character n-gram ids are remembered, per vocabulary
_KEY_LIMIT = 2**62  # n-gram keys must fit in int64


def char_wb(word: str, lo: int, hi: int) -> list[str]:
    """Character n-grams of one word padded with spaces, exactly as ``TfidfVectorizer(analyzer="char_wb")``."""
    w = f" {word} "
    size = len(w)
    out = []
    for n in range(lo, hi + 1):
        offset = 0
        out.append(w[offset : offset + n])
        while offset + n < size:
            offset += 1
            out.append(w[offset : offset + n])
        if offset == 0:  # a short word is counted once
            break
    return out


def word_terms(text: str, lo: int, hi: int) -> list[str]:
    """The word n-grams of one text (``TfidfVectorizer``'s tokens, lower-cased), as strings."""
    tokens = WORD.findall(text.lower())
    terms = tokens[:] if lo == 1 else []
    for n in range(max(lo, 2), hi + 1):
        if n == 2:
            terms.extend([a + " " + b for a, b in pairwise(tokens)])
        else:
            terms.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return terms


def doc_terms(text: str, analyzer: str, lo: int, hi: int) -> set[str]:
    """The distinct terms of one text (what document frequencies count)."""
    if analyzer == "word":
        return set(word_terms(text, lo, hi))
    terms: set[str] = set()
    for word in set(_WHITE.sub(" ", text.lower()).split()):
        terms.update(char_wb(word, lo, hi))
    return terms


class Vocabulary:
    """A fitted n-gram vocabulary: its terms (column order), their idf, the analyzer and the n-gram range.

    Parameters
    ----------
    terms : sequence of str
        The terms, in column order.
    idf : array of float
        The inverse document frequency of each term.
    analyzer : {"word", "char_wb"}
    ngram_range : (min_n, max_n)
    """

    def __init__(self, terms: Sequence[str], idf: NDArray[np.float64], analyzer: str, ngram_range: tuple[int, int]):
        if analyzer not in ANALYZERS:
            raise ValueError(f"analyzer must be one of {ANALYZERS}; got {analyzer!r}")
        self.terms = [str(t) for t in terms]
        self.idf = np.asarray(idf, dtype=np.float64)
        if len(self.idf) != len(self.terms):
            raise ValueError(f"{len(self.terms)} terms but {len(self.idf)} idf values")
        self.analyzer = analyzer
        self.lo, self.hi = int(ngram_range[0]), int(ngram_range[1])
        self.index = {t: i for i, t in enumerate(self.terms)}
        self._memo: dict[str, bytes] = {}
        self._keyed = analyzer == "word" and self._index_words()

    def __len__(self) -> int:
        return len(self.terms)

    def _index_words(self) -> bool:
        """Index word n-grams as integer keys; False if the keys would not fit in 64 bits."""
        tokens: dict[str, int] = {}
        split = [t.split(" ") for t in self.terms]
        for parts in split:
            for p in parts:
                tokens.setdefault(p, len(tokens))
        base = max(1, len(tokens))
        if base**self.hi >= _KEY_LIMIT:
            return False
        self._tokens = tokens
        self._base = base
        self._unigram = np.full(base, -1, dtype=np.int64)
        by_length: dict[int, tuple[list[int], list[int]]] = {}
        for col, parts in enumerate(split):
            if len(parts) == 1:
                self._unigram[tokens[parts[0]]] = col
                continue
            key = 0
            for p in parts:
                key = key * base + tokens[p]
            keys, cols = by_length.setdefault(len(parts), ([], []))
            keys.append(key)
            cols.append(col)
        self._ngrams: dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
        for n, (keys, cols) in by_length.items():
            k, c = np.asarray(keys, dtype=np.int64), np.asarray(cols, dtype=np.int64)
            order = np.argsort(k, kind="stable")
            self._ngrams[n] = (k[order], c[order])
        return True

    def ids(
        self, texts: Sequence[str], words: Sequence[Sequence[str]] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(document index, column) of every occurrence of a known term in ``texts``. ``words``: the texts'
        tokens if already known (``TfidfVectorizer``'s, as
        :attr:`annotator.attribution.article.SentenceAnalysis.words`)."""
        if self._keyed:
            if words is None:
                findall = WORD.findall
                words = [findall(t.lower()) for t in texts]
            return self._word_ids(words)
        if self.analyzer == "word":
            return self._string_ids(texts)
        return self._char_ids(texts)

    def _word_ids(self, per_doc: Sequence[Sequence[str]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        lengths = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
        flat = list(chain.from_iterable(per_doc))
        tid = np.fromiter(map(self._tokens.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        doc = np.repeat(np.arange(len(per_doc), dtype=np.int64), lengths)
        docs_out: list[NDArray[np.int64]] = []
        cols_out: list[NDArray[np.int64]] = []
        if self.lo == 1:
            known = tid >= 0
            cols = self._unigram[tid[known]]
            found = cols >= 0
            docs_out.append(doc[known][found])
            cols_out.append(cols[found])
        for n in range(max(self.lo, 2), self.hi + 1):
            if n not in self._ngrams or len(tid) < n:
                continue
            m = len(tid) - n + 1
            key = tid[:m].copy()
            valid = (key >= 0) & (doc[:m] == doc[n - 1 :])
            for k in range(1, n):
                nxt = tid[k : k + m]
                valid &= nxt >= 0
                key = key * self._base + nxt
            key, where = key[valid], doc[:m][valid]
            keys, cols = self._ngrams[n]
            pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
            hit = keys[pos] == key
            docs_out.append(where[hit])
            cols_out.append(cols[pos[hit]])
        if not docs_out:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(docs_out), np.concatenate(cols_out)

    def _string_ids(self, texts: Sequence[str]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        lengths = np.zeros(len(texts), dtype=np.int64)
        flat: list[str] = []
        for r, text in enumerate(texts):
            terms = word_terms(text, self.lo, self.hi)
            lengths[r] = len(terms)
            flat.extend(terms)
        ids = np.fromiter(map(self.index.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        keep = ids >= 0
        return docs[keep], ids[keep]

    def _char_ids(self, texts: Sequence[str]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        # each word's known n-gram ids as int32 bytes, remembered; a document is the join of its words' bytes
        memo = self._memo
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        get = self.index.get
        lengths = np.zeros(len(texts), dtype=np.int64)
        parts: list[bytes] = []
        for r, text in enumerate(texts):
            chunks = []
            for word in _WHITE.sub(" ", text.lower()).split():
                known = memo.get(word)
                if known is None:
                    grams = [i for g in char_wb(word, self.lo, self.hi) if (i := get(g)) is not None]
                    known = memo[word] = np.asarray(grams, dtype=np.int32).tobytes()
                chunks.append(known)
            doc = b"".join(chunks)
            lengths[r] = len(doc) >> 2
            parts.append(doc)
        ids = np.frombuffer(b"".join(parts), dtype=np.int32).astype(np.int64)
        return np.repeat(np.arange(len(texts), dtype=np.int64), lengths), ids

    def tfidf(
        self, texts: Sequence[str], words: Sequence[Sequence[str]] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """The TF-IDF rows of ``texts`` as (document index, column, value), sorted by document then column, each
        row l2-normalised: the entries of a CSR matrix. ``words``: as for :meth:`ids`."""
        docs, cols = self.ids(texts, words)
        width = max(1, len(self.terms))
        cells, counts = np.unique(docs * width + cols, return_counts=True)
        docs, cols = cells // width, cells % width
        values = (1.0 + np.log(counts.astype(np.float64))) * self.idf[cols]
        norms = np.sqrt(np.bincount(docs, weights=values * values, minlength=len(texts)))
        values /= norms[docs]
        return docs, cols, values

"""Word and character n-grams, TF-IDF weighted: the same numbers as scikit-learn's ``TfidfVectorizer`` (lower-case,
``sublinear_tf``, smooth idf, l2 norm; ``analyzer="word"`` with its default token pattern or ``"char_wb"``), built
in bulk so that prediction keeps up with segmentation.

``TfidfVectorizer`` analyses one document at a time and looks every n-gram up in Python. Here a batch's terms are
looked up in one C-level ``map`` over the whole batch, the character n-grams of a word are computed once and
remembered (news repeats its words), and the counts, weights and norms are sparse-matrix operations.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from annotator.features import _texts

_WORD = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token_pattern
_WHITE = re.compile(r"\s\s+")
_ANALYZERS = ("word", "char_wb")
_MEMO_LIMIT = 500_000  # words whose character n-grams are remembered, per vocabulary


def _char_wb(word: str, lo: int, hi: int) -> list[str]:
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


def _word_terms(text: str, lo: int, hi: int) -> list[str]:
    tokens = _WORD.findall(text.lower())
    terms = tokens[:] if lo == 1 else []
    for n in range(max(lo, 2), hi + 1):
        if n == 2:
            terms.extend([a + " " + b for a, b in pairwise(tokens)])
        else:
            terms.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return terms


_MEMOS: dict[int, tuple[dict[str, int], dict[str, bytes]]] = {}


def _memo(vocabulary: dict[str, int]) -> dict[str, bytes]:
    """Word -> its known character n-gram ids, per vocabulary object (held here, so its id is not reused)."""
    hit = _MEMOS.get(id(vocabulary))
    if hit is None or hit[0] is not vocabulary:
        if len(_MEMOS) >= 8:
            _MEMOS.clear()
        hit = (vocabulary, {})
        _MEMOS[id(vocabulary)] = hit
    if len(hit[1]) > _MEMO_LIMIT:
        hit[1].clear()
    return hit[1]


class NgramTfidf(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """TF-IDF weighted word or character n-grams (see the module docstring).

    Parameters
    ----------
    analyzer : {"word", "char_wb"}
        Words (two or more letters/digits) or character n-grams inside word boundaries.
    ngram_range : tuple (min_n, max_n)
        The n-gram lengths.
    min_df : int
        Keep terms found in at least this many training sentences.
    """

    def __init__(self, analyzer: str = "word", ngram_range: tuple[int, int] = (1, 2), min_df: int = 2) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df

    def _check_params(self) -> tuple[int, int]:
        if self.analyzer not in _ANALYZERS:
            raise ValueError(f"analyzer must be one of {_ANALYZERS}; got {self.analyzer!r}")
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n; got {self.ngram_range}")
        if not isinstance(self.min_df, int) or self.min_df < 1:
            raise ValueError(f"min_df must be a positive integer; got {self.min_df!r}")
        return lo, hi

    def _doc_terms(self, text: str, lo: int, hi: int) -> set[str]:
        if self.analyzer == "word":
            return set(_word_terms(text, lo, hi))
        terms: set[str] = set()
        for word in set(_WHITE.sub(" ", text.lower()).split()):
            terms.update(_char_wb(word, lo, hi))
        return terms

    def fit(self, X: Any, y: Any = None) -> NgramTfidf:
        lo, hi = self._check_params()
        texts = _texts(self, X, reset=True)
        df: Counter[str] = Counter()
        for text in texts:
            df.update(self._doc_terms(text, lo, hi))
        kept = sorted(t for t, c in df.items() if c >= self.min_df)
        self.vocabulary_ = {t: i for i, t in enumerate(kept)}
        n = len(texts)
        counts = np.array([df[t] for t in kept], dtype=np.float64)
        self.idf_ = np.log((1.0 + n) / (1.0 + counts)) + 1.0
        return self

    def _ids(self, texts: Sequence[str]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(document index, term id) of every known term occurrence."""
        lo, hi = self.ngram_range
        vocabulary = self.vocabulary_
        lengths = np.zeros(len(texts), dtype=np.int64)
        if self.analyzer == "word":
            flat: list[str] = []
            for r, text in enumerate(texts):
                terms = _word_terms(text, lo, hi)
                lengths[r] = len(terms)
                flat.extend(terms)
            ids = np.fromiter(map(vocabulary.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        else:
            # each word's known n-gram ids as int32 bytes, remembered; a document is the join of its words' bytes
            memo = _memo(vocabulary)
            get = vocabulary.get
            parts: list[bytes] = []
            for r, text in enumerate(texts):
                chunks = []
                for word in _WHITE.sub(" ", text.lower()).split():
                    known = memo.get(word)
                    if known is None:
                        grams = [i for g in _char_wb(word, lo, hi) if (i := get(g)) is not None]
                        known = memo[word] = np.asarray(grams, dtype=np.int32).tobytes()
                    chunks.append(known)
                doc = b"".join(chunks)
                lengths[r] = len(doc) >> 2
                parts.append(doc)
            ids = np.frombuffer(b"".join(parts), dtype=np.int32).astype(np.int64)
        docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        keep = ids >= 0
        return docs[keep], ids[keep]

    def transform(self, X: Any) -> sp.csr_matrix:
        check_is_fitted(self, "vocabulary_")
        texts = _texts(self, X, reset=False)
        docs, ids = self._ids(texts)
        shape = (len(texts), len(self.vocabulary_))
        counts = sp.csr_matrix((np.ones(len(ids), dtype=np.float64), (docs, ids)), shape=shape)
        counts.sum_duplicates()
        if not shape[1]:
            return counts  # nothing known (an empty vocabulary): no columns
        counts.data = (1.0 + np.log(counts.data)) * self.idf_[counts.indices]
        return normalize(counts, norm="l2", copy=False)

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        check_is_fitted(self, "vocabulary_")
        return np.asarray(list(self.vocabulary_), dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.requires_fit = True
        return tags

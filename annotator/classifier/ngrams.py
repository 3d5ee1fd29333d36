"""Word and character n-grams, TF-IDF weighted, as a scikit-learn transformer: the same numbers as scikit-learn's
``TfidfVectorizer`` (lower-case, ``sublinear_tf``, smooth idf, l2 norm; ``analyzer="word"`` with its default token
pattern or ``"char_wb"``), computed in bulk by :class:`annotator.classifier.terms.Vocabulary` so that prediction keeps
up with segmentation.

The fitted vocabulary is kept as arrays (``terms_``, ``idf_``), not a dict: a saved model stores two arrays instead
of one JSON node per term, which makes saving and loading a 20,000-term model seconds faster.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from annotator.classifier.inputs import input_texts
from annotator.classifier.terms import ANALYZERS, Vocabulary, doc_terms


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
        if self.analyzer not in ANALYZERS:
            raise ValueError(f"analyzer must be one of {ANALYZERS}; got {self.analyzer!r}")
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n; got {self.ngram_range}")
        if not isinstance(self.min_df, int) or self.min_df < 1:
            raise ValueError(f"min_df must be a positive integer; got {self.min_df!r}")
        return lo, hi

    def fit(self, X: Any, y: Any = None) -> NgramTfidf:
        lo, hi = self._check_params()
        texts = input_texts(self, X, reset=True)
        df: Counter[str] = Counter()
        for text in texts:
            df.update(doc_terms(text, self.analyzer, lo, hi))
        kept = sorted(t for t, c in df.items() if c >= self.min_df)
        n = len(texts)
        counts = np.array([df[t] for t in kept], dtype=np.float64)
        self.terms_ = np.array(kept, dtype=str)
        self.idf_ = np.log((1.0 + n) / (1.0 + counts)) + 1.0
        self._vocab = self.vocabulary()
        return self

    def vocabulary(self) -> Vocabulary:
        """The fitted vocabulary, indexed for lookups (built once)."""
        check_is_fitted(self, "terms_")
        vocab = self.__dict__.get("_vocab")
        if vocab is None:
            lo, hi = self.ngram_range
            vocab = Vocabulary(self.terms_.tolist(), self.idf_, self.analyzer, (lo, hi))
        return vocab

    @property
    def vocabulary_(self) -> dict[str, int]:
        """Term -> column, as ``TfidfVectorizer.vocabulary_``."""
        return self.vocabulary().index

    def transform(self, X: Any) -> sp.csr_matrix:
        vocab = self.vocabulary()
        texts = input_texts(self, X, reset=False)
        docs, cols, values = vocab.tfidf(texts)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(docs, minlength=len(texts)), out=indptr[1:])
        return sp.csr_matrix((values, cols, indptr), shape=(len(texts), len(vocab)))

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        check_is_fitted(self, "terms_")
        return np.asarray(self.terms_.tolist(), dtype=object)

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("_vocab", None)  # an index, rebuilt on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        if "terms_" in self.__dict__:
            self._vocab = self.vocabulary()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.requires_fit = True
        return tags

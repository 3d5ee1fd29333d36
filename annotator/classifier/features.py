"""The cue features as scikit-learn transformers: :class:`GuidelineFeatures` turns the findings of the cue analysis
(:mod:`annotator.attribution.analysis`) into a few binary columns (see :data:`FEATURES`), and :func:`make_features`
joins them with word and character n-grams in a ``FeatureUnion``.

The class and the union's part keep the names ``GuidelineFeatures`` and ``"guideline"`` that saved models record
(``model.skops`` stores the class path, the model card and the feature names the part's name); "guideline" itself
means the annotator guideline (:mod:`annotator.guideline`) everywhere else.

The transformer follows scikit-learn's conventions and passes ``parametrize_with_checks``: it takes a 1-D sequence
of texts, or a 2-D array whose cells are joined into one text per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from annotator.attribution.analysis import FEATURES, Analysis, _analyse, features_of
from annotator.attribution.phrase_index import index_of, lexicon_words
from annotator.classifier.inputs import input_texts


class GuidelineFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """The cue analysis as binary columns (:data:`FEATURES`), one row per sentence.

    Parameters
    ----------
    words : dict, optional
        Lexicon lists (name -> entries). None (default): the shipped ``schemas/lexicon.json``, copied into the
        fitted transformer (``words_``), so a saved model keeps the lists it was trained with.

    Examples
    --------
    >>> X = GuidelineFeatures().fit_transform(["Officials denied the report."])
    >>> X.shape == (1, len(FEATURES))
    True
    >>> [name for name, value in zip(FEATURES, X[0]) if value]
    ['report', 'source_anonymous', 'report_without_source', 'anonymous_any', 'dispute']
    """

    def __init__(self, words: dict[str, list[str]] | None = None) -> None:
        self.words = words

    def fit(self, X: Any, y: Any = None) -> GuidelineFeatures:
        input_texts(self, X, reset=True)
        self.words_ = {k: list(v) for k, v in (self.words if self.words is not None else lexicon_words()).items()}
        return self

    def transform(self, X: Any) -> NDArray[np.float64]:
        check_is_fitted(self, "words_")
        texts = input_texts(self, X, reset=False)
        return features_of(self.analyse_many(texts))

    def analyse(self, text: str) -> Analysis:
        """The full analysis of one sentence with the fitted word lists."""
        check_is_fitted(self, "words_")
        return _analyse(text, index_of(self.words_))

    def analyse_many(self, texts: Sequence[str]) -> list[Analysis]:
        """:meth:`analyse` for many sentences."""
        check_is_fitted(self, "words_")
        lex = index_of(self.words_)
        return [_analyse(t, lex) for t in texts]

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        return np.asarray(FEATURES, dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


def make_features(*, cue_weight: float = 1.0, chars: bool = False, min_df: int = 2) -> FeatureUnion:
    """Cue features (the part named ``"guideline"``) plus word unigrams and bigrams and, with ``chars``, character
    3- to 5-grams inside word boundaries (TF-IDF weighted, :class:`annotator.classifier.ngrams.NgramTfidf`), in one
    ``FeatureUnion``.

    Character n-grams are off by default: on the held-out topics they add 0.003 macro-F1 and 0.011 calibration
    error for four times the training time and memory (``benchmarks/train.py`` measures it)."""
    from annotator.classifier.ngrams import NgramTfidf

    parts: list[tuple[str, Any]] = [
        ("guideline", GuidelineFeatures()),
        ("words", NgramTfidf(analyzer="word", ngram_range=(1, 2), min_df=min_df)),
    ]
    if chars:
        parts.append(("chars", NgramTfidf(analyzer="char_wb", ngram_range=(3, 5), min_df=min_df)))
    return FeatureUnion(parts, transformer_weights={"guideline": cue_weight})

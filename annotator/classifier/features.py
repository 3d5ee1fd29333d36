"""The cue features as scikit-learn transformers: :class:`GuidelineFeatures` turns the article analysis
(:mod:`annotator.attribution.article`) into a few binary columns (see :data:`FEATURES`), and :func:`make_features`
joins them with word and character n-grams in a ``FeatureUnion``.

The class and the union's part keep the names ``GuidelineFeatures`` and ``"guideline"`` that saved models record
(``model.skops`` stores the class path, the model card and the feature names the part's name); "guideline" itself
means the annotator guideline (:mod:`annotator.guideline`) everywhere else.

Input: a 1-D sequence of texts (each sentence read alone), a 2-D array whose cells are joined into one text per row
(scikit-learn's conventions; the transformer passes ``parametrize_with_checks``), or a pandas ``DataFrame`` with a
``text`` column and an ``article`` column: consecutive rows with the same article are read as one article, in order,
so each sentence gets its context (a pronoun's antecedent, the speaker of the quotation it continues).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from annotator.attribution.article import ANALYSER_VERSION, FEATURES, SentenceAnalysis, analyse_texts, features_of
from annotator.classifier.inputs import input_articles, input_texts


class GuidelineFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """The article analysis as binary columns (:data:`FEATURES`), one row per sentence.

    Fitting records the analyser's version (``analyser_``): a saved model predicts only with the analysis it was
    trained on.

    Examples
    --------
    >>> X = GuidelineFeatures().fit_transform(["Officials denied the report."])
    >>> X.shape == (1, len(FEATURES))
    True
    >>> [name for name, value in zip(FEATURES, X[0]) if value]
    ['source_anonymous', 'anonymous_any', 'dispute']
    """

    def fit(self, X: Any, y: Any = None) -> GuidelineFeatures:
        input_texts(self, X, reset=True)
        self.analyser_ = ANALYSER_VERSION
        return self

    def transform(self, X: Any) -> NDArray[np.float64]:
        check_is_fitted(self, "analyser_")
        texts = input_texts(self, X, reset=False)
        return features_of(analyse_texts(texts, input_articles(X)))

    def analyse_many(self, texts: Sequence[str], articles: Sequence[Hashable] | None = None) -> list[SentenceAnalysis]:
        """The analysis of each text (``articles`` as in :func:`annotator.attribution.article.analyse_texts`)."""
        check_is_fitted(self, "analyser_")
        return analyse_texts(texts, articles)

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

"""The bulk n-gram vectoriser: scikit-learn's estimator checks, and the very numbers of TfidfVectorizer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.estimator_checks import parametrize_with_checks

from annotator.classifier.ngrams import NgramTfidf
from annotator.io.labelled import read_labelled

REPO = Path(__file__).resolve().parents[2]


@parametrize_with_checks([NgramTfidf(), NgramTfidf(analyzer="char_wb", ngram_range=(2, 4), min_df=1)])
def test_sklearn_conventions(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # else the array-API check skips itself
    check(estimator)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return read_labelled([REPO / "data" / "train"])["text"].tolist()


@pytest.mark.parametrize(
    ("ours", "reference"),
    [
        (dict(analyzer="word", ngram_range=(1, 2)), dict(ngram_range=(1, 2))),
        (dict(analyzer="word", ngram_range=(2, 3), min_df=3), dict(ngram_range=(2, 3), min_df=3)),
        (dict(analyzer="char_wb", ngram_range=(3, 5)), dict(analyzer="char_wb", ngram_range=(3, 5))),
        (
            dict(analyzer="char_wb", ngram_range=(1, 2), min_df=1),
            dict(analyzer="char_wb", ngram_range=(1, 2), min_df=1),
        ),
    ],
)
@pytest.mark.slow
def test_same_numbers_as_tfidf_vectorizer(texts, ours, reference):
    train, test = texts[::2], [*texts[1::2], "", "a", "ÉCOLE  Straße\tİstanbul", "x" * 300]
    mine = NgramTfidf(**{"min_df": 2, **ours}).fit(train)
    ref = TfidfVectorizer(**{"min_df": 2, "sublinear_tf": True, **reference}).fit(train)
    assert mine.vocabulary_ == ref.vocabulary_
    assert np.allclose(mine.idf_, ref.idf_, rtol=0, atol=1e-12)
    for _ in range(2):  # the second time from the remembered words
        a, b = mine.transform(test), ref.transform(test)
        assert a.shape == b.shape
        assert abs(a - b).max() < 1e-12
    assert list(mine.get_feature_names_out()) == list(ref.get_feature_names_out())


def test_bad_parameters():
    with pytest.raises(ValueError, match="analyzer"):
        NgramTfidf(analyzer="char").fit(["a b"])
    with pytest.raises(ValueError, match="ngram_range"):
        NgramTfidf(ngram_range=(3, 2)).fit(["a b"])
    with pytest.raises(ValueError, match="min_df"):
        NgramTfidf(min_df=0).fit(["a b"])

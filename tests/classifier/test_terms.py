"""Batch n-grams and TF-IDF rows: the same numbers as scikit-learn's ``TfidfVectorizer``, by other means."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from annotator.classifier.terms import WORD, Vocabulary, char_wb, doc_terms, word_terms

TRAIN = [
    "The harbour board said the new pier would open in spring.",
    "Fishermen disputed the board's figures on catch sizes.",
    "A spokesperson for the ferry company declined to comment.",
    "The pier, the board said, had cost more than planned.",
    "Residents said the ferry was late again on Tuesday.",
]
UNSEEN = [
    "The board said nothing about the ferry.",
    "Zebras are not mentioned anywhere above.",
    "",
    "pier pier pier said said",
]


@cache
def fitted(analyzer: str, ngram_range: tuple[int, int]) -> tuple[TfidfVectorizer, Vocabulary]:
    vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range, sublinear_tf=True).fit(TRAIN)
    terms = vec.get_feature_names_out()
    return vec, Vocabulary(terms, vec.idf_, analyzer, ngram_range)


def as_matrix(vocab: Vocabulary, texts: list[str]) -> np.ndarray:
    docs, cols, values = vocab.tfidf(texts)
    return sparse.csr_matrix((values, (docs, cols)), shape=(len(texts), len(vocab))).toarray()


@pytest.mark.parametrize(("analyzer", "ngram_range"), [("word", (1, 1)), ("word", (1, 3)), ("char_wb", (3, 5))])
def test_tfidf_rows_equal_scikit_learns(analyzer: str, ngram_range: tuple[int, int]) -> None:
    vec, vocab = fitted(analyzer, ngram_range)
    texts = TRAIN + UNSEEN
    np.testing.assert_allclose(as_matrix(vocab, texts), vec.transform(texts).toarray(), atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="abpr ier.'-", max_size=40), min_size=1, max_size=5))
def test_any_text_gives_scikit_learns_rows(texts: list[str]) -> None:
    for analyzer, ngram_range in (("word", (1, 2)), ("char_wb", (2, 4))):
        vec, vocab = fitted(analyzer, ngram_range)
        np.testing.assert_allclose(as_matrix(vocab, texts), vec.transform(texts).toarray(), atol=1e-12)


def test_rows_are_sorted_and_unit_length() -> None:
    _, vocab = fitted("word", (1, 2))
    docs, cols, values = vocab.tfidf(TRAIN)
    keys = docs * len(vocab) + cols
    assert np.all(np.diff(keys) > 0)
    assert np.allclose(np.bincount(docs, weights=values**2), 1.0)


def test_known_tokens_are_used_instead_of_the_texts() -> None:
    _, vocab = fitted("word", (1, 2))
    words = [WORD.findall(t.lower()) for t in TRAIN]
    blank = [""] * len(TRAIN)
    for from_words, from_texts in zip(vocab.tfidf(blank, words), vocab.tfidf(TRAIN), strict=True):
        np.testing.assert_array_equal(from_words, from_texts)


def test_analysers_match_scikit_learns() -> None:
    text = "The Board's pier-head, built in 1998, is closed"
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 3)).build_analyzer()
    assert sorted(word_terms(text, 1, 3)) == sorted(word(text))
    assert doc_terms(text, "word", 1, 3) == set(word(text))
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).build_analyzer()
    assert doc_terms(text, "char_wb", 2, 4) == set(char(text))
    assert char_wb("ab", 2, 5) == [" a", "ab", "b ", " ab", "ab ", " ab "]


def test_bad_vocabularies_are_refused() -> None:
    with pytest.raises(ValueError, match="analyzer must be one of"):
        Vocabulary(["a"], np.ones(1), "char", (1, 1))
    with pytest.raises(ValueError, match="2 terms but 1 idf"):
        Vocabulary(["a", "b"], np.ones(1), "word", (1, 1))
    assert len(Vocabulary(["pier", "said"], np.ones(2), "word", (1, 1))) == 2

"""Near-duplicate sentences: the claim words they are compared by, and the prefix-filtered search, which must find
exactly the pairs the all-pairs search finds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.preprocessing import normalize

from annotator.claims.neardup import MIN_WORDS, all_pairs, claim_words, similar_pairs, vectorise

SENTENCES = [  # article 0, 0, 1, 1, 2
    "Officials reportedly said more than 120 dockers walked out of the Dunmore yard.",
    "The ferry was late.",
    "The union claimed 150 dockers walked out of the Dunmore yard, sources said.",
    "Dockers at the Dunmore yard voted to accept the new pay offer.",
    "The Dunmore yard dockers walked out.",
]
ARTICLES = [0, 0, 1, 1, 2]


def test_claim_words_drop_what_re_reporting_changes() -> None:
    # reporting verbs, hedges, numbers, dates and stop words go; the rest is stemmed
    assert claim_words("Officials reportedly said more than 120 dockers walked out on 4 May.") == ["docker", "walk"]
    assert claim_words("The union claimed about 150 dockers walked out in June.") == ["union", "docker", "walk"]


def test_rows_are_unit_length_and_short_claims_are_empty() -> None:
    x = vectorise(SENTENCES)
    nonzeros = x.getnnz(axis=1)
    assert nonzeros[1] == 0  # "The ferry was late.": fewer than MIN_WORDS claim words
    assert len(claim_words(SENTENCES[1])) < MIN_WORDS
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms[nonzeros > 0], 1.0)


def test_no_sentence_long_enough_gives_empty_rows() -> None:
    x = vectorise(["A ferry.", "Late."])
    assert x.shape[0] == 2 and x.nnz == 0
    assert len(similar_pairs(x, [0, 1], 0.5)) == 0
    assert len(all_pairs(x, [0, 1], 0.5)) == 0


def test_re_reports_across_articles_pair_up() -> None:
    x = vectorise(SENTENCES)
    stats: dict[str, int] = {}
    pairs = similar_pairs(x, ARTICLES, 0.5, stats=stats)
    assert pairs.as_set() == {(0, 2), (0, 4), (2, 4)}
    assert np.all(pairs.left < pairs.right)
    assert np.all(pairs.similarity >= 0.5)
    assert stats == {"candidates": stats["candidates"], "rows": len(SENTENCES)}
    assert len(pairs) <= stats["candidates"] < len(SENTENCES) * (len(SENTENCES) - 1) // 2


def test_sentences_of_one_article_never_pair() -> None:
    x = vectorise(SENTENCES)
    assert similar_pairs(x, [0, 0, 0, 0, 0], 0.1).as_set() == set()
    assert similar_pairs(x, [0, 1, 1, 1, 1], 0.5).as_set() == {(0, 2), (0, 4)}


@pytest.mark.parametrize("threshold", [0, -0.5, 1.5])
def test_threshold_must_be_a_similarity(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold must be in"):
        similar_pairs(vectorise(SENTENCES), ARTICLES, threshold)


@st.composite
def unit_rows(draw: st.DrawFn) -> tuple[sparse.csr_matrix, list[int]]:
    n = draw(st.integers(1, 30))
    width = draw(st.integers(1, 12))
    density = draw(st.sampled_from([0.1, 0.3, 0.6]))
    seed = draw(st.integers(0, 2**32 - 1))
    x = sparse.random(n, width, density=density, format="csr", random_state=np.random.default_rng(seed))
    groups = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    return sparse.csr_matrix(normalize(x)), groups


@settings(max_examples=30, deadline=None)
@given(unit_rows(), st.sampled_from([0.2, 0.5, 0.8, 0.95, 1.0]), st.sampled_from([1, 3, 4096]))
def test_prefix_filter_finds_exactly_the_all_pairs_result(
    data: tuple[sparse.csr_matrix, list[int]], threshold: float, block: int
) -> None:
    x, groups = data
    ours, baseline = similar_pairs(x, groups, threshold, block=block), all_pairs(x, groups, threshold)
    assert ours.as_set() == baseline.as_set()
    np.testing.assert_allclose(ours.similarity, baseline.similarity, atol=1e-9)

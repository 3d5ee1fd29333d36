"""The lexicon indexed for token matching (annotator.attribution.phrase_index), on word lists written for the test:
the analysis' use of it is tested in test_analysis.py and test_features.py."""

from __future__ import annotations

from annotator.attribution.phrase_index import index_key, index_of, indexed

WORDS = {
    "reporting_verbs": ["said", "according to", "in a statement"],
    "hedges": ["reportedly"],
    "dispute_cues": ["denied"],
    "anonymous_sources": ["officials"],
    "negations": ["not", "could not"],
    "verification_words": ["verify", "independently verify"],
}


def test_longest_entry_first_and_no_overlap_within_a_list() -> None:
    low = ["officials", "could", "not", "independently", "verify", "it", ",", "according", "to", "a", "statement"]
    found = indexed(index_key(WORDS)).all_matches(low)
    assert found["anonymous_sources"] == [(0, 1, ("officials",))]
    assert found["negations"] == [(1, 3, ("could", "not"))]  # not also "not" inside it
    assert found["verification_words"] == [(3, 5, ("independently", "verify"))]
    assert found["reporting_verbs"] == [(7, 9, ("according", "to"))]  # "a statement" alone is no entry
    assert "hedges" not in found and "dispute_cues" not in found


def test_a_sentence_without_any_entry_matches_nothing() -> None:
    assert indexed(index_key(WORDS)).all_matches(["the", "river", "rose", "overnight"]) == {}


def test_the_index_is_built_once_per_lists_object() -> None:
    words = {k: list(v) for k, v in WORDS.items()}
    assert index_of(words) is index_of(words)
    assert index_of(words) is indexed(index_key(WORDS))  # equal lists share the cached index

"""The source finder's word lists as phrase sets (annotator.attribution.source_words)."""

from __future__ import annotations

from annotator.attribution.source_words import Phrases, contains, ends_with, source_words

ROLES = Phrases(frozenset({("spy", "chief"), ("minister",)}), (2, 1))


def test_ends_with_a_phrase_of_any_length() -> None:
    assert ends_with(["the", "ukrainian", "spy", "chief"], ROLES)
    assert ends_with(["the", "minister"], ROLES)
    assert not ends_with(["the", "chief", "spy"], ROLES)
    assert not ends_with([], ROLES)


def test_phrase_lookups_by_length() -> None:
    phrases = Phrases(frozenset({("press", "officer"), ("officer",)}), (2, 1))
    assert ("officer",) in phrases
    assert ends_with(["the", "press", "officer"], phrases)
    assert not ends_with(["officer", "said"], phrases)
    assert contains(["officer", "said"], phrases)
    assert not contains(["the", "press"], phrases)


def test_contains_a_phrase_anywhere() -> None:
    assert contains(["former", "spy", "chief", "of", "ukraine"], ROLES)
    assert not contains(["spy", "the", "chief"], ROLES)


def test_the_shipped_lists_fold_phrases_into_word_tuples_longest_first() -> None:
    roles = source_words().person_roles
    assert ("spy", "chief") in roles and ("minister",) in roles
    assert list(roles.lengths) == sorted(roles.lengths, reverse=True)
    assert roles.lengths == tuple(sorted({len(p) for p in roles.items}, reverse=True))

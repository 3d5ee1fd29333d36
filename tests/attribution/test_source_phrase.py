"""A sentence's tokens and offsets, and the noun phrase next to a cue that names its source
(:mod:`annotator.attribution.source_phrase`), with the shipped lexicon's word lists. Sentences written for these
tests (fictional people and places)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.attribution.phrase_index import PhraseIndex, index_key, indexed, lexicon_words
from annotator.attribution.source_phrase import (
    ANONYMOUS,
    NAMED,
    PRONOUN,
    PUNCT,
    ROLE,
    SentenceTokens,
    phrase_after,
    phrase_before,
    source_kind,
    tokens,
)


@pytest.fixture(scope="module")
def lex() -> PhraseIndex:
    return indexed(index_key(lexicon_words()))


# pieces that stress the tokeniser's fast path: punctuation around and inside words, "_", Unicode spaces and digits
TOKEN_PARTS = st.sampled_from(
    [
        *PUNCT,
        "_",
        " ",
        "\u00a0",
        "\u2009",
        "\n",
        "\x1c",
        "a",
        "Zé",
        "ß",
        "١٢",
        "²",
        "x_y",
        "can't",
        "it’s",
        "e-mail",
        "U.S.",
    ]
)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(TOKEN_PARTS, max_size=25).map("".join)))
def test_fast_tokens_equal_the_token_regex(text):
    assert tokens(text) == re.findall(r"\w+(?:[-'’]\w+)*", text)


def test_stripped_punctuation_is_never_part_of_a_word():
    assert not [c for c in PUNCT if re.fullmatch(r"\w|\s", c)]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(TOKEN_PARTS, max_size=25).map("".join)))
def test_ngram_words_are_scikit_learns_tokens(text: str) -> None:
    assert SentenceTokens(text).ngram_words() == re.findall(r"(?u)\b\w\w+\b", text.lower())


def test_tokens_keep_hyphens_and_apostrophes_inside_words() -> None:
    assert tokens("“Fact-checkers’ e-mail,” it’s (x_y)... U.S. 5,000") == [
        "Fact-checkers",
        "e-mail",
        "it’s",
        "x_y",
        "U",
        "S",
        "5",
        "000",
    ]


def test_lower_casing_that_changes_the_length_keeps_the_offsets() -> None:
    s = SentenceTokens("The İzmir office said so.")
    s.locate()
    assert not s.aligned
    assert [s.text[a:b] for a, b in zip(s.starts, s.ends, strict=True)] == ["The", "İzmir", "office", "said", "so"]
    assert s.caps == [True, True, False, False, False]


def _before(text: str, cue: str, lex: PhraseIndex) -> tuple[str, str | None] | None:
    s = SentenceTokens(text)
    s.locate()
    found = phrase_before(s, s.low.index(cue), lex)
    return None if found is None else (text[slice(*s.span(*found))], source_kind(s, *found, lex))


def _after(text: str, cue: str, lex: PhraseIndex) -> tuple[str, str | None] | None:
    s = SentenceTokens(text)
    s.locate()
    found = phrase_after(s, s.low.index(cue) + 1, lex)
    return None if found is None else (text[slice(*s.span(*found))], source_kind(s, *found, lex))


@pytest.mark.parametrize(
    ("text", "cue", "phrase", "kind"),
    [
        ("The harbour master, Ines Corra, said the quay was shut.", "said", "Ines Corra", NAMED),
        ("A senior port official said the quay was shut.", "said", "A senior port official", ANONYMOUS),
        ("Dock workers say the quay is shut.", "say", "Dock workers", ANONYMOUS),
        ("Lawyers for the dock workers said the quay was shut.", "said", "Lawyers for the dock workers", ANONYMOUS),
        ("Officials also said the quay was shut.", "said", "Officials", ANONYMOUS),
        ("The quay was shut on Monday, she said.", "said", "she", PRONOUN),
    ],
)
def test_phrase_before_the_cue(text: str, cue: str, phrase: str, kind: str, lex: PhraseIndex) -> None:
    assert _before(text, cue, lex) == (phrase, kind)


@pytest.mark.parametrize(
    ("text", "cue", "phrase", "kind"),
    [
        ("“It is shut,” said Dr. Ines Corra on Monday.", "said", "Dr. Ines Corra", NAMED),
        ("The quay is shut, according to the coroner.", "to", "the coroner", ROLE),
        ("The quay is shut, according to a port official.", "to", "a port official", ANONYMOUS),
        ("The quay is shut, according to Harbour Radio.", "to", "Harbour Radio", NAMED),
    ],
)
def test_phrase_after_the_cue(text: str, cue: str, phrase: str, kind: str, lex: PhraseIndex) -> None:
    assert _after(text, cue, lex) == (phrase, kind)


def test_no_phrase_where_none_names_a_source(lex: PhraseIndex) -> None:
    assert _before("Said to be shut, the quay is closed.", "said", lex) is None  # nothing before the cue
    assert _after("The quay is shut, said that report.", "said", lex) is None
    assert _after("Ines Corra said that the quay was shut.", "said", lex) is None  # a complementiser follows

"""One analysis of a sentence: cues, sources, quotations and the guideline features the classifier reads. The
tokeniser's fast path and the transformer built on it: tests/classifier/test_features.py."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.attribution.analysis import (
    ACCORDING,
    DISPUTE,
    FEATURES,
    HEDGE,
    NAMED,
    NOT_VERIFIED,
    REPORT,
    ROLE,
    analyse,
    explain,
    features_of,
    lexicon_words,
    merged,
)


def on(text: str) -> set[str]:
    """The features that fire on ``text``."""
    return {name for name, value in zip(FEATURES, analyse(text).features, strict=True) if value}


def test_a_named_source_behind_a_reporting_verb() -> None:
    text = "Councillor Brian Tate said the budget was balanced."
    a = analyse(text)
    assert [(c.kind, text[c.span[0] : c.span[1]]) for c in a.cues] == [(REPORT, "said")]
    [source] = a.sources
    assert (source.kind, source.span, source.cue) == (NAMED, (0, 21), (22, 26))
    assert text[:21] == "Councillor Brian Tate"
    assert on(text) == {"report", "source_named"}


def test_according_to_a_role() -> None:
    text = "According to the coroner, the death was an accident."
    a = analyse(text)
    assert [c.kind for c in a.cues] == [ACCORDING]
    assert [(s.kind, text[s.span[0] : s.span[1]]) for s in a.sources] == [(ROLE, "the coroner")]
    assert {"according_to", "source_role"} <= on(text)


def test_a_quotation_with_a_hedged_speaker() -> None:
    text = "“The pier is safe,” officials reportedly said."
    a = analyse(text)
    assert a.quotes == ((0, text.index("”") + 1),)
    assert [c.kind for c in a.cues] == [HEDGE, REPORT]
    assert {"quote", "quote_speaker", "hedge", "anonymous_any"} <= on(text)


def test_cues_inside_a_quotation_are_marked_quoted() -> None:
    text = "The mayor said: “Those figures are false and the report allegedly leaked.”"
    quoted = {c.kind for c in analyse(text).cues if c.quoted}
    assert {DISPUTE, HEDGE} <= quoted
    assert {"dispute_quoted", "hedge_quoted"} <= on(text)
    assert not {"dispute", "hedge"} & on(text)


def test_not_verified() -> None:
    a = analyse("The figures could not be verified.")
    assert {DISPUTE, NOT_VERIFIED} <= {c.kind for c in a.cues}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ferry fares to rise in spring", {"no_cue", "no_final_punctuation"}),
        ("Is the pier safe?", {"no_cue", "question"}),
    ],
)
def test_sentences_without_cues(text: str, expected: set[str]) -> None:
    assert on(text) == expected


def test_words_are_the_n_gram_tokens() -> None:
    assert analyse("The Pier's 2 new gates, at £5m.").words == ["the", "pier", "new", "gates", "at", "5m"]


def test_another_lexicon_changes_what_is_a_cue() -> None:
    text = "The harbourmaster whispered that the pier was unsafe."
    assert "report" not in on(text)
    words = {**lexicon_words(), "reporting_verbs": [*lexicon_words()["reporting_verbs"], "whispered"]}
    assert [c.kind for c in analyse(text, words).cues] == [REPORT]


def test_features_of_stacks_rows() -> None:
    analyses = [analyse("Officials said so."), analyse("Nothing here.")]
    rows = features_of(analyses)
    assert rows.shape == (2, len(FEATURES))
    np.testing.assert_array_equal(rows[1], analyses[1].features)
    assert features_of([]).shape == (0, len(FEATURES))


def test_explain_shows_the_spans_of_positive_features() -> None:
    text = "Councillor Brian Tate said the budget was balanced."
    a = analyse(text)
    assert explain(a, frozenset({"source_named"})) == (((0, 21),), ((22, 26),))  # a source shows its cue
    assert explain(a, frozenset({"report"})) == (((0, 21),), ((22, 26),))  # a cue shows its source
    assert explain(a, frozenset({"hedge"})) == ((), ())
    assert explain(analyse("Nothing here."), frozenset(FEATURES)) == ((), ())


def test_merged_joins_overlapping_spans_in_order() -> None:
    assert merged({(10, 20), (0, 3), (15, 30), (30, 31)}) == ((0, 3), (10, 30), (30, 31))
    assert merged(set()) == ()

"""Cues and their source phrases in one sentence, before any article context."""

from __future__ import annotations

import pytest

from annotator.attribution.cues import analyse_sentence
from annotator.attribution.kinds import (
    ANONYMOUS,
    COLLECTIVE,
    DISPUTE,
    DOCUMENT,
    HEDGE,
    NAME,
    ORG_ROLE,
    PERSON_ROLE,
    PRONOUN,
    REPORTING,
)


def attributions(text: str) -> list[tuple[str, str, str | None, str | None]]:
    """(cue, cue kind, source text, source kind) of each attribution, checking every span against the text."""
    out = []
    for a in analyse_sentence(text).attributions:
        assert text[a.cue.span[0] : a.cue.span[1]] == a.cue.text
        if a.source is not None:
            assert text[a.source.span[0] : a.source.span[1]] == a.source.text
        out.append((a.cue.text, a.cue.kind, a.source and a.source.text, a.source and a.source.kind))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Councillor Brian Tate said the budget was balanced.", ("said", "Councillor Brian Tate", NAME)),
        ("The mayor said the budget was balanced.", ("said", "The mayor", PERSON_ROLE)),
        ("She said the budget was balanced.", ("said", "She", PRONOUN)),
        ("Several residents said the water was brown.", ("said", "residents", COLLECTIVE)),
        ("An anonymous source said the port may close.", ("said", "An anonymous source", ANONYMOUS)),
        ("The ministry's annual report said exports fell.", ("said", "The ministry's annual report", DOCUMENT)),
    ],
)
def test_the_subject_of_a_reporting_verb_is_its_source(text: str, expected: tuple[str, str, str]) -> None:
    cue, source, kind = expected
    assert attributions(text) == [(cue, REPORTING, source, kind)]


def test_according_to_takes_the_phrase_after_it_and_prefers_an_appositive_name() -> None:
    assert attributions("According to Dermot Quill, the bridge will reopen.") == [
        ("According to", REPORTING, "Dermot Quill", NAME)
    ]
    assert attributions("According to a council official, Marta Lind, the bridge will reopen.") == [
        ("According to", REPORTING, "Marta Lind", NAME)
    ]


def test_after_a_quotation_the_subject_is_after_the_verb() -> None:
    assert attributions("“The pier is safe,” said the company.") == [("said", REPORTING, "the company", ORG_ROLE)]


def test_cues_inside_quotation_marks_are_quoted_speech() -> None:
    text = "“Nobody said anything,” the mayor told the inquiry."
    assert attributions(text) == [("told", REPORTING, "the mayor", PERSON_ROLE)]
    assert analyse_sentence(text).quotes == [(0, text.index("”") + 1)]


def test_two_clauses_two_sources() -> None:
    assert attributions("The mayor said he was not consulted, and critics disputed the timeline.") == [
        ("said", REPORTING, "The mayor", PERSON_ROLE),
        ("disputed", DISPUTE, "critics", COLLECTIVE),
    ]


def test_a_dispute_without_an_agent_is_passive() -> None:
    [a] = analyse_sentence("The claim could not be verified.").attributions
    assert (a.cue.kind, a.source, a.passive) == (DISPUTE, None, True)


def test_the_source_of_a_reporting_verb_disputes_what_follows() -> None:
    found = attributions("Fact-checkers found no evidence for the claim.")
    assert [(cue, kind) for cue, kind, _, _ in found] == [("found", REPORTING), ("no evidence", DISPUTE)]
    assert {source for _, _, source, _ in found} == {"Fact-checkers"}


def test_hedges_are_listed_apart_and_do_not_hide_the_subject() -> None:
    result = analyse_sentence("He reportedly said the port would close.")
    assert [(h.text, h.kind) for h in result.hedges] == [("reportedly", HEDGE)]
    assert attributions("He reportedly said the port would close.") == [("said", REPORTING, "He", PRONOUN)]


def test_a_sentence_without_cues() -> None:
    result = analyse_sentence("The tide turned at noon.")
    assert result.attributions == [] and result.hedges == []
    assert [t.text for t in result.tokens] == ["The", "tide", "turned", "at", "noon", "."]

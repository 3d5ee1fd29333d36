"""The records the source finder returns: which source a sentence's claim is credited to, who disputes, and the
spans a sentence's sources and cues cover (objects built by hand, fictional names)."""

from __future__ import annotations

from annotator.attribution.cues import Cue
from annotator.attribution.kinds import DISPUTE, HEDGE, PERSON, REPORTING
from annotator.attribution.records import Attribution, SentenceSources, Source

TEXT = "Mayor Lena Ostrova said the ferry was safe, but Captain Ivo Marsh denied it, reportedly."


def span(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return (start, start + len(word))


OSTROVA = Source(span("Lena Ostrova"), "Lena Ostrova", PERSON, "person:lena ostrova", "Lena Ostrova")
MARSH = Source(span("Ivo Marsh"), "Ivo Marsh", PERSON, "person:ivo marsh", "Ivo Marsh")
SAID = Cue(span("said"), "said", REPORTING)
DENIED = Cue(span("denied"), "denied", DISPUTE)
HEDGED = Cue(span("reportedly"), "reportedly", HEDGE)


def sentence(*attributions: Attribution, hedges: tuple[Cue, ...] = ()) -> SentenceSources:
    return SentenceSources("a", "a:0", TEXT, attributions, hedges, ())


def test_the_disputer_is_the_source_of_a_dispute_cue_only() -> None:
    assert Attribution(DENIED, MARSH, ("person:lena ostrova",)).disputer == "person:ivo marsh"
    assert Attribution(SAID, OSTROVA).disputer is None
    assert Attribution(DENIED, None, ("person:lena ostrova",)).disputer is None


def test_primary_prefers_a_reporting_source_to_a_disputer() -> None:
    s = sentence(Attribution(DENIED, MARSH, ("person:lena ostrova",)), Attribution(SAID, OSTROVA))
    assert s.primary == OSTROVA
    assert s.disputes == (Attribution(DENIED, MARSH, ("person:lena ostrova",)),)


def test_primary_falls_back_to_the_disputer_and_skips_unresolved_sources() -> None:
    unresolved = Source(span("Mayor"), "Mayor", None)  # a role that resolved to no one
    assert sentence(Attribution(SAID, unresolved), Attribution(DENIED, MARSH)).primary == MARSH
    assert sentence(Attribution(SAID, unresolved)).primary is None
    assert sentence().primary is None


def test_spans_are_sorted_deduplicated_and_include_hedges() -> None:
    s = sentence(
        Attribution(DENIED, MARSH),
        Attribution(SAID, OSTROVA),
        Attribution(SAID, OSTROVA),
        Attribution(Cue(span("denied"), "denied", DISPUTE), None),
        hedges=(HEDGED,),
    )
    assert s.source_spans == (span("Lena Ostrova"), span("Ivo Marsh"))
    assert s.cue_spans == (span("said"), span("denied"), span("reportedly"))
    assert [TEXT[a:b] for a, b in s.cue_spans] == ["said", "denied", "reportedly"]

"""What a sentence says besides its sources (annotator.attribution.signals), and the cues that the per-sentence
reader (annotator.attribution.cues) now drops: a negated dispute cue and a participle that opens the sentence."""

from __future__ import annotations

import pytest

from annotator.attribution.cues import analyse_sentence
from annotator.attribution.kinds import DISPUTE, HEDGE
from annotator.attribution.signals import NOT_VERIFIED, signals


def texts(text: str, cues) -> list[str]:
    return [text[c.span[0] : c.span[1]] for c in cues]


@pytest.mark.parametrize(
    ("text", "cue", "kind"),
    [
        ("“That story is pure fabrication,” the mayor said.", "fabrication", DISPUTE),
        ("“We deny every word of it,” the club said.", "deny", DISPUTE),
        ("“He reportedly left the town at noon,” the mayor said.", "reportedly", HEDGE),
    ],
)
def test_dispute_and_hedge_cues_inside_quotations_are_kept(text, cue, kind):
    sig = signals(analyse_sentence(text))
    assert [(c.text, c.kind) for c in sig.quoted] == [(cue, kind)]
    assert texts(text, sig.quoted) == [cue]  # the span points at the cue
    raw = analyse_sentence(text)
    assert all(a.cue.text != cue for a in raw.attributions) and all(h.text != cue for h in raw.hedges)


def test_cues_outside_quotations_are_not_quoted_cues():
    sig = signals(analyse_sentence("The mayor denied that the clerk reportedly left at noon."))
    assert sig.quoted == ()
    assert signals(analyse_sentence("The clerk left at noon.")) == ((), (), (), False, (), ())


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("The agency said it could not independently verify the footage.", "could not independently verify"),
        ("The company has not provided any evidence for the figure.", "has not provided any evidence"),
        ("There is no evidence that the dam leaked.", "no evidence"),
    ],
)
def test_negated_verification_outside_quotations(text, cue):
    sig = signals(analyse_sentence(text))
    assert texts(text, sig.checks) == [cue]
    assert sig.quoted_checks == () and all(c.kind == NOT_VERIFIED for c in sig.checks)


def test_negated_verification_inside_quotations():
    text = "“We could not independently verify the footage,” the agency said."
    sig = signals(analyse_sentence(text))
    assert sig.checks == ()
    assert texts(text, sig.quoted_checks) == ["could not independently verify"]


def test_verification_without_a_negation_or_too_far_from_it():
    assert signals(analyse_sentence("The agency verified the footage.")).checks == ()
    assert texts(
        "The agency did not verify it.", signals(analyse_sentence("The agency did not verify it.")).checks
    ) == ["did not verify"]
    assert (
        signals(analyse_sentence("The agency did not say on Monday, Tuesday or Friday whether it was verified.")).checks
        == ()
    )


def test_anonymous_phrase_only_outside_quotations():
    assert signals(analyse_sentence("Officials expect the tunnel to reopen.")).anonymous
    assert not signals(analyse_sentence("“Officials expect the tunnel to reopen,” the mayor said.")).anonymous
    assert not signals(analyse_sentence("The mayor expects the tunnel to reopen.")).anonymous


# -- dispute cues the per-sentence reader drops ----------------------------------------------------------------------


def disputes(text: str) -> list[str]:
    return [a.cue.text for a in analyse_sentence(text).attributions if a.cue.kind == DISPUTE]


@pytest.mark.parametrize(
    "text",
    [
        "The council is not disputing the figures.",
        "The council did not deny the figures.",
        "The club has never denied the payments.",
    ],
)
def test_a_negated_dispute_cue_disputes_nothing(text):
    assert disputes(text) == []


def test_an_unnegated_dispute_cue_still_disputes():
    assert disputes("The council disputed the figures.") == ["disputed"]
    assert disputes("The council denied the figures.") == ["denied"]


def test_a_participle_that_opens_the_sentence_before_by_disputes_nothing():
    text = "Questioned by the prosecution, the witness said she had seen nothing."
    raw = analyse_sentence(text)
    assert disputes(text) == []
    assert [(a.cue.text, a.source.text if a.source else None) for a in raw.attributions] == [("said", "the witness")]
    # the same participle elsewhere in the sentence is a dispute cue
    assert disputes("The plan was questioned by the prosecution.") == ["questioned"]

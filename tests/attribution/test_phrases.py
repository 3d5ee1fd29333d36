"""The lexicon's cue lists matched on a sentence's tokens (annotator/attribution/phrases.py)."""

from __future__ import annotations

from annotator.attribution.lexicon import lexicon
from annotator.attribution.phrases import matcher


def test_spans_match_whole_words_in_any_case_and_spacing() -> None:
    assert "according to" in lexicon().words["reporting_verbs"]
    text = "ACCORDING  TO the harbour board, a well-said line was unsaid."
    spans = matcher().spans("reporting_verbs", text)
    assert (0, len("ACCORDING  TO")) in spans
    assert all(text[s:e].lower() not in {"said"} for s, e in spans)  # "well-said", "unsaid" are not "said"


def test_the_longest_entry_wins_and_a_possessive_still_matches() -> None:
    text = "The figures could not be independently verified, the ministry's spokesman said."
    found = matcher().spans("dispute_cues", text)
    assert (text.index("could"), text.index(",")) in found  # not "verified" alone
    assert matcher().spans("anonymous_sources", "A source's account was read out.") == [(0, 10)]

"""What one sentence says besides who its sources are: hedges and dispute cues inside its quotations, negated
verification ("could not independently verify", "has not provided any evidence"), and whether an anonymous or
collective phrase stands in it (pure).

:func:`signals` reads the sentence as :func:`annotator.attribution.cues.analyse_sentence` tokenised it, with the
word lists of ``schemas/lexicon.json``. A denial inside a quotation ("'That is pure invention,' the minister said")
is still a denial: ``labels.md`` makes it *contested* whoever says it, so the quoted cues are kept here, where the
source finder skips them (quoted speech is not an attribution).
"""

from __future__ import annotations

from typing import NamedTuple

from annotator.attribution.cues import Cue, RawSentence
from annotator.attribution.kinds import DISPUTE, HEDGE
from annotator.attribution.mentions import inside
from annotator.attribution.senses import literal_dispute

NOT_VERIFIED = "not_verified"
_NEGATION_WINDOW = 3  # at most this many tokens between a negation and the verification word it negates


class Signals(NamedTuple):
    """``quoted``: hedges and dispute cues inside quotations; ``checks`` and ``quoted_checks``: negated
    verification outside and inside quotations (kind :data:`NOT_VERIFIED`); ``anonymous``: an anonymous or
    collective phrase outside quotations ("officials", "people familiar with the matter"); ``rebuttals`` and
    ``quoted_rebuttals``: phrases that deny, doubt or correct a claim without a dispute word ("simply wrong", "a
    fantasy", "exaggerated"; the lexicon's ``rebuttal_cues``), outside and inside quotations."""

    quoted: tuple[Cue, ...]
    checks: tuple[Cue, ...]
    quoted_checks: tuple[Cue, ...]
    anonymous: bool
    rebuttals: tuple[Cue, ...] = ()
    quoted_rebuttals: tuple[Cue, ...] = ()


def signals(raw: RawSentence) -> Signals:
    """The :class:`Signals` of a sentence analysed by :func:`~annotator.attribution.cues.analyse_sentence`."""
    text, quotes, toks, matches = raw.text, raw.quotes, raw.tokens, raw.matches
    quoted: list[Cue] = []
    if quotes:
        for name, kind in (("hedges", HEDGE), ("dispute_cues", DISPUTE)):
            for a, b in matches.get(name, ()):
                s, e = toks[a].start, toks[b].end
                if inside(quotes, s, e) and not (kind == DISPUTE and literal_dispute(toks, a, b)):
                    quoted.append(Cue((s, e), text[s:e], kind))
        quoted.sort(key=lambda c: c.span)
    checks, quoted_checks = _negated_verification(raw)
    anonymous = any(not inside(quotes, toks[a].start, toks[b].end) for a, b in matches.get("anonymous_sources", ()))
    rebuttals: list[Cue] = []
    quoted_rebuttals: list[Cue] = []
    for a, b in matches.get("rebuttal_cues", ()):
        s, e = toks[a].start, toks[b].end
        (quoted_rebuttals if inside(quotes, s, e) else rebuttals).append(Cue((s, e), text[s:e], DISPUTE))
    return Signals(tuple(quoted), checks, quoted_checks, anonymous, tuple(rebuttals), tuple(quoted_rebuttals))


def _negated_verification(raw: RawSentence) -> tuple[tuple[Cue, ...], tuple[Cue, ...]]:
    """A negation shortly before a verification word ("could not independently verify", "no evidence"), up to the
    last verification word in reach ("has not provided any evidence")."""
    negations = raw.matches.get("negations")
    verifications = raw.matches.get("verification_words")
    if not negations or not verifications:
        return (), ()
    toks, text = raw.tokens, raw.text
    outside: list[Cue] = []
    inside_quotes: list[Cue] = []
    for a, b in negations:
        end = b
        for va, vb in verifications:
            if 0 < va - end <= _NEGATION_WINDOW + 1:
                end = vb
        if end == b:
            continue
        s, e = toks[a].start, toks[end].end
        cue = Cue((s, e), text[s:e], NOT_VERIFIED)
        (inside_quotes if inside(raw.quotes, s, e) else outside).append(cue)
    return tuple(outside), tuple(inside_quotes)

"""Cues and source phrases in one sentence, before any article context (pure).

:func:`analyse_sentence` finds the *cues* (reporting verbs and phrases, dispute cues, hedges; all from
``schemas/lexicon.json``) and, for each reporting or dispute cue, the noun phrase that is its *source*, as
end-exclusive character offsets into the sentence text. Cues and sources inside quotation marks are quoted speech
and are skipped. The phrase gets a provisional kind (a name, a pronoun, a role, or a source type read from its head
noun); :mod:`annotator.attribution.sources` types names against the article and resolves pronouns and roles.

Where the source is looked for
    * "according to X" and "in a statement by X": X, the noun phrase after the cue up to a comma or a relative
      pronoun; an appositive name that follows ("according to a senior official, General Kyrlo Budanov, ...") wins
      over the description.
    * a verb cue ("said", "told", "denied", "could not confirm"): the subject to its left, back to the nearest
      clause boundary (punctuation, quote marks, "that", "as", "while", ...), skipping auxiliaries and adverbs from
      the lexicon's ``verb_modifiers``; if a pronoun stands right before the verb, the pronoun. When nothing stands
      to the left (a quote ends right before "said"), the inverted subject to the right: "..., said Dermot Quill".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from annotator.attribution.kinds import (
    COLLECTIVE,
    DISPUTE,
    HEDGE,
    NAME,
    ORGANISATION,
    PRONOUN,
    REPORTING,
    affiliated_body,
    kind_of,
)
from annotator.attribution.mentions import Mention, Span, Token, fold, inside, mentions, quote_spans, tokens
from annotator.attribution.phrases import TokenRange, matcher
from annotator.attribution.senses import literal_dispute, noun_or_name
from annotator.attribution.source_words import source_words

_BOUNDARY_PUNCT = frozenset(',;:()[]—–-“”‘’"«»')
_PREPOSED = "according to"
_PASSIVE_HINT = re.compile(r"\b(?:be|been|not provided|without|lack|little|no evidence)\b|^(?:unverified|false)")
_MAX_SUBJECT = 9
_NEGATORS = frozenset({"not", "never", "didn't", "doesn't", "don't", "isn't", "wasn't", "hasn't", "haven't", "won't"})
_INDEFINITE = frozenset({"a", "an", "one", "another"})


@dataclass(frozen=True)
class Cue:
    """A reporting, dispute or hedge cue: ``span`` into the sentence text."""

    span: Span
    text: str
    kind: str


@dataclass(frozen=True)
class RawSource:
    span: Span
    text: str
    kind: str  # a source type, or one of the provisional kinds
    core: str  # folded core noun phrase, determiners stripped
    definite: bool
    mention: Mention | None = None


@dataclass(frozen=True)
class RawAttribution:
    cue: Cue
    source: RawSource | None
    passive: bool = False


@dataclass
class RawSentence:
    """The context-free analysis of one sentence (:func:`analyse_sentence`)."""

    text: str
    tokens: list[Token]
    quotes: list[Span]
    mentions: list[Mention]
    attributions: list[RawAttribution]
    hedges: list[Cue]
    matches: dict[str, list[TokenRange]] = field(default_factory=dict)  # the lexicon's matches (phrases.py)


# -- one sentence -----------------------------------------------------------------------------------


def analyse_sentence(text: str) -> RawSentence:
    """Cues, source noun phrases (not yet typed against the article or resolved) and name mentions of one
    sentence."""
    toks = tokens(text)
    quotes = quote_spans(text)
    ments = mentions(text, toks)
    matches = matcher().match(toks)
    cues, hedges, hedged = _cues(text, toks, quotes, matches)
    cue_tokens = frozenset(i for _, a, b in cues for i in range(a, b + 1))
    attributions: list[RawAttribution] = []
    by_end: dict[int, RawAttribution] = {}
    for cue, a, b in cues:
        ra = _attribution(text, toks, ments, quotes, cue, a, b, by_end, attributions, cue_tokens | hedged)
        attributions.append(ra)
        if cue.kind == REPORTING:
            by_end[b] = ra
    # a dispute word that is itself someone's source ("Fact-checkers found ...") is not a cue
    source_spans = [ra.source.span for ra in attributions if ra.source is not None]
    attributions = [ra for ra in attributions if not (ra.cue.kind == DISPUTE and inside(source_spans, *ra.cue.span))]
    return RawSentence(text, toks, quotes, ments, attributions, hedges, matches)


_Found = list[tuple[Cue, int, int]]  # a cue and its first and last token


def _cues(
    text: str, toks: list[Token], quotes: list[Span], matches: dict[str, list[TokenRange]]
) -> tuple[_Found, list[Cue], frozenset[int]]:
    """The reporting and dispute cues outside quotations, in order; the hedges; the hedges' tokens."""
    if not matches.get("reporting_verbs") and not matches.get("dispute_cues") and not matches.get("hedges"):
        return [], [], frozenset()

    def cue_list(name: str, kind: str) -> _Found:
        found = []
        for a, b in matches.get(name, ()):
            s, e = toks[a].start, toks[b].end
            if not inside(quotes, s, e):
                found.append((Cue((s, e), text[s:e], kind), a, b))
        return found

    disputes = cue_list("dispute_cues", DISPUTE)
    hedges_found = cue_list("hedges", HEDGE)
    hedges = [c for c, _, _ in hedges_found]
    dispute_tokens = {i for _, a, b in disputes for i in range(a, b + 1)}
    hedged = frozenset(i for _, a, b in hedges_found for i in range(a, b + 1))
    reporting = [
        (c, a, b)
        for c, a, b in cue_list("reporting_verbs", REPORTING)
        if not noun_or_name(toks, a, b, c.text) and not any(i in dispute_tokens or i in hedged for i in range(a, b + 1))
    ]
    # "Questioned by the prosecution, she said ...": a participle that opens the sentence disputes nothing
    # and one that is negated ("is not disputing", "did not deny") disputes nothing either
    skip = {0} if len(toks) > 1 and toks[1].lower == "by" else set()
    negated = {a for _, a, _ in disputes if any(t.lower in _NEGATORS for t in toks[max(0, a - 2) : a])}
    kept = [
        (c, a, b)
        for c, a, b in disputes
        if not noun_or_name(toks, a, b, c.text) and a not in skip and not literal_dispute(toks, a, b)
    ]
    # a negated dispute states where its subject stands ("the US is not disputing that ..."): a reporting cue
    reporting += [(Cue(c.span, c.text, REPORTING), a, b) for c, a, b in kept if a in negated]
    disputes = [(c, a, b) for c, a, b in kept if a not in negated]
    # a dispute word that is the subject of a reporting verb ("Fact-checkers found ...") is its source, not a cue
    reporting_starts = {a for _, a, _ in reporting}
    single_modifiers = _single_modifiers()
    subjects = set()
    for _c, a, b in disputes:
        j = b + 1
        while j < len(toks) and toks[j].lower in single_modifiers:
            j += 1
        if j in reporting_starts:
            subjects.add(a)
    disputes = [(c, a, b) for c, a, b in disputes if a not in subjects]
    return sorted(reporting + disputes, key=lambda x: x[1]), hedges, hedged


def _attribution(
    text: str,
    toks: list[Token],
    ments: list[Mention],
    quotes: list[Span],
    cue: Cue,
    a: int,
    b: int,
    by_end: dict[int, RawAttribution],
    earlier: list[RawAttribution],
    stops: frozenset[int],
) -> RawAttribution:
    """The cue at tokens [a, b] with its source phrase; ``by_end`` holds the reporting cues so far by their last
    token, ``earlier`` the sentence's attributions so far, ``stops`` the tokens of every cue and hedge."""
    folded = fold(cue.text)
    words = source_words()
    passive = cue.kind == DISPUTE and (folded in words.passive_disputes or bool(_PASSIVE_HINT.search(folded)))
    before = _skip_modifiers(toks, a)
    if cue.kind == DISPUTE and before in by_end:
        # "Fact-checkers found no evidence": the reporting verb's source disputes
        return RawAttribution(cue, by_end[before].source, False)
    if folded.startswith(_PREPOSED):
        # "according to X"; "according to figures in its annual report" (a longer lexicon phrase)
        start = a + 2 if folded != _PREPOSED else b + 1
        return RawAttribution(cue, _after(text, toks, start, ments, apposition=True), passive)
    if cue.text.lower().startswith("in a"):
        return RawAttribution(cue, None, passive)
    if a > 0 and toks[a - 1].lower in words.be_forms and cue.kind == REPORTING:
        # "he was accused of": passive; the source, if any, is the agent after "by"
        agent = (
            _after(text, toks, b + 2, ments, apposition=False)
            if b + 1 < len(toks) and toks[b + 1].lower == "by"
            else None
        )
        return RawAttribution(cue, agent, passive)
    if (toks[a].lower.endswith("ing") and a > 0 and toks[a - 1].text == ",") or (
        0 <= before < len(toks) and toks[before].lower == "and" and earlier
    ):
        # "X disputed that, saying ...", "X confirmed it ... and said ...": the main clause's source
        sources = [r.source for r in earlier if r.source is not None]
        return RawAttribution(cue, sources[-1] if sources else None, passive)
    src = _subject(text, toks, a, ments, quotes, stops)
    if src is None and not passive:
        src = _inverted(text, toks, a, b, ments)
    return RawAttribution(cue, src, passive)


@cache
def _single_modifiers() -> frozenset[str]:
    return frozenset(m[0] for m in source_words().modifiers.items if len(m) == 1)


def _skip_modifiers(toks: list[Token], i: int) -> int:
    """Index of the last token before ``i`` that is not an auxiliary or adverb from ``verb_modifiers``."""
    mods = source_words().modifiers
    j = i - 1
    while j >= 0:
        for size in mods.lengths:
            k = j - size + 1
            if k >= 0 and tuple(t.lower for t in toks[k : j + 1]) in mods.items:
                j = k - 1
                break
        else:
            break
    return j


def _subject(
    text: str, toks: list[Token], a: int, ments: list[Mention], quotes: list[Span], stops: frozenset[int] = frozenset()
) -> RawSource | None:
    j = _skip_modifiers(toks, a)
    while j >= 0 and j in stops and toks[j].lower not in source_words().pronouns:
        # "Alan F. Bright, who ..., is reported to have pledged": look before the hedge
        while j >= 0 and j in stops:
            j -= 1
        j = _skip_modifiers(toks, j + 1)
    if j < 0 or inside(quotes, toks[j].start, toks[j].end):
        return None
    if toks[j].lower in source_words().pronouns:
        return RawSource((toks[j].start, toks[j].end), toks[j].text, PRONOUN, toks[j].lower, False)
    if toks[j].lower == "who":
        # "A woman who said she ..." : the noun phrase before "who"
        return _left_phrase(text, toks, j - 1, ments, stops)
    if toks[j].text == ",":
        return _before_apposition(text, toks, j, ments, stops)
    return _left_phrase(text, toks, j, ments, stops)


def _plural_possessive(toks: list[Token], i: int) -> bool:
    """``toks[i]`` is the apostrophe of a plural possessive ("Landlords' Association")."""
    t = toks[i]
    return t.text in "'’" and i > 0 and toks[i - 1].end == t.start and toks[i - 1].text.endswith("s")


def _left_phrase(text: str, toks: list[Token], j: int, ments: list[Mention], stops: frozenset[int]) -> RawSource | None:
    """The phrase ending at ``toks[j]``, back to the nearest clause boundary."""
    i = j
    while i >= 0 and j - i < _MAX_SUBJECT:
        t = toks[i]
        if _plural_possessive(toks, i):
            i -= 1  # "Landlords' Association"
            continue
        if (
            t.text in _BOUNDARY_PUNCT
            or t.lower in source_words().clause_words
            or i in stops
            or (not t.is_word and t.text != ".")
        ):
            break
        i -= 1
    if j - i >= _MAX_SUBJECT or i == j:
        return None
    return _phrase(text, toks, i + 1, j, ments)


def _before_apposition(
    text: str, toks: list[Token], comma: int, ments: list[Mention], stops: frozenset[int]
) -> RawSource | None:
    """``Dr. Simon Aske, a collision analyst who ..., described``; ``The area's MP, Fiona Marsh, called``: the
    comma-separated segments before the verb (at most three): the first that is a name, else the first that is a
    source at all."""
    segments: list[tuple[int, int]] = []
    end = comma - 1
    i = end
    while i >= 0 and len(segments) < 3:
        t = toks[i]
        if t.text == "," or i == 0:
            start = i if i == 0 and t.text != "," else i + 1
            if start <= end:
                segments.append((start, end))
            end = i - 1
            if i == 0:
                break
        elif t.text in ';:()“”‘’"' or i in stops:
            if i in stops:
                # "Talbot Mining, rumoured to be weighing a sale, said": a segment with a cue or hedge is not the
                # source; the one before its comma may be
                k = i - 1
                while k >= 0 and toks[k].text not in ',;:()“”‘’"':
                    k -= 1
                if k >= 0 and toks[k].text == ",":
                    end = i = k - 1
                    continue
            if i + 1 <= end:
                segments.append((i + 1, end))
            break
        i -= 1
    phrases = [p for st, en in reversed(segments) if (p := _phrase(text, toks, st, en, ments)) is not None]
    named = [p for p in phrases if p.kind == NAME]
    return named[0] if named else (phrases[0] if phrases else None)


def _inverted(text: str, toks: list[Token], a: int, b: int, ments: list[Mention]) -> RawSource | None:
    """``"...," said Dermot Quill`` / ``, said the company``: the subject after the verb."""
    prev = toks[a - 1] if a > 0 else None
    if prev is not None and prev.is_word:
        return None
    return _after(text, toks, b + 1, ments, apposition=False)


def _after(text: str, toks: list[Token], i: int, ments: list[Mention], *, apposition: bool) -> RawSource | None:
    j = i
    while j < len(toks) and j - i < _MAX_SUBJECT:
        t = toks[j]
        if t.text in _BOUNDARY_PUNCT or t.text in ".!?" or t.lower in source_words().clause_words:
            break
        j += 1
    if j == i:
        return None
    src = _phrase(text, toks, i, j - 1, ments)
    # "according to a senior official, General Kyrlo Budanov, ..."
    if apposition and src is not None and src.kind not in (NAME,) and j < len(toks) and toks[j].text == ",":
        for m in ments:
            if m.first_token == j + 1 and (m.last_token + 1 >= len(toks) or toks[m.last_token + 1].text in ",.;"):
                return RawSource(m.span, m.text, NAME, fold(m.name), False, m)
    return src


def _phrase(text: str, toks: list[Token], i: int, j: int, ments: list[Mention]) -> RawSource | None:
    """Classify the noun phrase ``toks[i..j]`` (inclusive)."""
    while i <= j and (
        toks[i].lower in source_words().name_stopwords
        and toks[i].lower not in source_words().determiners
        and toks[i].lower not in _INDEFINITE
    ):
        i += 1  # "But Budanov", "Despite this", "Yesterday" (not "Another banker")
    while i <= j and not toks[j].is_word:
        j -= 1
    if i > j:
        return None
    # "the ...", or a possessive before the head: "Tony Blair's official spokesman", "the firm's lawyer"
    definite = toks[i].lower in source_words().definite or any(t.text.endswith(("'s", "’s")) for t in toks[i:j])
    body = i
    while body <= j and toks[body].lower in source_words().determiners:
        body += 1
    if body > j:
        return None
    # core: up to the first preposition / participle after the head
    core_end = j
    for k in range(body + 1, j + 1):
        t = toks[k]
        if t.lower in source_words().phrase_end or (not t.is_capitalised and t.lower.endswith("ed") and k > body):
            core_end = k - 1
            break
    span = (toks[i].start, toks[j].end)
    surface = text[span[0] : span[1]]
    core_words = " ".join(fold(t.text) for t in toks[body : core_end + 1] if t.is_word).split()
    core = " ".join(core_words)
    head = toks[core_end]
    if len(core_words) == 1 and core_words[0] in source_words().pronouns:
        return RawSource(span, surface, PRONOUN, core, definite)
    indefinite = toks[i].lower in _INDEFINITE  # "a lobbyist", "one banker": no one the reader could look up
    # a capital that opens the sentence says nothing about a name ("Correspondents say"); a surname there
    # ("Williams said") is told apart in the article (annotator.attribution.resolution)
    kind = kind_of(core_words, definite, capitalised=head.is_capitalised and core_end > 0, indefinite=indefinite)
    if head.is_capitalised:
        # a name heads the phrase: the last mention ending at the head ("Ukraine's Lt General Kyrlo Budanov"),
        # unless it is one capitalised common noun ("Residents of the estate", "Analysts")
        for m in reversed(ments):
            if m.last_token == core_end and m.first_token >= i and not m.possessive:
                if kind is None or m.n_words >= 2 or m.titles:
                    return RawSource(m.span, m.text, NAME, fold(m.name), m.after_the or definite, m)
                break
    if kind is None:
        return None
    if kind == COLLECTIVE:
        firm = affiliated_body(core_words, toks, core_end, j, ments)  # "Analysts at Harmon Keene": the firm speaks
        if firm is not None:
            return RawSource(firm.span, firm.text, ORGANISATION, fold(firm.name), firm.after_the, firm)
    return RawSource(span, surface, kind, core, definite)

"""The cue analysis of one sentence: cues, sources and quotations, and the feature row they make.

:func:`analyse` reads one sentence with the word lists of ``schemas/lexicon.json`` and finds the cues (reporting
verbs and "according to", hedges, dispute cues, a negated verification such as "could not verify") and, for each
reporting or dispute cue, the source next to it: a named person or organisation (a run of capitalised words), a
role or body ("the health ministry", "the coroner"), an anonymous or collective source ("officials", "a senior
Ukrainian official") or a pronoun. Spans are end-exclusive character offsets into the sentence. The word lists are
indexed in :mod:`annotator.attribution.phrase_index`; the tokens and the source's noun phrase are found by
:mod:`annotator.attribution.source_phrase`.

Pure Python with no scikit-learn import (the prediction path loads without it), compiled by mypyc at build time
(``setup.py``). :mod:`annotator.classifier.features` wraps it in a scikit-learn transformer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from annotator.attribution.phrase_index import CUE_LISTS, PhraseIndex, index_key, indexed, lexicon_words
from annotator.attribution.source_phrase import (
    ANONYMOUS,
    NAMED,
    PRONOUN,
    ROLE,
    SentenceTokens,
    Span,
    phrase_after,
    phrase_before,
    source_kind,
)

__all__ = [
    "ACCORDING",
    "ANONYMOUS",
    "DISPUTE",
    "FEATURES",
    "HEDGE",
    "NAMED",
    "NOT_VERIFIED",
    "PRONOUN",
    "REPORT",
    "ROLE",
    "Analysis",
    "CueSpan",
    "SourceSpan",
    "analyse",
    "explain",
    "features_of",
    "merged",
]

# Quotations: curly and straight double quotes, curly single quotes (a closing ’ followed by a letter is an
# apostrophe), guillemets; an unclosed quote runs to the end, and a sentence that starts inside a quotation
# (a continued paragraph) has its quote run from the start to the closing mark.
_QUOTED = re.compile(
    r"“[^“”]*(?:”|$)|\"[^\"]*(?:\"|$)|‘(?:[^‘’]|’(?=\w))*(?:’|$)|«[^«»]*(?:»|$)|^[^“”\"]*”",
)
_CLOSERS = '”"’)] \t\n'

# Cue kinds (the lexicon list each comes from); the source kinds (NAMED, ROLE, ANONYMOUS, PRONOUN) are
# annotator.attribution.source_phrase's.
REPORT, ACCORDING, HEDGE, DISPUTE, NOT_VERIFIED = "report", "according_to", "hedge", "dispute", "not_verified"

FEATURES: tuple[str, ...] = (
    "report",  # a reporting verb or phrase (said, told, in a statement...)
    "according_to",
    "quote",  # a quotation
    "quote_speaker",  # a quotation and a reporting cue outside it
    "source_named",  # a reporting or dispute cue with a capitalised name next to it
    "source_role",  # ... with a role or body (the ministry, the coroner, the report)
    "source_anonymous",  # ... with an anonymous or collective source (officials, a senior official)
    "source_pronoun",  # ... with a pronoun (he said)
    "report_without_source",  # a reporting cue with no source found next to it
    "anonymous_any",  # an anonymous or collective source anywhere
    "hedge",  # reportedly, allegedly, is said to, appears to... (outside quotations)
    "hedge_quoted",  # a hedge inside a quotation
    "dispute",  # denied, rejected, no evidence, false... (outside quotations)
    "dispute_quoted",  # a dispute cue inside a quotation
    "not_verified",  # a negation shortly before a verification word: could not verify, no evidence, failed to provide
    "no_cue",  # none of the cues above
    "no_final_punctuation",  # headline or caption style
    "question",
)
_INDEX = {name: i for i, name in enumerate(FEATURES)}
#: the kind of cue each cue list's entries are (in the order of phrase_index.CUE_LISTS)
_CUE_KINDS = dict(zip(CUE_LISTS, (REPORT, HEDGE, DISPUTE, ANONYMOUS), strict=True))
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})  # before a listener verb: the passive
_NEGATION_WINDOW = 3  # tokens between a negation and the verification word it negates
_BY_SPAN = itemgetter(1)  # CueSpan.span
#: the feature each cue kind sets (inside a quotation, hedges and dispute cues set their "_quoted" feature)
_CUE_FEATURE = {
    REPORT: "report",
    ACCORDING: "according_to",
    HEDGE: "hedge",
    DISPUTE: "dispute",
    NOT_VERIFIED: "not_verified",
}


class CueSpan(NamedTuple):
    """A cue: its kind (:data:`REPORT`, :data:`ACCORDING`, :data:`HEDGE`, :data:`DISPUTE`, :data:`NOT_VERIFIED`),
    its span, and whether it stands inside a quotation."""

    kind: str
    span: Span
    quoted: bool = False


class SourceSpan(NamedTuple):
    """A source: its kind (:data:`NAMED`, :data:`ROLE`, :data:`ANONYMOUS`, :data:`PRONOUN`), its span, and the
    span of the cue it stands behind."""

    kind: str
    span: Span
    cue: Span


class Analysis(NamedTuple):
    """What :func:`analyse` found in one sentence, and its ``words`` as scikit-learn's ``TfidfVectorizer`` tokenises
    them (lower-case runs of two or more word characters), for the n-gram features."""

    cues: tuple[CueSpan, ...]
    sources: tuple[SourceSpan, ...]
    quotes: tuple[Span, ...]
    features: tuple[float, ...]
    words: list[str]


def _quoted(spans: Sequence[Span], start: int) -> bool:
    return any(a <= start < b for a, b in spans)


def analyse(text: str, words: Mapping[str, Sequence[str]] | None = None) -> Analysis:
    """Cues, sources, quotations and feature values of one sentence.

    Parameters
    ----------
    text : str
        The sentence.
    words : mapping, optional
        Lexicon lists (name -> entries); default: the shipped ``schemas/lexicon.json``.

    Returns
    -------
    Analysis
        ``cues`` and ``sources`` with end-exclusive character spans into ``text``; ``features`` in the order of
        :data:`FEATURES`.
    """
    lex = indexed(index_key(words if words is not None else lexicon_words()))
    return _analyse(text, lex)


def _analyse(text: str, lex: PhraseIndex) -> Analysis:
    """:func:`analyse` with the word lists already indexed (what a fitted transformer calls)."""
    s = SentenceTokens(text)
    quotes = (
        tuple(m.span() for m in _QUOTED.finditer(text) if m.end() > m.start())
        if "“" in text or '"' in text or "‘" in text or "«" in text or "”" in text  # any quotation mark
        else ()
    )
    f = [0.0] * len(FEATURES)
    cues: list[CueSpan] = []
    sources: list[SourceSpan] = []
    anonymous_any = False
    found_all = lex.all_matches(s.low)
    if found_all:
        s.locate()
        anonymous_any = _cue_matches(s, found_all, quotes, lex, f, cues, sources)
        _not_verified(s, found_all, quotes, f, cues)
    _sentence_features(text, quotes, cues, anonymous_any, f)
    if len(cues) > 1:
        cues.sort(key=_BY_SPAN)
    return Analysis(tuple(cues), tuple(sources), quotes, tuple(f), s.ngram_words())


_Matches = dict[str, list[tuple[int, int, tuple[str, ...]]]]


def _cue_matches(
    s: SentenceTokens,
    found_all: _Matches,
    quotes: tuple[Span, ...],
    lex: PhraseIndex,
    f: list[float],
    cues: list[CueSpan],
    sources: list[SourceSpan],
) -> bool:
    """Add the cues of the cue lists' matches to ``cues`` and their sources to ``sources``, and set their features
    in ``f``; whether an anonymous source stands anywhere."""
    anonymous_any = False
    for name, kind in _CUE_KINDS.items():
        for i, j, phrase in found_all.get(name, ()):
            if kind == ANONYMOUS:
                anonymous_any = True
                continue
            span = s.span(i, j)
            quoted = _quoted(quotes, span[0])
            kind_here = ACCORDING if kind == REPORT and phrase[:2] == lex.according else kind
            cues.append(CueSpan(kind_here, span, quoted))
            if kind_here == HEDGE:
                f[_INDEX["hedge_quoted" if quoted else "hedge"]] = 1.0
                continue
            if kind_here == DISPUTE:
                f[_INDEX["dispute_quoted" if quoted else "dispute"]] = 1.0
                if quoted:
                    continue
            elif quoted:
                continue
            else:
                f[_INDEX["report"]] = 1.0
                if kind_here == ACCORDING:
                    f[_INDEX["according_to"]] = 1.0
            _find_source(s, i, j, phrase, kind_here, lex, f, sources)
    return anonymous_any


def _find_source(
    s: SentenceTokens,
    i: int,
    j: int,
    phrase: tuple[str, ...],
    kind: str,
    lex: PhraseIndex,
    f: list[float],
    sources: list[SourceSpan],
) -> None:
    """The source of the reporting or dispute cue at tokens [i, j) (the phrase before it, or after it when the
    cue comes first or is passive), added to ``sources``, its feature set in ``f``."""
    low = s.low
    passive = phrase in lex.listener and i > 0 and low[i - 1] in _BE  # "residents were told": listeners
    found = None if kind == ACCORDING or passive else phrase_before(s, i, lex)
    if j < s.n and low[j] == "by" and s.joined(j - 1, lex):
        found = phrase_after(s, j + 1, lex)  # passive: "was contradicted by Home Office data"
    if (
        found is None
        and kind != DISPUTE
        and phrase not in lex.listener
        and (kind == ACCORDING or i == 0 or not s.joined(i - 1, lex))
    ):
        found = phrase_after(s, j, lex)
    found_kind = source_kind(s, *found, lex) if found else None
    if found and found_kind:
        source_span = s.span(*found)
        if not any(src.span == source_span for src in sources):
            sources.append(SourceSpan(found_kind, source_span, s.span(i, j)))
        f[_INDEX["source_" + found_kind]] = 1.0
    elif kind != DISPUTE:
        f[_INDEX["report_without_source"]] = 1.0


def _not_verified(
    s: SentenceTokens, found_all: _Matches, quotes: tuple[Span, ...], f: list[float], cues: list[CueSpan]
) -> None:
    """A negation shortly before a verification word ("could not independently verify", "no evidence"): a cue."""
    negations = found_all.get("negations")
    if not negations:
        return
    verifications = found_all.get("verification_words", [])
    for a, b, _ in negations:
        # the negation up to the last verification word in reach: "has not provided any evidence"
        end = b
        for va, vb, _ in verifications:
            if 0 <= va - end <= _NEGATION_WINDOW:
                end = vb
        if end == b:
            continue
        span = (s.starts[a], s.ends[end - 1])
        quoted = _quoted(quotes, span[0])
        cues.append(CueSpan(NOT_VERIFIED, span, quoted))
        if not quoted:
            f[_INDEX["not_verified"]] = 1.0


def _sentence_features(
    text: str, quotes: tuple[Span, ...], cues: list[CueSpan], anonymous_any: bool, f: list[float]
) -> None:
    """The features of the whole sentence: anonymous source, quotation, no cue, final punctuation, question."""
    if anonymous_any:
        f[_INDEX["anonymous_any"]] = 1.0
    if quotes:
        f[_INDEX["quote"]] = 1.0
        if any(c.kind in (REPORT, ACCORDING) and not c.quoted for c in cues):
            f[_INDEX["quote_speaker"]] = 1.0
    if not cues and not anonymous_any:
        f[_INDEX["no_cue"]] = 1.0
    stripped = text.rstrip()
    last = stripped.rstrip(_CLOSERS)[-1:]
    if not (last in (".", "!", "?", "…") or (last and stripped[-1] in '”"’')):
        f[_INDEX["no_final_punctuation"]] = 1.0
    if last == "?":
        f[_INDEX["question"]] = 1.0


def features_of(analyses: Sequence[Analysis]) -> NDArray[np.float64]:
    """The feature rows of analyses, as one (n, len(FEATURES)) array."""
    if not analyses:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    return np.array([a.features for a in analyses], dtype=np.float64)


def explain(a: Analysis, positive: frozenset[str]) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """The (source spans, cue spans) of ``a`` whose features are in ``positive`` (those that push towards a class:
    a positive coefficient), in order, overlapping spans joined. A source shows when its own feature is positive,
    or when the cue it stands behind shows; a positive source feature shows its cue too."""
    if not a.cues:  # no cue, no source (every source stands behind a cue)
        return (), ()
    cues: set[Span] = set()
    sources: set[Span] = set()
    for cue in a.cues:
        name = _CUE_FEATURE[cue.kind]
        if cue.quoted and cue.kind in (HEDGE, DISPUTE):
            name += "_quoted"
        if name in positive:
            cues.add(cue.span)
    for src in a.sources:
        if "source_" + src.kind in positive:
            sources.add(src.span)
            cues.add(src.cue)
        elif src.cue in cues:
            sources.add(src.span)
    return merged(sources), merged(cues)


def merged(spans: set[Span]) -> tuple[Span, ...]:
    """Spans in order, overlapping ones joined ("no evidence" within "no evidence to support")."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return tuple(out)

"""The one analysis of who stands behind each sentence of an article: read once, resolved across the article.

:func:`analyse_article` reads every sentence with :func:`annotator.attribution.cues.analyse_sentence` (tokens,
quotations, name mentions, reporting / dispute / hedge cues and the source phrase of each cue) and
:func:`annotator.attribution.signals.signals` (cues inside quotations, negated verification, anonymous phrases),
then types and resolves the sources across the article with the source finder of the ledger
(:func:`annotator.attribution.sources.attribute_read`: names as persons, organisations or outlets, documents,
unique roles, anonymous and collective sources; "he", "she", "it", "the company", "the ministry" resolved to the
source they stand for). On top of that it follows the article's quotations: a sentence that continues a quotation
of an earlier sentence (a quotation carried over into the next paragraph, or a quote-only sentence right after a
quoted speaker) is credited to that speaker; "they" said is credited to the article's last plural source.

The classifier's features (:data:`FEATURES`, :func:`features_of`) and the ledger, drift and report read this same
analysis. A sentence analysed alone (:func:`analyse_texts` without articles) gets the same analysis with no
context: no earlier speaker, no antecedent for a pronoun.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import replace
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from annotator.attribution.cues import analyse_sentence
from annotator.attribution.kinds import ANONYMOUS, COLLECTIVE, DISPUTE, DOCUMENT, PERSON, REPORTING
from annotator.attribution.records import ArticleInput, SentenceSources, Source
from annotator.attribution.signals import Signals, signals
from annotator.attribution.sources import attribute_read

Span = tuple[int, int]

#: the analyser's version, recorded on every model card: a model predicts only with the analysis it was trained on
ANALYSER_VERSION = "4"

FEATURES: tuple[str, ...] = (
    "report",  # a reporting verb or phrase outside quotations (said, told, in a statement...)
    "according_to",
    "quote",  # a quotation
    "quote_speaker",  # a quotation and a reporting cue with a source outside it
    "source_named",  # a cue's source is a named person, organisation or outlet
    "source_document",  # ... a document, report, filing or dataset
    "source_role",  # ... a definite role or body not named in the article ("the company", "the coroner")
    "source_resolved",  # ... a pronoun or role that stands for a named source earlier in the article
    "source_anonymous",  # ... an anonymous source ("a senior official", "people familiar with")
    "source_collective",  # ... a collective source ("analysts", "residents", "rights groups")
    "source_pronoun",  # ... a pronoun with no antecedent in reach
    "report_without_source",  # a reporting cue with no source found
    "anonymous_any",  # an anonymous or collective phrase anywhere outside quotations
    "hedge",  # reportedly, allegedly, is said to, appears to... (outside quotations), with no named source
    "hedge_named",  # ... in a sentence whose reporting cue has a named source: attributed beats unverified
    "hedge_quoted",
    "dispute",  # denied, rejected, baseless, no evidence... (outside quotations)
    "dispute_quoted",  # a dispute cue inside a quotation: contested whoever says it
    "not_verified",  # a negated verification: could not verify, has not provided any evidence
    "not_verified_quoted",
    "rebuttal",  # a phrase that denies, doubts or corrects without a dispute word (simply wrong, a fantasy)
    "rebuttal_quoted",
    "continues_named",  # the sentence continues a quotation whose speaker is named (or resolved to a name)
    "continues_anonymous",  # ... whose speaker is anonymous or collective
    "continues_unknown",  # ... whose speaker is not known
    "no_cue",  # no cue and no anonymous phrase
    "no_final_punctuation",  # headline or caption style
    "question",
)
_INDEX = {name: i for i, name in enumerate(FEATURES)}
_NAMED_FEATURES = frozenset({"source_named", "source_document", "source_role", "source_resolved"})
_CLOSERS = '”"’)] \t\n'
_WORDS = re.compile(r"\b\w\w+\b")  # scikit-learn's TfidfVectorizer tokens, for the n-gram features
_THEY = re.compile(r"\bthey(?:\s+(?:have|had|also|later|then|previously|would|will|all|both|each))*\s*$", re.I)
_CONTINUE_REACH = 2  # a quote-only sentence continues a quotation at most this many sentences before it


class SentenceAnalysis(NamedTuple):
    """One sentence of an article, analysed: its ``sources`` (cues and resolved sources, as the ledger reads
    them), its ``signals``, its quotation ``quotes``, the speaker of the quotation it continues (``continues``;
    None when it continues none, a :class:`Source` with no key when the speaker is unknown), the feature row
    (:data:`FEATURES`) and its ``words`` as scikit-learn's ``TfidfVectorizer`` tokenises them."""

    sources: SentenceSources
    signals: Signals
    quotes: tuple[Span, ...]
    continues: Source | None
    features: tuple[float, ...]
    words: list[str]

    @property
    def text(self) -> str:
        return self.sources.text


_UNKNOWN_SPEAKER = Source((0, 0), "", None)


def analyse_article(
    sentences: Sequence[str], *, article_id: str = "article", outlet: str | None = None
) -> list[SentenceAnalysis]:
    """The analysis of each sentence of one article, in order (see the module docstring)."""
    raws = [analyse_sentence(text) for text in sentences]
    art = ArticleInput(article_id, [(str(i), t) for i, t in enumerate(sentences)], outlet)
    result, _ = attribute_read([(art, raws)], targets=False)
    found = result[article_id]
    out: list[SentenceAnalysis] = []
    speaker: Source | None = None  # the speaker of the latest quotation
    since = _CONTINUE_REACH  # sentences between that quotation and this sentence
    open_quote = False  # a quotation left open at the end of the previous sentence
    plural: Source | None = None  # the latest non-person source, for "they"
    named: Source | None = None  # the latest named source, for a "he" or "she" the source finder left open
    for raw, found_raw in zip(raws, found, strict=True):
        sig = signals(raw)
        found_here = _pronouns(found_raw, plural, named)
        quotes = tuple(raw.quotes)
        own = _reporting_source(found_here)
        continues = None
        spoken = _quote_led(raw.text, quotes)  # a quotation, not a phrase in scare quotes
        if own is None and (open_quote or (spoken and since < _CONTINUE_REACH and not _has_reporting(found_here))):
            continues = speaker if speaker is not None else _UNKNOWN_SPEAKER
        if open_quote or spoken or (quotes and own is not None):
            speaker = own if own is not None else continues
            since = 0
        else:
            since += 1
        open_quote = _left_open(raw.text)
        for a in found_here.attributions:
            if a.source is not None and a.source.key is not None:
                if a.source.type != PERSON:
                    plural = a.source
                if source_feature(a.source) in _NAMED_FEATURES:
                    named = a.source
        feats = _features(found_here, sig, quotes, continues, own is not None)
        out.append(SentenceAnalysis(found_here, sig, quotes, continues, feats, _WORDS.findall(raw.text.lower())))
    return out


def analyse_texts(texts: Sequence[str], articles: Sequence[Hashable] | None = None) -> list[SentenceAnalysis]:
    """:func:`analyse_article` over texts grouped by ``articles`` (one key per text: consecutive texts with the same
    key are one article, in order); None: every text alone."""
    if articles is None:
        return [analyse_article([t])[0] for t in texts]
    if len(articles) != len(texts):
        raise ValueError(f"articles has {len(articles)} keys for {len(texts)} texts")
    out: list[SentenceAnalysis] = []
    start = 0
    for i in range(1, len(texts) + 1):
        if i == len(texts) or articles[i] != articles[start]:
            out.extend(analyse_article(texts[start:i], article_id=f"a{start}"))
            start = i
    return out


def _quote_led(text: str, quotes: tuple[Span, ...]) -> bool:
    """Whether the sentence is mostly quoted speech opening the sentence ("“It will take years.”"), as opposed to a
    sentence with a phrase in scare quotes ("what is known as the ‘Primakov Doctrine’")."""
    if not quotes or quotes[0][0] != 0:
        return False
    return sum(end - start for start, end in quotes) * 2 >= len(text.strip())


def _has_reporting(s: SentenceSources) -> bool:
    return any(a.cue.kind == REPORTING for a in s.attributions)


def _reporting_source(s: SentenceSources) -> Source | None:
    """The source of the sentence's first reporting cue, if it has one."""
    for a in s.attributions:
        if a.cue.kind == REPORTING and a.source is not None:
            return a.source
    return None


def _pronouns(s: SentenceSources, plural: Source | None, named: Source | None) -> SentenceSources:
    """Pronouns the source finder leaves open: "they said" is credited to the article's last plural source; a
    "he" or "she" with no person in reach (a surname alone, never written in full) to its last named source."""
    atts = []
    changed = False
    for a in s.attributions:
        src = a.source
        found: Source | None = None
        if a.cue.kind == REPORTING and (src is None or src.text.lower() == "they"):
            m = _THEY.search(s.text, 0, a.cue.span[0])
            if m is not None and plural is not None:
                span = (m.start(), m.start() + 4)
                found = replace(plural, span=span, text=s.text[span[0] : span[1]], resolved_from="pronoun")
        elif src is not None and src.key is None and src.text.lower() in ("he", "she") and named is not None:
            found = replace(named, span=src.span, text=src.text, resolved_from="pronoun")
        if found is not None:
            changed = True
        atts.append(a if found is None else replace(a, source=found))
    return replace(s, attributions=tuple(atts)) if changed else s


def _left_open(text: str) -> bool:
    """Whether ``text`` opens a quotation that it does not close: a quotation carried into the next paragraph,
    whose first sentence continues it (news copy leaves the paragraph's quote open and opens the next paragraph
    with a new quotation mark)."""
    opens, closes = text.count("“"), text.count("”")
    lead = text.lstrip()
    # straight quotes pair up by count; one that opens the sentence must be followed by a word ('" He said' closes)
    straight = text.count('"') % 2 == 1 and lead[:1] == '"' and lead[1:2].isalnum()
    return opens > closes or straight


def source_feature(src: Source | None) -> str | None:
    """The feature a cue's source sets (see :data:`FEATURES`), or None."""
    if src is None:
        return None
    if src.type == ANONYMOUS:
        return "source_anonymous"
    if src.type == COLLECTIVE:
        return "source_collective"
    if src.key is None:
        return "source_pronoun"
    if src.resolved_from is not None:
        return "source_resolved"
    if src.type == DOCUMENT:
        return "source_document"
    if src.key.startswith(("org-role@", "person-role@")):
        return "source_role"
    return "source_named"


def _features(
    s: SentenceSources, sig: Signals, quotes: tuple[Span, ...], continues: Source | None, has_speaker: bool
) -> tuple[float, ...]:
    f = [0.0] * len(FEATURES)
    named_report = False  # a reporting cue with a named source: a hedge beside it is "hedge_named"
    for a in s.attributions:
        if a.cue.kind == REPORTING:
            f[_INDEX["report"]] = 1.0
            if a.cue.text.lower().startswith("according"):
                f[_INDEX["according_to"]] = 1.0
        else:
            f[_INDEX["dispute"]] = 1.0
        name = source_feature(a.source)
        if name is not None:
            f[_INDEX[name]] = 1.0
            named_report = named_report or (a.cue.kind == REPORTING and name in _NAMED_FEATURES)
        elif a.cue.kind == REPORTING:
            f[_INDEX["report_without_source"]] = 1.0
    if s.hedges:
        f[_INDEX["hedge_named" if named_report else "hedge"]] = 1.0
    for c in sig.quoted:
        f[_INDEX["dispute_quoted" if c.kind == DISPUTE else "hedge_quoted"]] = 1.0
    if sig.checks:
        f[_INDEX["not_verified"]] = 1.0
    if sig.quoted_checks:
        f[_INDEX["not_verified_quoted"]] = 1.0
    if sig.rebuttals:
        f[_INDEX["rebuttal"]] = 1.0
    if sig.quoted_rebuttals:
        f[_INDEX["rebuttal_quoted"]] = 1.0
    if sig.anonymous:
        f[_INDEX["anonymous_any"]] = 1.0
    if quotes:
        f[_INDEX["quote"]] = 1.0
        if has_speaker:
            f[_INDEX["quote_speaker"]] = 1.0
    if continues is not None:
        name = source_feature(continues) if continues.key is not None else None
        if name in _NAMED_FEATURES:
            f[_INDEX["continues_named"]] = 1.0
        elif name in ("source_anonymous", "source_collective"):
            f[_INDEX["continues_anonymous"]] = 1.0
        else:
            f[_INDEX["continues_unknown"]] = 1.0
    if not s.attributions and not s.hedges and not sig.quoted and not sig.checks and not sig.anonymous:
        f[_INDEX["no_cue"]] = 1.0
    stripped = s.text.rstrip()
    last = stripped.rstrip(_CLOSERS)[-1:]
    if not (last in (".", "!", "?", "…") or (last and stripped[-1] in '”"’')):
        f[_INDEX["no_final_punctuation"]] = 1.0
    if last == "?":
        f[_INDEX["question"]] = 1.0
    return tuple(f)


def features_of(analyses: Sequence[SentenceAnalysis]) -> NDArray[np.float64]:
    """The feature rows of analyses, as one (n, len(FEATURES)) array."""
    if not analyses:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    return np.array([a.features for a in analyses], dtype=np.float64)


def explain(a: SentenceAnalysis, positive: frozenset[str]) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """The (source spans, cue spans) of ``a`` whose features are in ``positive`` (those that push towards a class:
    a positive coefficient), in order, overlapping spans joined. A source shows when its own feature is positive,
    or when the cue it stands behind shows; a positive source feature shows its cue too. An anonymous or collective
    source also shows (with its cue) when ``anonymous_any`` is positive: it is the phrase that sets it."""
    cues: set[Span] = set()
    sources: set[Span] = set()
    anonymous_any = "anonymous_any" in positive and a.signals.anonymous
    for att in a.sources.attributions:
        if att.cue.kind == REPORTING:
            cue_feature = "according_to" if att.cue.text.lower().startswith("according") else "report"
        else:
            cue_feature = "dispute"
        if cue_feature in positive:
            cues.add(att.cue.span)
        src = att.source
        if src is not None and src.span[1] > src.span[0]:
            anonymous = anonymous_any and src.type in (ANONYMOUS, COLLECTIVE) and src.resolved_from is None
            if source_feature(src) in positive or anonymous:
                sources.add(src.span)
                cues.add(att.cue.span)
            elif att.cue.span in cues:
                sources.add(src.span)
    hedge = "hedge_named" if a.features[_INDEX["hedge_named"]] else "hedge"
    for feature, found in (
        (hedge, a.sources.hedges),
        ("not_verified", a.signals.checks),
        ("not_verified_quoted", a.signals.quoted_checks),
        ("rebuttal", a.signals.rebuttals),
        ("rebuttal_quoted", a.signals.quoted_rebuttals),
    ):
        if feature in positive:
            cues.update(c.span for c in found)
    for c in a.signals.quoted:
        if ("dispute_quoted" if c.kind == DISPUTE else "hedge_quoted") in positive:
            cues.add(c.span)
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

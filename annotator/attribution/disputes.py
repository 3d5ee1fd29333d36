"""Who contests whom: the disputer and the contested sources of every dispute cue of an article
(:func:`with_targets`, after its sources are resolved).

Who contests whom
    A dispute cue with an active subject ("Budanov said he could not confirm Zhuravlev's claims", "The company
    denied...") has that subject as the *disputer*; its *targets* are the sources of the article named after the cue
    or in a possessive ("Zhuravlev's"), else the source of the previous sentence's claim. Cues whose subject is
    the claim itself (``passive_dispute_cues``: "could not be verified", "has not provided any evidence") have no
    disputer; their target is that subject when it is a source, else the sentence's own reporting source ("Several
    fishermen said ..., although their accounts could not be independently verified").
"""

from __future__ import annotations

from annotator.attribution.aliases import AliasIndex
from annotator.attribution.cues import RawAttribution, RawSentence
from annotator.attribution.kinds import DISPUTE, DOCUMENT, REPORTING
from annotator.attribution.mentions import inside
from annotator.attribution.records import ArticleInput, Attribution, SentenceSources, Source
from annotator.attribution.resolution import ArticleFacts, type_mention

_PREVIOUS_WINDOW = 2
_TARGET_REACH = 4  # a contested party named this many tokens after the cue ("could not confirm Zhuravlev's")


def _is_source(src: Source | None) -> bool:
    return src is not None and src.key is not None and src.type != DOCUMENT


def with_targets(
    art: ArticleInput,
    sentences: list[RawSentence],
    facts: ArticleFacts,
    index: AliasIndex,
    attributions: list[list[Attribution]],
) -> list[SentenceSources]:
    out: list[SentenceSources] = []
    recent: list[tuple[int, str]] = []  # (sentence index, key of its reporting source)
    known = {a.source.key for atts in attributions for a in atts if a.source is not None and a.source.key}
    for n, ((sid, text), raw, atts) in enumerate(zip(art.sentences, sentences, attributions, strict=True)):
        final: list[Attribution] = []
        reporting = next((a.source for a in atts if a.cue.kind == REPORTING and a.source and a.source.key), None)
        for ra, a in zip(raw.attributions, atts, strict=True):
            if a.cue.kind != DISPUTE:
                final.append(a)
                continue
            final.append(_dispute(ra, a, raw, facts, index, reporting, recent, n, known))
        out.append(SentenceSources(art.article_id, sid, text, tuple(final), tuple(raw.hedges), tuple(raw.mentions)))
        if reporting is not None and reporting.key is not None:
            recent.append((n, reporting.key))
    return out


def _dispute(
    ra: RawAttribution,
    a: Attribution,
    raw: RawSentence,
    facts: ArticleFacts,
    index: AliasIndex,
    reporting: Source | None,
    recent: list[tuple[int, str]],
    n: int,
    known: set[str],
) -> Attribution:
    subject = a.source if _is_source(a.source) else None
    disputer = None if ra.passive or subject is None else subject.key
    targets: list[str] = []
    cue_end = next(i for i, t in enumerate(raw.tokens) if t.end >= a.cue.span[1])
    for m in raw.mentions:
        near = 0 < m.first_token - cue_end <= _TARGET_REACH
        after = m.span[0] >= a.cue.span[1]
        if not ((after and (near or m.possessive)) or (ra.passive and m.possessive)) or inside(raw.quotes, *m.span):
            continue
        _, key, _ = type_mention(m, facts, index)
        if key != disputer and key in known:
            targets.append(key)
            break
    if ra.passive and not targets:
        if subject is not None and subject.key is not None:
            targets.append(subject.key)  # "the US has not provided any evidence"
        elif reporting is not None and reporting.key and reporting.span[0] < a.cue.span[0]:
            targets.append(reporting.key)  # "X said ..., although their accounts could not be verified"
    source = subject if disputer else None
    if ra.passive and reporting is not None and reporting.span[0] > a.cue.span[1]:
        source, disputer = reporting, reporting.key  # "Claims ... were false, the club said."
    if not targets:
        window = 1 if ra.passive else _PREVIOUS_WINDOW
        for m_index, key in reversed(recent):
            if n - m_index <= window and key != disputer:
                targets.append(key)
                break
    return Attribution(a.cue, source, tuple(targets))

"""Who stands behind each sentence's claim, across a corpus: source types, aliases, pronouns and roles (pure).

:func:`attribute` takes the sentences of every article, finds cues and source phrases with
:func:`annotator.attribution.cues.analyse_sentence`, types every source, resolves pronouns and roles, merges aliases
within and
across articles, and finds who contests whom. Spans are end-exclusive character offsets into the sentence text.

Source types
    ``person`` (a name with a title, a name of two to four words never written after "the" in its article, or a
    single word that is the surname of such a name), ``organisation`` (a capitalised name with an organisation word
    or written after "the", a single capitalised word that is nobody's surname such as "Washington", or a definite
    organisation noun: "the regional environment agency"), ``outlet`` (a known outlet name, a name ending in an
    outlet word such as Gazette/Mail/Star, or an outlet seen as an article's source), ``document`` (head noun in
    ``document_words``: "a timeline shared by the firm", "Documents shared by Budanov"), ``anonymous`` (an
    unnamed official or source: "a senior official", "a person familiar with...", "Senior officials in the US"),
    ``collective`` (groups: "analysts", "rights groups", "Several fishermen", "Residents of ...").

Aliases, pronoun and role resolution, and who contests whom are documented where they are done:
:mod:`annotator.attribution.aliases`, :mod:`annotator.attribution.resolution` and
:mod:`annotator.attribution.disputes`; the types returned are in :mod:`annotator.attribution.records`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from annotator.attribution.aliases import AliasIndex, infer_outlet, portable_key, scoped_key
from annotator.attribution.cues import RawSentence, analyse_sentence
from annotator.attribution.disputes import with_targets
from annotator.attribution.kinds import (
    ANONYMOUS,
    COLLECTIVE,
    DISPUTE,
    DOCUMENT,
    HEDGE,
    ORGANISATION,
    OUTLET,
    PERSON,
    REPORTING,
    SOURCE_TYPES,
)
from annotator.attribution.records import ArticleInput, Attribution, SentenceSources, Source
from annotator.attribution.resolution import ArticleFacts, resolve_sources

__all__ = [
    "ANONYMOUS",
    "ANONYMOUS_TYPES",
    "COLLECTIVE",
    "DISPUTE",
    "DOCUMENT",
    "HEDGE",
    "ORGANISATION",
    "OUTLET",
    "PERSON",
    "REPORTING",
    "SOURCE_TYPES",
    "AliasIndex",
    "ArticleInput",
    "Attribution",
    "SentenceSources",
    "Source",
    "analyse_sentence",
    "attribute",
    "attribute_one",
    "attribute_read",
    "infer_outlet",
    "portable_key",
    "scoped_key",
]

ANONYMOUS_TYPES = frozenset({ANONYMOUS, COLLECTIVE})


def attribute(articles: Iterable[ArticleInput]) -> tuple[dict[str, list[SentenceSources]], AliasIndex]:
    """Sources of every sentence of every article, and the corpus-wide alias index.

    Returns ``{article_id: [SentenceSources per sentence, in order]}`` and the :class:`AliasIndex` (keys, display
    names, types and aliases). Needs the whole corpus first: a surname in one article can be resolved by a full
    name in another, and a contested party must be known as a source somewhere.
    """
    return attribute_read([(art, [analyse_sentence(text) for _, text in art.sentences]) for art in articles])


def attribute_read(
    articles: Sequence[tuple[ArticleInput, list[RawSentence]]], *, targets: bool = True
) -> tuple[dict[str, list[SentenceSources]], AliasIndex]:
    """:func:`attribute` for articles whose sentences are already read by :func:`analyse_sentence` (the article
    analysis, :mod:`annotator.attribution.article`, reads each sentence once for its sources and its signals).
    ``targets=False`` leaves out who contests whom (the dispute cues keep their own source): the classifier's
    features do not need it."""
    index = AliasIndex()
    raw: list[tuple[ArticleInput, list[RawSentence], ArticleFacts]] = []
    for art, sentences in articles:
        if art.outlet:
            index.add_outlet(art.outlet)
        raw.append((art, sentences, ArticleFacts.collect(sentences)))
    for _, _, facts in raw:
        for key, words in facts.full_names.items():
            index.surnames[words[-1]].add(key)
    resolved = [(art, sents, facts, resolve_sources(art, sents, facts, index)) for art, sents, facts in raw]
    for key, name in index.person_names.items():
        if key in index.names and len(name) > len(index.names[key]):
            index.names[key] = name  # "Mrs. Lyall" is quoted, "Rebecca Lyall" was named
    result: dict[str, list[SentenceSources]] = {}
    for art, sentences, facts, attributions in resolved:
        if targets:
            result[art.article_id] = with_targets(art, sentences, facts, index, attributions)
        else:
            result[art.article_id] = [
                SentenceSources(art.article_id, sid, text, tuple(atts), tuple(raw.hedges), tuple(raw.mentions))
                for (sid, text), raw, atts in zip(art.sentences, sentences, attributions, strict=True)
            ]
    return result, index


def attribute_one(article_id: str, sentences: Sequence[str], *, outlet: str | None = None) -> list[SentenceSources]:
    """:func:`attribute` for one article given as a list of sentence texts (sentence ids are their indices)."""
    rows = [(str(i), text) for i, text in enumerate(sentences)]
    result, _ = attribute([ArticleInput(article_id, rows, outlet)])
    return result[article_id]

"""The source finder's word lists (the source lists of ``schemas/lexicon.json``,
:data:`annotator.attribution.lexicon.SOURCE_LISTS`), folded and indexed once per process: single words as sets,
phrases as word tuples looked up by length.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from annotator.attribution.lexicon import source_lexicon
from annotator.attribution.mentions import fold


@dataclass(frozen=True)
class Phrases:
    """Lexicon phrases as word tuples, for lookups by length (longest first)."""

    items: frozenset[tuple[str, ...]]
    lengths: tuple[int, ...]

    def __contains__(self, words: object) -> bool:
        return words in self.items


@dataclass(frozen=True)
class SourceWords:
    outlet_names: frozenset[str]
    outlet_words: frozenset[str]
    organisation_words: Phrases
    place_words: Phrases
    document_words: Phrases
    anonymous_nouns: Phrases
    collective: Phrases
    person_roles: Phrases
    pronouns: frozenset[str]
    modifiers: Phrases
    passive_disputes: frozenset[str]
    name_stopwords: frozenset[str]
    clause_words: frozenset[str]
    determiners: frozenset[str]
    definite: frozenset[str]
    phrase_end: frozenset[str]
    noun_forms: frozenset[str]
    noun_contexts: frozenset[str]
    be_forms: frozenset[str]
    literal_objects: frozenset[str]
    affiliated: frozenset[str]


@cache
def source_words() -> SourceWords:
    w = source_lexicon().words

    def phrases(name: str) -> Phrases:
        items = frozenset(tuple(fold(e).split()) for e in w[name])
        return Phrases(items, tuple(sorted({len(p) for p in items}, reverse=True)))

    return SourceWords(
        outlet_names=frozenset(fold(e) for e in w["outlet_names"]),
        outlet_words=frozenset(w["outlet_words"]),
        organisation_words=phrases("organisation_words"),
        place_words=phrases("place_words"),
        document_words=phrases("document_words"),
        anonymous_nouns=phrases("anonymous_nouns"),
        collective=phrases("collective_sources"),
        person_roles=phrases("person_roles"),
        pronouns=frozenset(w["source_pronouns"]),
        modifiers=phrases("verb_modifiers"),
        passive_disputes=frozenset(w["passive_dispute_cues"]),
        name_stopwords=frozenset(w["name_stopwords"]),
        clause_words=frozenset(w["clause_words"]),
        determiners=frozenset(w["source_determiners"]),
        definite=frozenset(w["definite_determiners"]),
        phrase_end=frozenset(w["phrase_end_words"]),
        noun_forms=frozenset(w["cue_noun_forms"]),
        noun_contexts=frozenset(w["cue_noun_contexts"]),
        be_forms=frozenset(w["be_forms"]),
        literal_objects=frozenset(w["literal_dispute_objects"]),
        affiliated=frozenset(w["affiliated_sources"]),
    )


def ends_with(words: list[str], phrases: Phrases) -> bool:
    """Whether the folded ``words`` end with one of ``phrases``."""
    n = len(words)
    items = phrases.items
    for size in phrases.lengths:  # noqa: SIM110 - a loop, not any() over a generator: mypyc compiles it to C
        if size <= n and tuple(words[n - size :]) in items:
            return True
    return False


def contains(words: list[str], phrases: Phrases) -> bool:
    """Whether one of ``phrases`` occurs in the folded ``words``."""
    n = len(words)
    items = phrases.items
    for size in phrases.lengths:
        for i in range(n - size + 1):
            if tuple(words[i : i + size]) in items:
                return True
    return False

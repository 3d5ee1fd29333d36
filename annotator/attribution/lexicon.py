"""The word lists of the cue analysis and the source finder, loaded from ``schemas/lexicon.json``: lower-case
entries, without repeats. The cue lists are matched on a sentence's tokens by :mod:`annotator.attribution.phrases`;
the source finder's lists are looked up by folded word (:mod:`annotator.attribution.source_words`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from annotator.errors import SchemaError
from annotator.resources import schema_path

LEXICON_NAME = "lexicon.json"
LISTS = (
    "reporting_verbs",
    "hedges",
    "dispute_cues",
    "anonymous_sources",
    "titles",
    "negations",
    "verification_words",
    "rebuttal_cues",
)


@dataclass(frozen=True)
class Lexicon:
    """Each list as a tuple of lower-case entries."""

    words: dict[str, tuple[str, ...]]


# Lists for the source finder and claim drift (annotator/attribution/sources.py, annotator/claims/drift.py).
SOURCE_LISTS = (
    "outlet_names",
    "outlet_words",
    "organisation_words",
    "document_words",
    "anonymous_nouns",
    "collective_sources",
    "person_roles",
    "source_pronouns",
    "name_stopwords",
    "verb_modifiers",
    "passive_dispute_cues",
    "clause_words",
    "source_determiners",
    "definite_determiners",
    "phrase_end_words",
    "cue_noun_forms",
    "cue_noun_contexts",
    "be_forms",
    "calendar_words",
    "title_abbreviations",
    "place_words",
    "literal_dispute_objects",
    "affiliated_sources",
)
NUMBERS_KEY = "numbers"


@dataclass(frozen=True)
class Numbers:
    """How quantities are written: number words, scale words, vague amounts and the modifiers of a quantity.

    ``units`` and ``scales`` map words to values ("eleven" -> 11, "hundred" -> 100); ``vague`` maps a phrase to the
    inclusive range it stands for ("several" -> (3, 9), "hundreds of" -> (200, 999)); ``approximate``, ``at_least``
    and ``at_most`` list the modifiers that make a number approximate, a lower bound or an upper bound.
    """

    units: dict[str, int]
    scales: dict[str, int]
    vague: dict[str, tuple[int, int]]
    approximate: tuple[str, ...]
    at_least: tuple[str, ...]
    at_most: tuple[str, ...]


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon's cue lists (:data:`LISTS`), read once per process."""
    return _load(LISTS)


@cache
def source_lexicon() -> Lexicon:
    """The lists of the source finder and claim drift (:data:`SOURCE_LISTS`), read once per process."""
    return _load(SOURCE_LISTS)


def _load(names: tuple[str, ...]) -> Lexicon:
    path = schema_path(LEXICON_NAME)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read ({exc})") from exc
    words: dict[str, tuple[str, ...]] = {}
    for name in names:
        entries = raw.get(name)
        if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
            raise SchemaError(f"{path}: {name!r} must be a list of non-empty strings")
        words[name] = tuple(dict.fromkeys(e.lower() for e in entries))
    return Lexicon(words=words)


@cache
def numbers() -> Numbers:
    """The ``numbers`` section of the shipped lexicon (read once per process)."""
    path = schema_path(LEXICON_NAME)
    try:
        raw = json.loads(path.read_text(encoding="utf-8")).get(NUMBERS_KEY)
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read ({exc})") from exc
    where = f"{path}: {NUMBERS_KEY!r}"
    if not isinstance(raw, dict):
        raise SchemaError(f"{where} must be an object")

    def table(key: str) -> dict[str, int]:
        value = raw.get(key)
        if not isinstance(value, dict) or not all(isinstance(v, int) and v >= 0 for v in value.values()):
            raise SchemaError(f"{where}.{key} must map words to non-negative integers")
        return {str(k).lower(): int(v) for k, v in value.items()}

    def words(key: str) -> tuple[str, ...]:
        value = raw.get(key)
        if not isinstance(value, list) or not all(isinstance(e, str) and e for e in value):
            raise SchemaError(f"{where}.{key} must be a list of non-empty strings")
        return tuple(dict.fromkeys(e.lower() for e in value))

    vague_raw = raw.get("vague")
    vague: dict[str, tuple[int, int]] = {}
    if not isinstance(vague_raw, dict):
        raise SchemaError(f"{where}.vague must map phrases to [low, high]")
    for phrase, bounds in vague_raw.items():
        ok = isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, int) for b in bounds)
        if not ok or bounds[0] > bounds[1]:
            raise SchemaError(f"{where}.vague[{phrase!r}] must be [low, high] integers; got {bounds!r}")
        vague[str(phrase).lower()] = (bounds[0], bounds[1])
    return Numbers(
        units=table("units"),
        scales=table("scales"),
        vague=vague,
        approximate=words("approximate"),
        at_least=words("at_least"),
        at_most=words("at_most"),
    )

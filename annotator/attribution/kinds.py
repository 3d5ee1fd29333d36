"""The kinds of source a phrase names: the source types the ledger reports and the provisional kinds of a phrase
before the article resolves it (:func:`kind_of` reads a noun phrase's core words with the lexicon's word lists).
"""

from __future__ import annotations

from annotator.attribution.mentions import Mention, Token
from annotator.attribution.source_words import ends_with, source_words

__all__ = [
    "ANONYMOUS",
    "COLLECTIVE",
    "DISPUTE",
    "DOCUMENT",
    "HEDGE",
    "NAME",
    "ORGANISATION",
    "ORG_ROLE",
    "OUTLET",
    "PERSON",
    "PERSON_ROLE",
    "PRONOUN",
    "REPORTING",
    "SOURCE_TYPES",
    "affiliated_body",
    "kind_of",
]

PERSON = "person"
ORGANISATION = "organisation"
OUTLET = "outlet"
DOCUMENT = "document"
ANONYMOUS = "anonymous"
COLLECTIVE = "collective"
SOURCE_TYPES = (PERSON, ORGANISATION, OUTLET, DOCUMENT, ANONYMOUS, COLLECTIVE)

REPORTING = "reporting"
DISPUTE = "dispute"
HEDGE = "hedge"

# provisional kinds of a source phrase, replaced in annotator.attribution.sources
PRONOUN = "pronoun"
PERSON_ROLE = "person_role"
ORG_ROLE = "org_role"
NAME = "name"


def kind_of(core: list[str], definite: bool, *, capitalised: bool = False, indefinite: bool = False) -> str | None:
    """The kind of source a noun phrase's core words name (None: not a source). ``capitalised``: its head is
    capitalised mid-sentence; ``indefinite``: it opens with "a", "an", "one" or "another"."""
    w = source_words()
    if not core:
        return None
    if ends_with(core, w.document_words):
        return DOCUMENT
    if indefinite and not capitalised:
        return ANONYMOUS  # "a lobbyist", "one banker", "a local firm": no one the reader could look up
    if definite and ends_with(core, w.person_roles):
        return PERSON_ROLE
    if ends_with(core, w.anonymous_nouns):
        return ANONYMOUS
    if ends_with(core, w.organisation_words):
        return ORG_ROLE if definite and len(core) == 1 else ORGANISATION
    if ends_with(core, w.collective) or (core[-1].endswith(("s", "men")) and not definite and not capitalised):
        return COLLECTIVE
    if ends_with(core, w.person_roles):
        return ANONYMOUS  # "a lawmaker", "one minister": a role pointing to no one in particular
    return None


def affiliated_body(core: list[str], toks: list[Token], head: int, end: int, ments: list[Mention]) -> Mention | None:
    """The named body a collective source works at, which speaks through it: "Analysts at Harmon Keene",
    "researchers from the University of Ostmark" (the lexicon's ``affiliated_sources`` before "at" or "from", then
    a name); ``core`` is the phrase's core words, ``toks[head]`` its head and ``toks[end]`` its last token. None
    for any other phrase ("Staff at Gatwick", "Analysts in Leeds")."""
    if not core or core[-1] not in source_words().affiliated:
        return None
    k = head + 1
    if k > end or toks[k].lower not in ("at", "from"):
        return None
    k += 1
    if k <= end and toks[k].lower == "the":
        k += 1
    for m in ments:
        if m.first_token == k and m.last_token <= end:
            return m
    return None

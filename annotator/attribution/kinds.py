"""The kinds of source a phrase names: the source types the ledger reports and the provisional kinds of a phrase
before the article resolves it (:func:`kind_of` reads a noun phrase's core words with the lexicon's word lists).
"""

from __future__ import annotations

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

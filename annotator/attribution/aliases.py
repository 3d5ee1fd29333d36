"""Source keys and aliases across a corpus (:class:`AliasIndex`), the keys of sources scoped to one article, and
the outlet an article names in its own furniture (:func:`infer_outlet`).

Aliases
    A person's key is the title-stripped name folded to lower case without accents ("kyrlo budanov"). A lone
    surname ("Budanov") takes the key of the full name with that surname in the same article, else of the only
    full name with that surname in the corpus; otherwise it stays a key of its own. Outlets and organisations are
    keyed by their folded name without "the". Anonymous, collective and document sources are keyed per article
    (two articles' "officials" are not the same people), as are definite roles that cannot be resolved.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from annotator.attribution.kinds import PERSON
from annotator.attribution.mentions import fold
from annotator.attribution.source_words import source_words

_THE = re.compile(r"^[Tt]he\s+")


@dataclass
class AliasIndex:
    """Keys, display names, types and aliases of every source seen, merged across articles."""

    outlets: dict[str, str] = field(default_factory=dict)  # folded name -> display name
    surnames: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    person_names: dict[str, str] = field(default_factory=dict)  # person key -> longest title-stripped mention
    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    types: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add_outlet(self, name: str) -> str:
        folded = _strip_the(fold(name))
        self.outlets.setdefault(folded, _THE.sub("", name.strip()))
        return folded

    def is_outlet(self, folded_name: str) -> bool:
        bare = _strip_the(folded_name)
        words = bare.split()
        w = source_words()
        return (
            bare in self.outlets
            or bare in w.outlet_names
            or f"the {bare}" in w.outlet_names
            or bool(words and words[-1] in w.outlet_words and len(words) >= 2)
        )

    def outlet_key(self, folded_name: str) -> str:
        bare = _strip_the(folded_name)
        if bare not in self.outlets:
            # "the Courier" -> the one known outlet whose last word it is
            matches = [k for k in self.outlets if k.split()[-1] == bare]
            if len(matches) == 1:
                bare = matches[0]
        return f"outlet:{bare}"

    def record(self, key: str, type_: str, display: str, alias: str | None) -> None:
        self.types.setdefault(key, type_)
        display = display[:1].upper() + display[1:]
        if key not in self.names or (type_ == PERSON and len(display) > len(self.names[key])):
            self.names[key] = display
        if alias:
            self.aliases[key].add(alias)


def _strip_the(folded: str) -> str:
    return folded[4:] if folded.startswith("the ") else folded


_OUTLET_PATTERNS = (
    re.compile(r"^By\s+[^,|\n]{2,60},\s*(?P<outlet>[A-Z][^|\n,]{2,60}?)\s*(?:\||$)", re.MULTILINE),
    re.compile(r"^(?P<outlet>(?:The\s+)?[A-Z][\w'’ -]{2,40}?)\s*\|", re.MULTILINE),
    re.compile(r"(?:Copyright|©)\s*(?:©\s*)?(?:\d{4}\s+)?(?P<outlet>(?:The\s+)?[A-Z][\w&'’ -]{2,60}?)\.?\s*All rights"),
    re.compile(r"\bfrom the (?P<outlet>[A-Z][\w'’ -]{2,40}?),\s+sign up"),
)


def infer_outlet(article_text: str) -> str | None:
    """The outlet an article was published by, read from its own furniture when the input has no ``source``: a
    byline ("By Tamsin Rowe, Harbour Gazette | ..."), a masthead line ("The Kirkhaven Record | Science | ..."), a
    copyright line, or a newsletter prompt ("... from the Daily Star, sign up ..."). Only names that look like an
    outlet (a known outlet, or ending in an outlet word such as Gazette, Record, Star) are accepted."""
    probe = AliasIndex()
    for pattern in _OUTLET_PATTERNS:
        for m in pattern.finditer(article_text):
            name = m.group("outlet").strip()
            if probe.is_outlet(fold(name)):
                return _THE.sub("", name)
    return None


def scoped_key(kind: str, article_id: str, core: str) -> str:
    """The key of a source that only means something inside one article: ``"anonymous@<article>:officials"``."""
    return f"{kind}@{article_id}:{core}"


def portable_key(key: str, article_id: str) -> str:
    """``key`` without its article scope, to compare sources across articles: two articles' "the company said"
    are the same kind of attribution even though they are not known to be the same source."""
    return key.replace(f"@{article_id}:", ":", 1)

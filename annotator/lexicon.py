"""Word lists that encode the guideline, loaded from ``schemas/lexicon.json``.

One compiled pattern per list (compiled once: importing scikit-learn shrinks ``re``'s cache), matching entries as
whole words or phrases, case-insensitively. Longer phrases are tried first, so "could not be independently verified"
wins over "verified".
"""

from __future__ import annotations

import json
import re
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
    "institutions",
    "anonymous_heads",
    "pronouns",
    "negations",
    "verification_words",
    "skip_words",
    "determiners",
    "name_connectors",
    "listener_verbs",
    "phrase_fillers",
)


@dataclass(frozen=True)
class Lexicon:
    """Each list as a tuple of lower-case entries and as one compiled alternation."""

    words: dict[str, tuple[str, ...]]
    patterns: dict[str, re.Pattern[str]]

    def spans(self, name: str, text: str) -> list[tuple[int, int]]:
        """End-exclusive character spans in ``text`` where an entry of list ``name`` occurs."""
        return [m.span() for m in self.patterns[name].finditer(text)]


def _compile(entries: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(entries, key=len, reverse=True)
    body = "|".join(re.escape(e).replace(r"\ ", r"\s+") for e in ordered)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon (read once per process)."""
    path = schema_path(LEXICON_NAME)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read ({exc})") from exc
    words: dict[str, tuple[str, ...]] = {}
    for name in LISTS:
        entries = raw.get(name)
        if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
            raise SchemaError(f"{path}: {name!r} must be a list of non-empty strings")
        words[name] = tuple(dict.fromkeys(e.lower() for e in entries))
    return Lexicon(words=words, patterns={name: _compile(w) for name, w in words.items()})

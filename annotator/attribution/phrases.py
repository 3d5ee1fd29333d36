"""The lexicon's cue lists matched on a sentence's tokens, all lists in one pass (pure; compiled by mypyc).

:class:`PhraseMatcher` indexes every entry of the lists in :data:`MATCHED` by its first word; :meth:`match` walks
the lower-case tokens of a sentence once and returns, per list, the token ranges where an entry occurs: whole tokens
only, longest entry first, non-overlapping within a list (what a regular expression alternation of the entries,
longest first, between word boundaries finds), with a possessive "'s" allowed on the last word ("the ministry's").
Curly apostrophes count as straight ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from annotator.attribution.lexicon import lexicon
from annotator.attribution.mentions import Token, tokens

#: the lists matched per sentence: cues, anonymous phrases, the parts of a negated verification and rebuttal phrases
MATCHED = (
    "reporting_verbs",
    "hedges",
    "dispute_cues",
    "anonymous_sources",
    "negations",
    "verification_words",
    "rebuttal_cues",
)

TokenRange = tuple[int, int]  # first and last token, inclusive


def normal(word: str) -> str:
    """A token as entries are compared: lower case, curly apostrophes straight."""
    return word.lower().replace("’", "'")


def _base(word: str) -> str:
    """``word`` without a possessive ending ("ministry's" -> "ministry")."""
    return word[:-2] if word.endswith("'s") and len(word) > 2 else word


class PhraseMatcher:
    """The entries of some lexicon lists, indexed by first word (see the module docstring)."""

    def __init__(self, lists: Mapping[str, Sequence[str]]) -> None:
        self.names: list[str] = list(lists)
        single: dict[str, list[int]] = {}  # one-word entries: word -> the lists it is in
        multi: dict[str, list[tuple[int, tuple[str, ...]]]] = {}  # longer ones by first word, longest first
        for n, name in enumerate(self.names):
            for entry in lists[name]:
                words = tuple(normal(t.text) for t in tokens(entry))
                if len(words) == 1:
                    single.setdefault(words[0], []).append(n)
                elif words:
                    multi.setdefault(words[0], []).append((n, words))
        for candidates in multi.values():
            candidates.sort(key=lambda c: -len(c[1]))
        self.single = single
        self.multi = multi

    def match(self, toks: Sequence[Token]) -> dict[str, list[TokenRange]]:
        """Per list name, the token ranges where one of its entries occurs, in order."""
        low = [t.lower.replace("’", "'") if "’" in t.lower else t.lower for t in toks]
        n = len(low)
        free = [0] * len(self.names)  # per list, the first token a new match may start at
        found: list[list[TokenRange]] = [[] for _ in self.names]
        single, multi = self.single, self.multi
        for i in range(n):
            word = low[i]
            longer = multi.get(word)
            if longer is not None:
                for k, words in longer:
                    size = len(words)
                    if free[k] <= i and i + size <= n and _matches(low, i, words):
                        found[k].append((i, i + size - 1))
                        free[k] = i + size
            lists = single.get(word)
            if lists is None and word.endswith("'s"):
                lists = single.get(word[:-2])
            if lists is not None:
                for k in lists:
                    if free[k] <= i:
                        found[k].append((i, i))
                        free[k] = i + 1
        return {name: found[k] for k, name in enumerate(self.names) if found[k]}

    def spans(self, name: str, text: str) -> list[tuple[int, int]]:
        """End-exclusive character spans in ``text`` where an entry of list ``name`` occurs."""
        toks = tokens(text)
        return [(toks[a].start, toks[b].end) for a, b in self.match(toks).get(name, ())]


def _matches(low: list[str], i: int, words: tuple[str, ...]) -> bool:
    last = len(words) - 1
    for k in range(1, last):
        if low[i + k] != words[k]:
            return False
    word = low[i + last]
    return word == words[last] or _base(word) == words[last]


@cache
def matcher() -> PhraseMatcher:
    """The shipped lexicon's :data:`MATCHED` lists, indexed once per process."""
    words = lexicon().words
    return PhraseMatcher({name: words[name] for name in MATCHED})

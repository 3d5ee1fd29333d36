"""The lexicon's word lists indexed for matching phrases token by token, built once per set of lists.

:func:`index_of` is what the per-sentence analysis (:mod:`annotator.attribution.analysis`) and a fitted
:class:`annotator.classifier.features.GuidelineFeatures` ask for; :meth:`PhraseIndex.all_matches` finds every list's
entries in a sentence's lower-case tokens in one pass. Compiled by mypyc with the analysis (``setup.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from annotator.attribution.lexicon import lexicon

# Words: letters/digits with inner apostrophes or hyphens ("can't", "fact-checkers", "company's").
TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")
#: the lists whose entries are cues (and anonymous sources), in the order the analysis reads them
CUE_LISTS = ("reporting_verbs", "hedges", "dispute_cues", "anonymous_sources")


class PhraseIndex:
    """The word lists of a lexicon, indexed for token-level phrase matching (built once per lexicon)."""

    def __init__(self, words: Mapping[str, Sequence[str]]) -> None:
        def toks(entry: str) -> tuple[str, ...]:
            return tuple(TOKEN.findall(entry.lower().replace("’", "'")))

        self.phrases: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        for name in (*CUE_LISTS, "negations", "verification_words", "institutions", "titles"):
            index: dict[str, list[tuple[str, ...]]] = {}
            for entry in words.get(name, ()):
                t = toks(entry)
                if t:
                    index.setdefault(t[0], []).append(t)
            for cands in index.values():
                cands.sort(key=len, reverse=True)
            self.phrases[name] = index

        # one index over every list, for a single pass: first word -> [(list name, phrase)], longest first
        self.combined: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for name in (*CUE_LISTS, "negations", "verification_words"):  # the lists matched in a sentence
            for first, cands in self.phrases[name].items():
                self.combined.setdefault(first, []).extend((name, c) for c in cands)
        for entries in self.combined.values():
            entries.sort(key=lambda nc: -len(nc[1]))
        # the same, split: one-word entries by their word; longer ones by their first two words, longest first
        self.singles: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.longer: dict[str, dict[str, list[tuple[str, tuple[str, ...]]]]] = {}
        for first, entries in self.combined.items():
            for name, phrase in entries:
                if len(phrase) == 1:
                    self.singles.setdefault(first, []).append((name, phrase))
                else:
                    self.longer.setdefault(first, {}).setdefault(phrase[1], []).append((name, phrase))

        def singles(name: str) -> frozenset[str]:
            return frozenset(w for e in words.get(name, ()) for w in toks(e))

        self.according = ("according", "to")
        self.pronouns = singles("pronouns")
        self.skip = singles("skip_words")
        self.determiners = singles("determiners")
        self.connectors = singles("name_connectors")
        self.listener = frozenset(toks(e) for e in words.get("listener_verbs", ()))
        self.heads = singles("anonymous_heads")
        function_words = self.determiners | self.connectors | self.pronouns | singles("phrase_fillers")

        def heads(name: str) -> frozenset[str]:
            """Single-word entries and the last word of phrases ("people familiar" -> "familiar" is not a noun,
            but "senior officials" -> "officials" is): what may end a source's noun phrase."""
            return frozenset(t[-1] for e in words.get(name, ()) if (t := toks(e)) and t[-1] not in function_words)

        self.anonymous_words = heads("anonymous_sources")
        self.institution_words = heads("institutions")
        self.title_words = frozenset(w for t in self._all("titles") for w in t)
        self.known = self.heads | self.anonymous_words | self.institution_words | self.title_words
        self.negations_single = singles("negations")
        self.complementisers = frozenset({"that", "whether", "if", "how", "what", "why", "when", "it"})

    def _all(self, name: str) -> Iterable[tuple[str, ...]]:
        for cands in self.phrases[name].values():
            yield from cands

    def all_matches(self, low: list[str]) -> dict[str, list[tuple[int, int, tuple[str, ...]]]]:
        """For each list, the token ranges [i, j) where one of its entries occurs: longest first, no overlaps
        within a list. One pass over the tokens; an entry of several words is only tried where its first two
        words are (common first words such as "a" or "is" start many entries)."""
        out: dict[str, list[tuple[int, int, tuple[str, ...]]]] = {}
        index = self.combined
        if index.keys().isdisjoint(low):  # most words start no entry: a set operation in C decides
            return out
        n = len(low)
        free: dict[str, int] = {}
        for i in range(n):
            w = low[i]
            if w not in index:
                continue
            if i + 1 < n:
                by_second = self.longer.get(w)
                if by_second is not None:
                    longer = by_second.get(low[i + 1])
                    if longer is not None:
                        for name, phrase in longer:
                            k = len(phrase)
                            if free.get(name, 0) > i or i + k > n:
                                continue
                            same = True
                            for m in range(2, k):
                                if low[i + m] != phrase[m]:
                                    same = False
                                    break
                            if same:
                                out.setdefault(name, []).append((i, i + k, phrase))
                                free[name] = i + k
            singles = self.singles.get(w)
            if singles is not None:
                for name, phrase in singles:
                    if free.get(name, 0) > i:
                        continue
                    out.setdefault(name, []).append((i, i + 1, phrase))
                    free[name] = i + 1
        return out


@lru_cache(maxsize=8)
def indexed(key: tuple[tuple[str, tuple[str, ...]], ...]) -> PhraseIndex:
    return PhraseIndex(dict(key))


_BY_IDENTITY: dict[int, tuple[Mapping[str, Sequence[str]], PhraseIndex]] = {}


def index_of(words: Mapping[str, Sequence[str]]) -> PhraseIndex:
    """The index of a fitted transformer's word lists, built once per lists object (held here, so its id is not
    reused while cached)."""
    hit = _BY_IDENTITY.get(id(words))
    if hit is not None and hit[0] is words:
        return hit[1]
    lex = indexed(index_key(words))
    if len(_BY_IDENTITY) >= 8:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[id(words)] = (words, lex)
    return lex


def index_key(words: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(v)) for k, v in words.items()))


def lexicon_words() -> dict[str, list[str]]:
    """The shipped lexicon's lists, as plain lists (what a fitted transformer keeps)."""
    return {name: list(entries) for name, entries in lexicon().words.items()}

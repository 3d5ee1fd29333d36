"""Tokens, quotations and proper-name mentions in a sentence; canonical keys for names (pure).

Offsets are end-exclusive character offsets into the sentence text. A *mention* is a run of capitalised words
("Lt General Kyrlo Budanov", "the Harbour Gazette", "Northmere Agrichem"), split at a possessive ("Ukraine's")
and stripped of leading titles for matching: titles come from the lexicon's ``titles`` list, matched greedily
and repeatedly at the start of the run ("Lt General" then nothing; "Colonel General"; "Lt Col"), so
"Lt General Kyrlo Budanov" and "General Kyrlo Budanov" share the key ``kyrlo budanov``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from annotator.attribution.lexicon import lexicon, source_lexicon

Span = tuple[int, int]

# numbers (12,700 / 4.2 / 9:42), dotted abbreviations (U.S., a.m.), words with inner apostrophes, hyphens or dots,
# then any other single non-space character
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|(?:[^\W\d_]\.){2,}|[^\W_](?:[\w’'\-.&]*[^\W_])?|[^\w\s]")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$")
_QUOTE_OPEN = "“‘«"
_QUOTE_CLOSE = {"“": "”", "‘": "’", "«": "»"}
_INITIAL = re.compile(r"[A-Z]$")
# words inside a name that stay lower case: Cartel of the Suns, Ursula von der Leyen
_CONNECTORS = frozenset({"of", "de", "van", "von", "der", "den", "da", "del", "la", "le", "al", "bin", "ibn", "y"})


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()

    @property
    def is_capitalised(self) -> bool:
        return self.text[0].isupper()


@dataclass(frozen=True)
class Mention:
    """A proper-name mention: ``span`` covers titles and name (not a possessive ending), ``name_span`` the name
    alone; ``titles`` the title words as written ("Lt Col"); ``after_the`` whether "the" directly precedes it."""

    span: Span
    name_span: Span
    text: str
    name: str
    titles: str
    possessive: bool
    after_the: bool
    first_token: int
    last_token: int

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def n_words(self) -> int:
        return len(self.name.split())


def tokens(text: str) -> list[Token]:
    """Word and punctuation tokens of ``text`` with their offsets."""
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case without accents, dots or apostrophes, single-spaced: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _POSSESSIVE.sub("", plain.strip())
    plain = re.sub(r"[.'’]", "", plain.lower())
    return " ".join(plain.replace("-", " ").split())


def name_key(name: str) -> str:
    """Canonical form of a (title-stripped) name: ``"Kyrlo Budanov"`` -> ``"kyrlo budanov"``."""
    return fold(name)


def quote_spans(text: str) -> list[Span]:
    """Spans of quoted speech (marks included). Curly and guillemet quotes pair up; a straight double quote
    toggles. A closing ’ is one not followed by a letter (so ``it’s`` and ``Ukraine’s`` are apostrophes)."""
    spans: list[Span] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _QUOTE_OPEN and (i == 0 or not text[i - 1].isalnum()):
            close = _QUOTE_CLOSE[c]
            j = i + 1
            while j < n:
                if text[j] == close and (j + 1 == n or not text[j + 1].isalpha()):
                    break
                j += 1
            spans.append((i, min(j + 1, n)))
            i = j + 1
        elif c == '"':
            j = text.find('"', i + 1)
            j = n - 1 if j < 0 else j
            spans.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return spans


def inside(spans: list[Span], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies within one of ``spans``."""
    return any(s <= start and end <= e for s, e in spans)


@cache
def _titles() -> tuple[tuple[str, ...], ...]:
    """Title phrases as word tuples, longest first."""
    titles = (*lexicon().words["titles"], *source_lexicon().words["title_abbreviations"])
    words = {tuple(fold(t).split()) for t in titles}
    return tuple(sorted(words, key=len, reverse=True))


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(source_lexicon().words["name_stopwords"])


def title_length(words: list[str]) -> int:
    """How many of ``words`` (folded) at the start are titles ("lt", "general", "kyrlo" -> 2)."""
    n = 0
    titles = _titles()
    while n < len(words):
        for title in titles:
            if tuple(words[n : n + len(title)]) == title:
                n += len(title)
                break
        else:
            break
    return n


def _is_name_word(tok: Token) -> bool:
    return tok.is_capitalised and tok.text[0].isalpha() and tok.lower not in _stopwords()


def mentions(text: str, toks: list[Token] | None = None) -> list[Mention]:
    """Proper-name mentions in ``text``, in order."""
    toks = tokens(text) if toks is None else toks
    out: list[Mention] = []
    i, n = 0, len(toks)
    while i < n:
        if not _is_name_word(toks[i]):
            i += 1
            continue
        j = i
        possessive = False
        while True:
            if _POSSESSIVE.search(toks[j].text) and len(toks[j].text) > 2:
                nxt = toks[j + 1] if j + 1 < n else None
                plural = toks[j].text[-1] in "'’"
                if not (plural and nxt is not None and _is_name_word(nxt) and nxt.start - toks[j].end <= 1):
                    possessive = True
                    break
                # "the Brackenford Landlords' Association": a plural possessive inside a name
            k = j + 1
            # "Gen." / "R." inside a run
            if k < n and toks[k].text == "." and toks[k].start == toks[j].end and k + 1 < n:
                word = fold(toks[j].text)
                if _INITIAL.match(toks[j].text) or title_length([word]) == 1:
                    k += 1
            if k < n and toks[k].lower in _CONNECTORS and k + 1 < n and _is_name_word(toks[k + 1]):
                k += 1
            elif (
                k + 1 < n
                and toks[k].text in "'’"
                and toks[k].start == toks[j].end
                and toks[j].text.endswith("s")
                and _is_name_word(toks[k + 1])
            ):
                k += 1  # "the Brackenford Landlords' Association": a plural possessive inside a name
            if k < n and _is_name_word(toks[k]) and toks[k].start - toks[k - 1].end <= 1:
                j = k
                continue
            break
        out.extend(_mention(text, toks, i, j, possessive))
        i = j + 1
    return out


def _mention(text: str, toks: list[Token], i: int, j: int, possessive: bool) -> list[Mention]:
    words = [fold(t.text) for t in toks[i : j + 1] if t.text != "."]
    n_titles = title_length(words)
    if n_titles >= len(words):
        return []
    # map the title count back onto tokens (dots are skipped)
    k, seen = i, 0
    while seen < n_titles:
        if toks[k].text != ".":
            seen += 1
        k += 1
    while toks[k].text == ".":
        k += 1
    start, end = toks[i].start, toks[j].end
    if possessive:
        end -= 2 if toks[j].text[-2] in "'’" else 1
    name_start = toks[k].start
    after_the = i > 0 and toks[i - 1].lower == "the"
    return [
        Mention(
            span=(start, end),
            name_span=(name_start, end),
            text=text[start:end],
            name=text[name_start:end],
            titles=text[start:name_start].strip(),
            possessive=possessive,
            after_the=after_the,
            first_token=i,
            last_token=j,
        )
    ]

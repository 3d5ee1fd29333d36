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
_TRAILING = frozenset(',.;:!?)”"’')  # a mark that ends a word-plus-punctuation piece ("said," "Budanov.")
_QUOTE_MARKS = ("“", "”", "‘", "«", "»", '"')
_DOTS = re.compile(r"[.'’]")
_POSSESSIVES = ("'s", "’s", "s'", "s’")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$")
_QUOTE_OPEN = "“‘«"
_QUOTE_CLOSE = {"“": "”", "‘": "’", "«": "»"}
_INITIAL = re.compile(r"[A-Z]$")
# words inside a name that stay lower case: Cartel of the Suns, Ursula von der Leyen
_CONNECTORS = frozenset({"of", "de", "van", "von", "der", "den", "da", "del", "la", "le", "al", "bin", "ibn", "y"})


class Token:
    """A word or punctuation token: its offsets, its text and its text in lower case. A plain class, which mypyc
    compiles to a native one: a sentence makes dozens of tokens, and a dataclass or named tuple takes ten times as
    long to make."""

    __slots__ = ("end", "lower", "start", "text")

    def __init__(self, start: int, end: int, text: str, lower: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.lower = lower

    def __repr__(self) -> str:
        return f"Token({self.start}, {self.end}, {self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and (self.start, self.end, self.text) == (other.start, other.end, other.text)

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.text))

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
    # the same tokens as _TOKEN.finditer(text), found faster: tokens never span whitespace, and most
    # whitespace-separated pieces are one word, or one word and a punctuation mark
    out = []
    pos = 0
    for piece in text.split():
        start = text.find(piece, pos)
        end = start + len(piece)
        pos = end
        if piece.isalpha() or piece.isdigit():
            out.append(Token(start, end, piece, piece.lower()))
            continue
        last = piece[-1]
        core = piece[:-1]
        if last in _TRAILING and core.isalpha():
            out.append(Token(start, end - 1, core, core.lower()))
            out.append(Token(end - 1, end, last, last))
            continue
        for m in _TOKEN.finditer(piece):
            g = m.group()
            out.append(Token(start + m.start(), start + m.end(), g, g.lower()))
    return out


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case without accents, dots or apostrophes, single-spaced: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _POSSESSIVE.sub("", plain.strip())
    plain = _DOTS.sub("", plain.lower())
    return " ".join(plain.replace("-", " ").split())


def name_key(name: str) -> str:
    """Canonical form of a (title-stripped) name: ``"Kyrlo Budanov"`` -> ``"kyrlo budanov"``."""
    return fold(name)


def quote_spans(text: str) -> list[Span]:
    """Spans of quoted speech (marks included). Curly and guillemet quotes pair up; a straight double quote
    toggles. A closing ’ is one not followed by a letter (so ``it’s`` and ``Ukraine’s`` are apostrophes). A
    sentence that starts inside a quotation carried over from the sentence before ("and found nothing wrong,” she
    said.") has its quotation run from the start to the first closing ” or », when no opening mark comes first."""
    spans: list[Span] = []
    if not any(mark in text for mark in _QUOTE_MARKS):
        return spans
    i, n = 0, len(text)
    first_close = min((k for k in (text.find("”"), text.find("»")) if k >= 0), default=-1)
    if first_close > 0 and not any(0 <= text.find(o) < first_close for o in "“«"):
        spans.append((0, first_close + 1))
        i = first_close + 1
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
def _titles() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Title phrases as word tuples, by first word, longest first."""
    titles = (*lexicon().words["titles"], *source_lexicon().words["title_abbreviations"])
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for words in {tuple(fold(t).split()) for t in titles}:
        if words:
            by_first.setdefault(words[0], []).append(words)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(source_lexicon().words["name_stopwords"])


def title_length(words: list[str]) -> int:
    """How many of ``words`` (folded) at the start are titles ("lt", "general", "kyrlo" -> 2)."""
    n = 0
    titles = _titles()
    while n < len(words):
        for title in titles.get(words[n], ()):
            if tuple(words[n : n + len(title)]) == title:
                n += len(title)
                break
        else:
            break
    return n


def _is_name_word(tok: Token) -> bool:
    first = tok.text[0]
    return first.isupper() and first.isalpha() and tok.lower not in _stopwords()


def mentions(text: str, toks: list[Token] | None = None) -> list[Mention]:
    """Proper-name mentions in ``text``, in order."""
    toks = tokens(text) if toks is None else toks
    out: list[Mention] = []
    i, n = 0, len(toks)
    stopwords = _stopwords()
    while i < n:
        first = toks[i].text[0]
        if not (first.isupper() and first.isalpha()) or toks[i].lower in stopwords:
            i += 1
            continue
        j = i
        possessive = False
        while True:
            if toks[j].text.endswith(_POSSESSIVES) and len(toks[j].text) > 2:
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

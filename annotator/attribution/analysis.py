"""The labelling guideline as code: cues, sources and quotations in one sentence, and the feature row they make.

:func:`analyse` reads one sentence with the word lists of ``schemas/lexicon.json`` and finds the cues (reporting
verbs and "according to", hedges, dispute cues, a negated verification such as "could not verify") and, for each
reporting or dispute cue, the source next to it: a named person or organisation (a run of capitalised words), a
role or body ("the health ministry", "the coroner"), an anonymous or collective source ("officials", "a senior
Ukrainian official") or a pronoun. Spans are end-exclusive character offsets into the sentence.

Pure Python with no scikit-learn import (the prediction path loads without it), compiled by mypyc at build time
(``setup.py``). :mod:`annotator.classifier.features` wraps it in a scikit-learn transformer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from annotator.attribution.lexicon import lexicon

Span = tuple[int, int]

# Words: letters/digits with inner apostrophes or hyphens ("can't", "fact-checkers", "company's").
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")
# Quotations: curly and straight double quotes, curly single quotes (a closing ’ followed by a letter is an
# apostrophe), guillemets; an unclosed quote runs to the end, and a sentence that starts inside a quotation
# (a continued paragraph) has its quote run from the start to the closing mark.
_QUOTED = re.compile(
    r"“[^“”]*(?:”|$)|\"[^\"]*(?:\"|$)|‘(?:[^‘’]|’(?=\w))*(?:’|$)|«[^«»]*(?:»|$)|^[^“”\"]*”",
)
_CLOSERS = '”"’)] \t\n'
# Characters that are never part of a word (no letter, digit or "_"): stripped from the ends of a whitespace-separated
# piece before it is taken as one token (see _tokens).
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~“”‘’«»—–…•·"
_WORDS = re.compile(r"\b\w\w+\b")  # scikit-learn's TfidfVectorizer tokens (for Analysis.words)

# Cue kinds (the lexicon list each comes from) and source kinds.
REPORT, ACCORDING, HEDGE, DISPUTE, NOT_VERIFIED = "report", "according_to", "hedge", "dispute", "not_verified"
NAMED, ROLE, ANONYMOUS, PRONOUN = "named", "role", "anonymous", "pronoun"

FEATURES: tuple[str, ...] = (
    "report",  # a reporting verb or phrase (said, told, in a statement...)
    "according_to",
    "quote",  # a quotation
    "quote_speaker",  # a quotation and a reporting cue outside it
    "source_named",  # a reporting or dispute cue with a capitalised name next to it
    "source_role",  # ... with a role or body (the ministry, the coroner, the report)
    "source_anonymous",  # ... with an anonymous or collective source (officials, a senior official)
    "source_pronoun",  # ... with a pronoun (he said)
    "report_without_source",  # a reporting cue with no source found next to it
    "anonymous_any",  # an anonymous or collective source anywhere
    "hedge",  # reportedly, allegedly, is said to, appears to... (outside quotations)
    "hedge_quoted",  # a hedge inside a quotation
    "dispute",  # denied, rejected, no evidence, false... (outside quotations)
    "dispute_quoted",  # a dispute cue inside a quotation
    "not_verified",  # a negation shortly before a verification word: could not verify, no evidence, failed to provide
    "no_cue",  # none of the cues above
    "no_final_punctuation",  # headline or caption style
    "question",
)
_INDEX = {name: i for i, name in enumerate(FEATURES)}
_CUE_LISTS = {"reporting_verbs": REPORT, "hedges": HEDGE, "dispute_cues": DISPUTE, "anonymous_sources": ANONYMOUS}
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})  # before a listener verb: the passive
_INDEFINITE = frozenset({"a", "an", "one", "another", "two", "three", "several", "some", "many", "other", "few"})
_NEGATION_WINDOW = 3  # tokens between a negation and the verification word it negates
_MAX_SOURCE_TOKENS = 8
_MAX_MODIFIERS = 3
_BY_SPAN = itemgetter(1)  # Cue.span
#: the feature each cue kind sets (inside a quotation, hedges and dispute cues set their "_quoted" feature)
_CUE_FEATURE = {
    REPORT: "report",
    ACCORDING: "according_to",
    HEDGE: "hedge",
    DISPUTE: "dispute",
    NOT_VERIFIED: "not_verified",
}


class Cue(NamedTuple):
    """A cue: its kind (:data:`REPORT`, :data:`ACCORDING`, :data:`HEDGE`, :data:`DISPUTE`, :data:`NOT_VERIFIED`),
    its span, and whether it stands inside a quotation."""

    kind: str
    span: Span
    quoted: bool = False


class Source(NamedTuple):
    """A source: its kind (:data:`NAMED`, :data:`ROLE`, :data:`ANONYMOUS`, :data:`PRONOUN`), its span, and the
    span of the cue it stands behind."""

    kind: str
    span: Span
    cue: Span


class Analysis(NamedTuple):
    """What :func:`analyse` found in one sentence, and its ``words`` as scikit-learn's ``TfidfVectorizer`` tokenises
    them (lower-case runs of two or more word characters), for the n-gram features."""

    cues: tuple[Cue, ...]
    sources: tuple[Source, ...]
    quotes: tuple[Span, ...]
    features: tuple[float, ...]
    words: list[str]


class _Lex:
    """The word lists of a lexicon, indexed for token-level phrase matching (built once per lexicon)."""

    def __init__(self, words: Mapping[str, Sequence[str]]) -> None:
        def toks(entry: str) -> tuple[str, ...]:
            return tuple(_TOKEN.findall(entry.lower().replace("’", "'")))

        self.phrases: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        for name in (*_CUE_LISTS, "negations", "verification_words", "institutions", "titles"):
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
        for name in (*_CUE_LISTS, "negations", "verification_words"):  # the lists matched in a sentence
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
def _indexed(key: tuple[tuple[str, tuple[str, ...]], ...]) -> _Lex:
    return _Lex(dict(key))


_BY_IDENTITY: dict[int, tuple[Mapping[str, Sequence[str]], _Lex]] = {}


def _lex_of(words: Mapping[str, Sequence[str]]) -> _Lex:
    """The index of a fitted transformer's word lists, built once per lists object (held here, so its id is not
    reused while cached)."""
    hit = _BY_IDENTITY.get(id(words))
    if hit is not None and hit[0] is words:
        return hit[1]
    lex = _indexed(_lex_key(words))
    if len(_BY_IDENTITY) >= 8:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[id(words)] = (words, lex)
    return lex


def _lex_key(words: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(v)) for k, v in words.items()))


def lexicon_words() -> dict[str, list[str]]:
    """The shipped lexicon's lists, as plain lists (what a fitted transformer keeps)."""
    return {name: list(entries) for name, entries in lexicon().words.items()}


def _tokens(text: str) -> list[str]:
    """``_TOKEN.findall(text)``, twice as fast compiled: most whitespace-separated pieces are one word with
    punctuation around it, and ``str.split``, ``str.strip`` and ``str.isalnum`` (``\\w`` is alphanumeric or "_")
    are single C calls; other pieces ("fact-checkers", "U.S.", "5,000") go through the regex."""
    out: list[str] = []
    for piece in text.split():
        if piece.isalnum():  # most pieces: no strip (which builds a table of _PUNCT on every call)
            out.append(piece)
            continue
        core = piece.strip(_PUNCT)
        if not core:
            continue
        if core.isalnum():
            out.append(core)
        else:
            out.extend(_TOKEN.findall(core))
    return out


def _gap_ok(gap: str) -> bool:
    """Nothing but spaces between two words of one phrase."""
    return gap == " " or not gap or gap.isspace()


def _gap_dot(gap: str) -> bool:
    """A dot and spaces: after an abbreviated title or an initial ("Dr. Mensah", "J. Smith")."""
    return len(gap) > 1 and gap[0] == "." and gap[1:].isspace()


def _gap_comma(gap: str) -> bool:
    """A comma between spaces."""
    return gap == ", " or gap.strip() == ","


class _Sentence:
    """One sentence's tokens with offsets; helpers for the source search.

    Tokens come from the lower-cased text (one regex pass). Where lower-casing changes the text's length ("İ"
    becomes two characters) offsets would not line up, and the tokens come from the text itself, lower-cased one
    by one."""

    __slots__ = ("aligned", "caps", "ends", "low", "low_text", "n", "starts", "text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        low_text = text.lower()
        self.aligned = len(low_text) == len(text)
        if self.aligned:
            if "’" in low_text:
                low_text = low_text.replace("’", "'")
            self.low: list[str] = _tokens(low_text)
            self.words: list[str] = []
        else:
            self.words = _TOKEN.findall(text)
            # every word at once (one C call, not one per word); \x00 never occurs inside a word
            self.low = "\x00".join(self.words).lower().replace("’", "'").split("\x00") if self.words else []
        self.low_text = low_text
        self.n = len(self.low)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.caps: list[bool] = []

    def ngram_words(self) -> list[str]:
        """TfidfVectorizer's tokens: each maximal run of two or more word characters, lower-case. A token here is
        such runs joined by hyphens or apostrophes ("fact-checkers"), so its runs are the pieces between them."""
        if not self.aligned:
            return _WORDS.findall(self.text.lower())
        out: list[str] = []
        for w in self.low:
            if "-" in w or "'" in w:
                for piece in w.replace("'", "-").split("-"):
                    if len(piece) > 1:
                        out.append(piece)
            elif len(w) > 1:
                out.append(w)
        return out

    def locate(self) -> None:
        """Fill in the words' character offsets and capitals (only needed once there is a cue to explain)."""
        if self.n and not self.starts:
            # every word character belongs to a word, so each word is the first match of itself after the last
            # one: str.find, three times faster than the regex's match objects
            starts, ends = self.starts, self.ends
            text = self.text
            words = self.low if self.aligned else self.words
            find = self.low_text.find if self.aligned else text.find
            pos = 0
            for w in words:
                pos = find(w, pos)
                starts.append(pos)
                pos += len(w)
                ends.append(pos)
            self.caps = [text[p].isupper() for p in starts]

    def gap(self, i: int) -> str:
        """The text between token i and token i + 1."""
        return self.text[self.ends[i] : self.starts[i + 1]]

    def joined(self, i: int, lex: _Lex) -> bool:
        """Whether tokens i and i + 1 belong to one phrase: only spaces between them, or the dot of an
        abbreviated title or an initial ("Dr. Mensah")."""
        gap = self.text[self.ends[i] : self.starts[i + 1]]
        if gap == " " or _gap_ok(gap):
            return True
        return _gap_dot(gap) and (self.low[i] in lex.title_words or len(self.low[i]) == 1)

    def capital(self, i: int) -> bool:
        """A capital that says "name": not the sentence's first word unless the next one is capitalised too."""
        if not self.caps[i]:
            return False
        if i == 0 or self.text[: self.starts[i]].rstrip().endswith(("“", '"', "‘")):
            return i + 1 < self.n and self.caps[i + 1] and _gap_ok(self.gap(i))
        return True

    def span(self, i: int, j: int) -> Span:
        return (self.starts[i], self.ends[j - 1])


def _quoted(spans: Sequence[Span], start: int) -> bool:
    return any(a <= start < b for a, b in spans)


def _classify(s: _Sentence, i: int, j: int, lex: _Lex) -> str | None:
    """The kind of source the tokens [i, j) name, or None."""
    low = s.low[i:j]
    # the head: the last word before "of"/"for"/"at" ("Lawyers for the detainees"), else the last word
    head_at = next((k for k in range(i + 1, j) if s.low[k] in lex.connectors and not s.caps[k]), j) - 1
    head = s.low[head_at]
    if j - i == 1 and head in lex.pronouns:
        return PRONOUN
    if head in lex.heads and low[0] in _INDEFINITE:
        return ANONYMOUS  # "a Ukrainian intelligence official", "one senior source"
    named = any(s.capital(k) and s.low[k] not in lex.determiners for k in range(i, j))
    if not named:
        if any(w in lex.anonymous_words for w in low[: head_at - i + 1]):
            return ANONYMOUS
        if head in lex.heads and any(w in _INDEFINITE for w in low):
            return ANONYMOUS
        if head in lex.institution_words or head in lex.title_words:
            return ROLE
        if head.endswith("s") and not head.endswith("'s"):
            return ANONYMOUS  # a collective: "Immigration lawyers say", "Residents blame"
        return ROLE if low[0] in lex.determiners and low[0] not in _INDEFINITE else ANONYMOUS
    return NAMED


def _before(s: _Sentence, cue_start: int, lex: _Lex) -> tuple[int, int] | None:
    """The noun phrase that ends just before the cue (skipping "also", "has", "on Monday"...), as [i, j)."""
    k = cue_start - 1
    while k >= 0 and s.low[k] in lex.skip and s.joined(k, lex):
        k -= 1
    if k < 0:
        return None
    # "the border security minister, Alan Hollis, said": an appositive name between commas
    if not s.joined(k, lex) and not (_gap_comma(s.gap(k)) and s.caps[k]):
        return None
    head = s.low[k]
    if head in lex.pronouns:
        return (k, k + 1)
    if head in lex.determiners or head in lex.connectors or head in lex.negations_single:
        return None
    if not (s.caps[k] or head in lex.known or head.endswith("s")):
        return None
    i = k
    modifiers = 0
    commas = 0
    while i > 0 and k + 1 - i < _MAX_SOURCE_TOKENS:
        prev = s.low[i - 1]
        if not s.joined(i - 1, lex):
            if not (_gap_comma(s.gap(i - 1)) and s.caps[i] and commas < 1):
                break
            commas += 1
        if prev in lex.determiners:
            i -= 1
            # "Lawyers for the detainees", "Researchers at the Institute of Education"
            if i >= 2 and s.low[i - 1] in lex.connectors and s.joined(i - 1, lex) and s.joined(i - 2, lex):
                i -= 1
                continue
            break
        if s.caps[i - 1] or prev in lex.known or prev in lex.connectors or prev.endswith("'s"):
            i -= 1
            continue
        if modifiers < _MAX_MODIFIERS and prev not in lex.pronouns and prev not in lex.skip:
            modifiers += 1
            i -= 1
            continue
        break
    # drop leading words that are neither a determiner nor part of a name or a known noun ("claims by some...")
    while i < k and not (s.low[i] in lex.determiners or s.caps[i] or s.low[i] in lex.known or s.low[i].endswith("'s")):
        i += 1
    while i < k and s.low[i] in lex.connectors and s.low[i] not in lex.determiners and not s.caps[i]:
        i += 1
    if commas:
        # "the council's cabinet member for highways, Cllr Stuart Pengelly, said": the name is the source
        i = next((m + 1 for m in range(k - 1, i - 1, -1) if not s.joined(m, lex)), i)
    return (i, k + 1)


def _after(s: _Sentence, cue_end: int, lex: _Lex) -> tuple[int, int] | None:
    """The noun phrase that starts just after the cue ("said Dr. Raman", "according to the coroner")."""
    if cue_end >= s.n or not s.joined(cue_end - 1, lex) or s.low[cue_end] in lex.complementisers:
        return None
    i = j = cue_end
    head_seen = False
    modifiers = 0
    possessive = -1
    while j < s.n and j - i < _MAX_SOURCE_TOKENS:
        w = s.low[j]
        if j > i and not s.joined(j - 1, lex):
            break
        if w in lex.pronouns and j == i:
            return (i, i + 1)
        if w.endswith("'s"):
            head_seen, modifiers = True, 0  # a possessive starts the phrase again: "the hospital's own review"
            possessive = j
        elif s.caps[j] or w in lex.known:
            head_seen = True
            possessive = -1
        elif (w in lex.determiners and not head_seen) or (
            w in lex.connectors and head_seen and j + 1 < s.n and (s.caps[j + 1] or s.low[j + 1] in lex.determiners)
        ):
            pass  # "the", or "of" inside a name ("Office for National Statistics")
        elif modifiers < _MAX_MODIFIERS and (not head_seen or possessive >= 0 or _known_ahead(s, j, lex)):
            modifiers += 1  # "a Ukrainian intelligence official": modifiers before a known noun
        else:
            break
        j += 1
    if not head_seen:
        return None
    while j > i and not (s.caps[j - 1] or s.low[j - 1] in lex.known or s.low[j - 1].endswith("'s")):
        j -= 1
    return (i, j) if j > i else None


def _known_ahead(s: _Sentence, j: int, lex: _Lex) -> bool:
    """Whether a known source noun follows token j closely, within one phrase."""
    for k in range(j + 1, min(s.n, j + 1 + _MAX_MODIFIERS)):
        if not s.joined(k - 1, lex):
            return False
        if s.low[k] in lex.known and not s.caps[k]:
            return True
    return False


def analyse(text: str, words: Mapping[str, Sequence[str]] | None = None) -> Analysis:
    """Cues, sources, quotations and feature values of one sentence.

    Parameters
    ----------
    text : str
        The sentence.
    words : mapping, optional
        Lexicon lists (name -> entries); default: the shipped ``schemas/lexicon.json``.

    Returns
    -------
    Analysis
        ``cues`` and ``sources`` with end-exclusive character spans into ``text``; ``features`` in the order of
        :data:`FEATURES`.
    """
    lex = _indexed(_lex_key(words if words is not None else lexicon_words()))
    return _analyse(text, lex)


def _analyse(text: str, lex: _Lex) -> Analysis:
    s = _Sentence(text)
    low = s.low
    quotes = (
        tuple(m.span() for m in _QUOTED.finditer(text) if m.end() > m.start())
        if "“" in text or '"' in text or "‘" in text or "«" in text or "”" in text  # any quotation mark
        else ()
    )
    f = [0.0] * len(FEATURES)
    cues: list[Cue] = []
    sources: list[Source] = []
    anonymous_any = False
    found_all = lex.all_matches(low)
    if found_all:
        s.locate()
    for name, kind in _CUE_LISTS.items():
        for i, j, phrase in found_all.get(name, ()):
            if kind == ANONYMOUS:
                anonymous_any = True
                continue
            span = s.span(i, j)
            quoted = _quoted(quotes, span[0])
            kind_here = ACCORDING if kind == REPORT and phrase[:2] == lex.according else kind
            cues.append(Cue(kind_here, span, quoted))
            if kind_here == HEDGE:
                f[_INDEX["hedge_quoted" if quoted else "hedge"]] = 1.0
                continue
            if kind_here == DISPUTE:
                f[_INDEX["dispute_quoted" if quoted else "dispute"]] = 1.0
                if quoted:
                    continue
            elif quoted:
                continue
            else:
                f[_INDEX["report"]] = 1.0
                if kind_here == ACCORDING:
                    f[_INDEX["according_to"]] = 1.0
            passive = phrase in lex.listener and i > 0 and low[i - 1] in _BE  # "residents were told": listeners
            found = None if kind_here == ACCORDING or passive else _before(s, i, lex)
            if j < s.n and low[j] == "by" and s.joined(j - 1, lex):
                found = _after(s, j + 1, lex)  # passive: "was contradicted by Home Office data"
            if (
                found is None
                and kind_here != DISPUTE
                and phrase not in lex.listener
                and (kind_here == ACCORDING or i == 0 or not s.joined(i - 1, lex))
            ):
                found = _after(s, j, lex)
            source_kind = _classify(s, *found, lex) if found else None
            if found and source_kind:
                source_span = s.span(*found)
                if not any(src.span == source_span for src in sources):
                    sources.append(Source(source_kind, source_span, span))
                f[_INDEX["source_" + source_kind]] = 1.0
            elif kind_here != DISPUTE:
                f[_INDEX["report_without_source"]] = 1.0
    # a negation shortly before a verification word: "could not independently verify", "no evidence"
    negations = found_all.get("negations")
    if negations:
        verifications = found_all.get("verification_words", [])
        for a, b, _ in negations:
            # the negation up to the last verification word in reach: "has not provided any evidence"
            end = b
            for va, vb, _ in verifications:
                if 0 <= va - end <= _NEGATION_WINDOW:
                    end = vb
            if end == b:
                continue
            span = (s.starts[a], s.ends[end - 1])
            quoted = _quoted(quotes, span[0])
            cues.append(Cue(NOT_VERIFIED, span, quoted))
            if not quoted:
                f[_INDEX["not_verified"]] = 1.0
    if anonymous_any:
        f[_INDEX["anonymous_any"]] = 1.0
    if quotes:
        f[_INDEX["quote"]] = 1.0
        if any(c.kind in (REPORT, ACCORDING) and not c.quoted for c in cues):
            f[_INDEX["quote_speaker"]] = 1.0
    if not cues and not anonymous_any:
        f[_INDEX["no_cue"]] = 1.0
    stripped = text.rstrip()
    last = stripped.rstrip(_CLOSERS)[-1:]
    if not (last in (".", "!", "?", "…") or (last and stripped[-1] in '”"’')):
        f[_INDEX["no_final_punctuation"]] = 1.0
    if last == "?":
        f[_INDEX["question"]] = 1.0
    if len(cues) > 1:
        cues.sort(key=_BY_SPAN)
    return Analysis(tuple(cues), tuple(sources), quotes, tuple(f), s.ngram_words())


def features_of(analyses: Sequence[Analysis]) -> NDArray[np.float64]:
    """The feature rows of analyses, as one (n, len(FEATURES)) array."""
    if not analyses:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    return np.array([a.features for a in analyses], dtype=np.float64)


def explain(a: Analysis, positive: frozenset[str]) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """The (source spans, cue spans) of ``a`` whose features are in ``positive`` (those that push towards a class:
    a positive coefficient), in order, overlapping spans joined. A source shows when its own feature is positive,
    or when the cue it stands behind shows; a positive source feature shows its cue too."""
    if not a.cues:  # no cue, no source (every source stands behind a cue)
        return (), ()
    cues: set[Span] = set()
    sources: set[Span] = set()
    for cue in a.cues:
        name = _CUE_FEATURE[cue.kind]
        if cue.quoted and cue.kind in (HEDGE, DISPUTE):
            name += "_quoted"
        if name in positive:
            cues.add(cue.span)
    for src in a.sources:
        if "source_" + src.kind in positive:
            sources.add(src.span)
            cues.add(src.cue)
        elif src.cue in cues:
            sources.add(src.span)
    return merged(sources), merged(cues)


def merged(spans: set[Span]) -> tuple[Span, ...]:
    """Spans in order, overlapping ones joined ("no evidence" within "no evidence to support")."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return tuple(out)

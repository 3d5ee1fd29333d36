"""A sentence's tokens with their character offsets, and the noun phrase next to a cue that names its source.

:class:`SentenceTokens` tokenises once (lower-case, offsets filled in only when a cue needs them);
:func:`phrase_before` and :func:`phrase_after` find the noun phrase that ends just before a cue or starts just
after it, as a token range [i, j), and :func:`source_kind` says what kind of source it names (:data:`NAMED`,
:data:`ROLE`, :data:`ANONYMOUS`, :data:`PRONOUN`). Compiled by mypyc with the analysis (``setup.py``).
"""

from __future__ import annotations

import re

from annotator.attribution.phrase_index import TOKEN, PhraseIndex

Span = tuple[int, int]

NAMED, ROLE, ANONYMOUS, PRONOUN = "named", "role", "anonymous", "pronoun"

# Characters that are never part of a word (no letter, digit or "_"): stripped from the ends of a whitespace-separated
# piece before it is taken as one token (see tokens).
PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~“”‘’«»—–…•·"
_WORDS = re.compile(r"\b\w\w+\b")  # scikit-learn's TfidfVectorizer tokens (for SentenceTokens.ngram_words)
_INDEFINITE = frozenset({"a", "an", "one", "another", "two", "three", "several", "some", "many", "other", "few"})
_MAX_SOURCE_TOKENS = 8
_MAX_MODIFIERS = 3


def tokens(text: str) -> list[str]:
    """``TOKEN.findall(text)``, twice as fast compiled: most whitespace-separated pieces are one word with
    punctuation around it, and ``str.split``, ``str.strip`` and ``str.isalnum`` (``\\w`` is alphanumeric or "_")
    are single C calls; other pieces ("fact-checkers", "U.S.", "5,000") go through the regex."""
    out: list[str] = []
    for piece in text.split():
        if piece.isalnum():  # most pieces: no strip (which builds a table of PUNCT on every call)
            out.append(piece)
            continue
        core = piece.strip(PUNCT)
        if not core:
            continue
        if core.isalnum():
            out.append(core)
        else:
            out.extend(TOKEN.findall(core))
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


class SentenceTokens:
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
            self.low: list[str] = tokens(low_text)
            self.words: list[str] = []
        else:
            self.words = TOKEN.findall(text)
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

    def joined(self, i: int, lex: PhraseIndex) -> bool:
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


def source_kind(s: SentenceTokens, i: int, j: int, lex: PhraseIndex) -> str | None:
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


def phrase_before(s: SentenceTokens, cue_start: int, lex: PhraseIndex) -> tuple[int, int] | None:
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


def phrase_after(s: SentenceTokens, cue_end: int, lex: PhraseIndex) -> tuple[int, int] | None:
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


def _known_ahead(s: SentenceTokens, j: int, lex: PhraseIndex) -> bool:
    """Whether a known source noun follows token j closely, within one phrase."""
    for k in range(j + 1, min(s.n, j + 1 + _MAX_MODIFIERS)):
        if not s.joined(k - 1, lex):
            return False
        if s.low[k] in lex.known and not s.caps[k]:
            return True
    return False

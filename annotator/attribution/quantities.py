"""Quantities in a sentence ("more than 120 personnel", "several hundred workers", "£7.4bn", "eleven people"),
read with the lexicon's ``numbers`` section, and whether two of them make the same claim (pure).

A quantity has a range of values it claims (``low``..``high``), a ``bound`` (``exact``, ``approximate``,
``at_least``, ``at_most`` or ``vague``) and the stems of the words it counts ("personnel", "workers"). Dates,
times, years and model numbers (F-35, SU-30MK2, No. 10) are not quantities. Offsets are end-exclusive character
offsets into the sentence text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from annotator.attribution.lexicon import numbers, source_lexicon
from annotator.attribution.mentions import Span

EXACT = "exact"
APPROXIMATE = "approximate"
AT_LEAST = "at_least"
AT_MOST = "at_most"
VAGUE = "vague"
_POINT_LIKE = frozenset({EXACT, APPROXIMATE, VAGUE})
_APPROX_SLACK = 0.15  # "about 120" covers 102..138
_NOUN_WORDS = 3
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CURRENCY = {"£": "gbp", "$": "usd", "€": "eur"}


@dataclass(frozen=True)
class Quantity:
    span: Span
    text: str
    low: float
    high: float
    bound: str
    nouns: frozenset[str]

    def same_claim(self, other: Quantity) -> bool:
        """Whether ``other`` claims the same amount: overlapping ranges and compatible bounds ("about 120" and
        "120" agree; "more than 120" and "120" do not; "several hundred" and "around 120" do not)."""
        if (self.bound in _POINT_LIKE) != (other.bound in _POINT_LIKE):
            return False
        if self.bound in _POINT_LIKE:
            return self.low <= other.high and other.low <= self.high
        return self.bound == other.bound and math.isclose(self.low, other.low) and math.isclose(self.high, other.high)


@dataclass(frozen=True)
class _Grammar:
    pattern: re.Pattern[str]
    units: dict[str, int]
    scales: dict[str, int]
    vague: dict[str, tuple[int, int]]
    modifiers: dict[str, str]
    months: frozenset[str]


def _alternation(words: list[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


@cache
def _grammar() -> _Grammar:
    n = numbers()
    modifiers = {m: APPROXIMATE for m in n.approximate} | {m: AT_LEAST for m in n.at_least}
    modifiers |= {m: AT_MOST for m in n.at_most}
    word_scales = [s for s in n.scales if len(s) > 2]
    units = _alternation(list(n.units))
    scale = _alternation(word_scales)
    suffix_scale = _alternation(list(n.scales))
    pattern = re.compile(
        rf"(?<![\w.,£$€-])(?:(?P<mod>{_alternation(list(modifiers))})\s+)?"
        rf"(?:(?P<cur>[£$€])?(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
        rf"(?:\s?(?P<nscale>{suffix_scale})\b)?(?P<unit>[a-zA-Z]{{1,3}}\b)?"
        rf"|(?P<vague>{_alternation(list(n.vague))})(?:\s+(?P<vscale>{scale}))?"
        rf"|(?P<words>(?:{units})(?:[-\s](?:{units}))?)(?:\s+(?P<wscale>{scale}))?)"
        rf"(?![\w-])",
        re.IGNORECASE,
    )
    months = frozenset(source_lexicon().words["calendar_words"])
    return _Grammar(pattern, n.units, n.scales, n.vague, modifiers, months)


def quantities(text: str) -> list[Quantity]:
    """The quantities in ``text``, in order."""
    g = _grammar()
    out: list[Quantity] = []
    for m in g.pattern.finditer(text):
        if _not_a_quantity(text, m, g):
            continue
        parsed = _value(m, g)
        if parsed is None:
            continue
        low, high, bound = parsed
        modifier = (m.group("mod") or "").lower()
        if modifier:
            bound = g.modifiers[" ".join(modifier.split())] if bound == EXACT else bound
        if bound == APPROXIMATE:
            low, high = low * (1 - _APPROX_SLACK), high * (1 + _APPROX_SLACK)
        elif bound == AT_LEAST:
            high = math.inf
        elif bound == AT_MOST:
            low = 0.0
        nouns = _nouns(text, m.end(), m)
        out.append(Quantity(m.span(), m.group(), low, high, bound, nouns))
    return out


def _not_a_quantity(text: str, m: re.Match[str], g: _Grammar) -> bool:
    if not m.group().strip():
        return True
    num = m.group("num")
    after = text[m.end() : m.end() + 6].lower()
    before = text[max(0, m.start() - 12) : m.start()].lower()
    if num is not None:
        if re.match(r"\s?(?:a\.m|p\.m|am\b|pm\b)|:\d|[-/]\d", after) or re.search(r"\bno\.?\s*$", before):
            return True  # times, ranges written 3-4 are read as two numbers; "No. 10"
        if "," not in num and "." not in num and len(num) == 4 and 1800 <= int(num) <= 2100 and not m.group("cur"):
            return True  # a year
        words_before = before.split()
        next_word = after.split()[0].strip(".,;") if after.split() else ""
        if (words_before and words_before[-1].strip(",") in g.months) or next_word in g.months:
            return True  # 17 March, November 11
    return False


def _value(m: re.Match[str], g: _Grammar) -> tuple[float, float, str] | None:
    if m.group("num") is not None:
        value = float(m.group("num").replace(",", ""))
        scale = (m.group("nscale") or "").lower()
        if scale:
            value *= g.scales[scale]
        return value, value, EXACT
    if m.group("vague") is not None:
        low, high = g.vague[" ".join(m.group("vague").lower().split())]
        scale = g.scales.get((m.group("vscale") or "").lower(), 1)
        return float(low * scale), float(high * scale), VAGUE
    words = re.split(r"[-\s]+", m.group("words").lower())
    value = 0
    i = 0
    while i < len(words):
        two = " ".join(words[i : i + 2])
        if two in g.units:
            value += g.units[two]
            i += 2
        elif words[i] in g.units:
            value += g.units[words[i]]
            i += 1
        else:
            return None
    scale = g.scales.get((m.group("wscale") or "").lower(), 1)
    return float(value * scale), float(value * scale), EXACT


def _nouns(text: str, end: int, m: re.Match[str]) -> frozenset[str]:
    """Stems of the words after the quantity up to the first stop word (at most three), with its unit and
    currency: what is being counted ("workers", "military personnel", "km", "gbp")."""
    found: list[str] = []
    for word in _WORD.findall(text[end : end + 60])[:_NOUN_WORDS]:
        if word.lower() in ENGLISH_STOP_WORDS:
            if found:
                break
            continue
        found.append(stem(word))
    unit = m.group("unit") if m.group("num") is not None else None
    extra = {unit.lower()} if unit else set()
    if m.group("num") is not None and m.group("cur"):
        extra.add(_CURRENCY[m.group("cur")])
    return frozenset(found) | extra


def stem(word: str) -> str:
    """A crude English stem, enough to match "workers"/"worker" and "training"/"trained"/"train"."""
    w = word.lower().strip("'’")
    for suffix in ("ing", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def align(a: list[Quantity], b: list[Quantity]) -> list[tuple[Quantity, Quantity]]:
    """Pairs of quantities (one from each sentence) that count the same thing: shared counted words, or the only
    quantity on each side."""
    pairs: list[tuple[Quantity, Quantity]] = []
    used: set[int] = set()
    for qa in a:
        for k, qb in enumerate(b):
            if k not in used and qa.nouns & qb.nouns:
                pairs.append((qa, qb))
                used.add(k)
                break
    if not pairs and len(a) == 1 and len(b) == 1:
        pairs.append((a[0], b[0]))
    return pairs

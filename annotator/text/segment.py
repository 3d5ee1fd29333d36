"""Article text -> sentences with exact character offsets (pure: no I/O).

The text is split on line breaks first (headlines and captions carry no final punctuation), each
line is checked against the boilerplate rules and given a kind, and lines that may hold more than
one sentence are split with sentencex (a compiled rule-based segmenter) and then corrected with a
few news rules:

- a quotation that spans several sentences stays one unit with its attribution, and a quotation
  interrupted by its attribution (``‘A,’ he said. ‘B.’``) is kept together;
- no split after prepositive titles (Gen., Lt., Col., Sgt., St., No. 10 ...), middle initials,
  or ``a.m.``/``p.m.`` followed by a day, month or time zone; never a split before a lowercase word;
- enumerated lists on one line (``1) ... 2) ...``, ``a. ... b. ...``) split at each item;
- a spaced four-dot ellipsis after a word ends the sentence at the word's period.

Offsets are end-exclusive character offsets into the text given: ``text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from sentencex import segment as sentencex_segment

from annotator.text.boilerplate import RELATED_TEASER, REPEATED_LINE, BoilerplateRules, load_rules
from annotator.text.quotes import QuoteCounter, quote_spans

BODY, HEADLINE, SUBHEAD, CAPTION, BOILERPLATE = "body", "headline", "subhead", "caption", "boilerplate"

#: A line without final punctuation and at most this many words is a sub-heading, not a caption.
SUBHEAD_MAX_WORDS = 12


class Sentence(NamedTuple):
    """One sentence (or one dropped boilerplate line) of an article.

    ``start``/``end`` are end-exclusive character offsets into the article text; ``quote_id`` numbers
    the quotations of the article from 0 (sentences of one quotation share it), None outside quotes;
    ``rule`` names the boilerplate rule for ``kind == "boilerplate"``.
    """

    start: int
    end: int
    text: str
    kind: str
    quote_id: int | None = None
    rule: str | None = None


# -- compiled once: importing scikit-learn shrinks the re cache to 50 entries --------------------
_CLOSERS = "\"'’”)]"
_FINAL_PUNCT = frozenset(".!?…:;")
_MAYBE_INNER = re.compile(r"[.!?…][\"'’”)\]]*\s")
_LIST_MARK = re.compile(r"(?:(?<=\s)|^)(?:[•⁃▪◦*–-]\s*)?(\d{1,3}|[a-z])(\.\)|\)|\.)(?=\s)")
_MARK_ONLY = re.compile(r"(?:[•⁃▪◦*–-]\s*)?(?:\d{1,3}|[a-zA-Z])(?:\.\)|\)|\.)")
#: Abbreviations after which a sentence does not end when a capitalised word or a number follows:
#: prepositive titles and ranks (Gen. Dan Caine, Lt. Col. Ames, St. Paul's) and a few others.
TITLES = frozenset(
    (  # noqa: SIM905
        "Gen Gens Lt Col Sgt Maj Capt Cpl Pvt Pte Adm Brig Cmdr Cdr Cmdt Rep Reps Sen Sens Gov Prof Dr Drs"
        " Mr Mrs Ms Mx Mt St Ste Rev Hon Fr Supt Insp Det Const Pres Amb Atty Messrs Mme Mlle Gov-elect"
        " Lt.-Col Lt.Col Maj.Gen Brig.Gen Lt.Gen Sgt.Maj approx vs cf ca"
    ).split()
)
#: Abbreviations after which a sentence does not end when a number follows (No. 10, pp. 4-5).
NUMBER_ABBREVIATIONS = frozenset("No Nos Vol Vols pp p Art Fig Figs Sec Ch Ex Rm Tel".split())  # noqa: SIM905
_AMPM = frozenset({"a.m.", "p.m."})
_AMPM_NEXT = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
    r"|(?:GMT|BST|UTC|CET|CEST|EET|EEST|MSK|ET|EST|EDT|CT|CST|CDT|MT|MST|MDT|PT|PST|PDT|IST|JST|AEST|AEDT)\b"
)
_FOUR_DOT = re.compile(r"(?<=\w\.) \. \. \.$")
_UPPER_OR_DIGIT_START = re.compile(r"[A-Z0-9‘“\"'(]")
#: First characters of a line that may open an enumerated list (see _LIST_MARK).
_LIST_START = frozenset("0123456789abcdefghijklmnopqrstuvwxyz•⁃▪◦*–-")


def segment(
    text: str,
    *,
    rules: BoilerplateRules | None = None,
    title: str | None = None,
    keep_boilerplate: bool = False,
) -> list[Sentence]:
    """Split an article's text into sentences.

    Parameters
    ----------
    text
        The article text as ingested (line breaks are ``\\n``).
    rules
        Boilerplate rules; default: the shipped ``schemas/boilerplate.json``.
    title
        The article's title, if known: a first line equal to it is the headline even when it ends
        with punctuation.
    keep_boilerplate
        Also return dropped lines, one ``Sentence`` per line with ``kind == "boilerplate"``.

    Returns
    -------
    list of Sentence
        In text order, non-overlapping, with ``text[s.start:s.end] == s.text``.
    """
    return _segment(text, rules if rules is not None else load_rules(), title, keep_boilerplate)


def iter_segment(
    text: str,
    *,
    rules: BoilerplateRules | None = None,
    title: str | None = None,
    keep_boilerplate: bool = False,
) -> Iterator[Sentence]:
    """Generator form of :func:`segment` (the work is done per article; this yields its sentences)."""
    yield from _segment(text, rules if rules is not None else load_rules(), title, keep_boilerplate)


def _segment(text: str, rules: BoilerplateRules, title: str | None, keep_boilerplate: bool) -> list[Sentence]:
    # The hot loop of the package: one pass over the lines, with every per-line test a substring
    # test, a set lookup or at most one regex call; the rest only for lines that need it.
    out: list[Sentence] = []
    append = out.append
    new = tuple.__new__
    dropper = _Dropper(rules, text)
    title = title.strip() if title else None
    first = True
    prev_kind = ""
    quotes = QuoteCounter()
    pos = 0
    for raw in text.split("\n"):
        start = pos
        pos += len(raw) + 1
        line = raw.strip()
        if not line:
            continue
        if line is not raw:  # str.strip strips what \s matches: Unicode whitespace
            start += len(raw) - len(raw.lstrip())
        end = start + len(line)
        final = line.rstrip(_CLOSERS)[-1:] in _FINAL_PUNCT
        rule = dropper.rule(line, start, end, final)
        if rule is not None:
            if keep_boilerplate:
                append(new(Sentence, (start, end, line, BOILERPLATE, None, rule)))
            continue
        if first:
            kind = HEADLINE if (line == title or not final) else BODY
            first = False
        elif final:
            kind = BODY
        elif prev_kind == HEADLINE or line.count(" ") < SUBHEAD_MAX_WORDS:
            kind = SUBHEAD
        else:
            kind = CAPTION
        prev_kind = kind
        # an opening quotation mark may be in the line (substring tests beat a regex here)
        may_quote = "“" in line or "‘" in line or '"' in line or " '" in line or line[0] == "'"
        if may_quote or _MAYBE_INNER.search(line) is not None or (line[0] in _LIST_START and _LIST_MARK.match(line)):
            _sentences(line, start, kind, may_quote, quotes, out)
        else:
            quotes.carry = None  # one sentence, no quotation, no list
            append(new(Sentence, (start, end, line, kind, None, None)))
    return out


class _Dropper:
    """The boilerplate decision for each line of one article, in order: a rule's match, a line of a related-links
    section (after a teaser heading, until a line with final punctuation), or a repeated line."""

    def __init__(self, rules: BoilerplateRules, text: str) -> None:
        self.match = rules.match
        self.drop_repeats = rules.drop_repeated_lines
        self.teaser_sections = rules.teaser_sections
        self.in_teasers = False
        self.seen: set[str] = set()
        # Lines outside these ranges cannot be boilerplate: one RE2 scan instead of a regex per line.
        ranges = rules.candidates(text)
        self.check_all = ranges is None
        self.ranges = ranges or []
        self.r = 0

    def rule(self, line: str, start: int, end: int, final: bool) -> str | None:
        """The name of the rule that drops ``line`` (at ``[start, end)`` in the text), or None to keep it."""
        if self.check_all:
            rule = self.match(line)
        else:
            ranges = self.ranges
            r = self.r
            while r < len(ranges) and ranges[r][1] < start:
                r += 1
            self.r = r
            rule = self.match(line) if r < len(ranges) and ranges[r][0] <= end else None
        if rule is None:
            if self.in_teasers and not final:
                rule = RELATED_TEASER
            elif self.drop_repeats and line in self.seen:
                rule = REPEATED_LINE
            else:
                self.seen.add(line)
        if rule is not None:
            self.in_teasers = rule in self.teaser_sections or (self.in_teasers and not final)
        else:
            self.in_teasers = False
        return rule


def _sentences(line: str, start: int, kind: str, may_quote: bool, quotes: QuoteCounter, out: list[Sentence]) -> None:
    """Append the sentences of one kept line that may hold several (at ``start`` in the text) to ``out``."""
    new = tuple.__new__
    quoted = quote_spans(line) if may_quote else []
    spans = _split_line(line, quoted)
    qids = quotes.assign(line, spans, quoted) if quoted else [None] * len(spans)
    if not quoted:
        quotes.carry = None
    for (s, e), qid in zip(spans, qids, strict=True):
        out.append(new(Sentence, (start + s, start + e, line[s:e], kind, qid, None)))


# -- one line ----------------------------------------------------------------------------------


def _split_line(line: str, quoted: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """Sentence spans (end-exclusive, stripped) within one stripped line."""
    items = _list_items(line) if line[0] in _LIST_START else None
    if items is None:
        return _split_prose(line, 0, len(line), quoted)
    spans: list[tuple[int, int]] = []
    for s, e in items:
        spans.extend(_split_prose(line, s, e, quoted))
    return spans


def _list_items(line: str) -> list[tuple[int, int]] | None:
    """Item spans if ``line`` is an inline enumerated list (``1) a 2) b``, ``a. x b. y``)."""
    first = _LIST_MARK.match(line)
    if first is None:
        return None
    starts = [0]
    expect = _next_enum(first.group(1))
    style = first.group(2)
    for m in _LIST_MARK.finditer(line, first.end()):
        if m.group(1) == expect and m.group(2) == style:
            starts.append(m.start())
            expect = _next_enum(expect)
    if len(starts) < 2:
        return None
    ends = [*starts[1:], len(line)]
    return [(s, len(line[:e].rstrip())) for s, e in zip(starts, ends, strict=True)]


def _next_enum(enum: str) -> str:
    return str(int(enum) + 1) if enum.isdigit() else chr(ord(enum) + 1)


def _split_prose(line: str, lo: int, hi: int, quoted: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """Split ``line[lo:hi]`` (no leading/trailing space) into sentence spans in line offsets."""
    chunk = line if lo == 0 and hi == len(line) else line[lo:hi]
    if _MAYBE_INNER.search(chunk) is None:
        return [(lo, hi)]
    pieces = sentencex_segment("en", chunk)
    if len(pieces) < 2:
        return [(lo, hi)]
    # sentencex's pieces are consecutive substrings that cover the chunk, whitespace included
    spans: list[tuple[int, int]] = []
    pos = lo
    for piece in pieces:
        body = piece.rstrip()
        if body:
            lead = len(body) - len(body.lstrip())
            spans.append((pos + lead, pos + len(body)))
        pos += len(piece)
    if len(spans) < 2:
        return spans or [(lo, hi)]
    return _repair(line, spans, quoted)


def _repair(line: str, spans: list[tuple[int, int]], quoted: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """Apply the news rules to sentencex's spans within one line."""
    # A spaced four-dot ellipsis after a word: the sentence ends at the word's period.
    if ". . ." in line:
        out: list[tuple[int, int]] = []
        for i, (s, e) in enumerate(spans):
            m = _FOUR_DOT.search(line, max(s, e - 8), e) if line.endswith(". . .", s, e) else None
            if m and i + 1 < len(spans) and _UPPER_OR_DIGIT_START.match(line, spans[i + 1][0]):
                out.append((s, m.start()))
                spans[i + 1] = (m.start() + 1, spans[i + 1][1])
            else:
                out.append((s, e))
        spans = out

    merged: list[tuple[int, int]] = [spans[0]]
    for s, e in spans[1:]:
        ps, pe = merged[-1]
        if _should_join(line, ps, pe, s, e, quoted):
            merged[-1] = (ps, e)
        else:
            merged.append((s, e))
    return merged


def _should_join(line: str, ps: int, pe: int, s: int, e: int, quoted: list[tuple[int, int, bool]]) -> bool:
    """Whether the boundary between ``line[ps:pe]`` and ``line[s:e]`` is not a sentence end."""
    nxt = line[s]
    if "a" <= nxt <= "z":
        return True  # sentences do not start with a lowercase word
    cut = line.rfind(" ", ps, pe) + 1
    if cut <= ps and pe - ps <= 6 and _MARK_ONLY.fullmatch(line, ps, pe):
        return True  # a list marker alone ("1.")
    if line[pe - 1] == ".":
        word = line[max(cut, ps) : pe - 1].lstrip("‘“\"'(")
        token = word + "."
        if word in TITLES and (nxt.isupper() or nxt.isdigit() or nxt in "‘“\"'("):
            return True
        if word in NUMBER_ABBREVIATIONS and nxt.isdigit():
            return True
        if token.lower() in _AMPM and _AMPM_NEXT.match(line, s):
            return True
        if len(word) == 1 and word.isupper() and line[s : s + 2].istitle() and _follows_name(line, ps, cut):
            return True  # a middle initial: John R. Hale
    if quoted:
        for qs, qe, closed in quoted:
            if closed and qs < pe <= qe - 1 and s < qe:
                return True  # the boundary falls inside one closed quotation
        # ‘A,’ he said. ‘B.’ : a sentence that is only a quotation continues the previous one's quote.
        for qs, qe, closed in quoted:
            if closed and qs == s and qe >= e - 1:
                return any(closed2 and ps <= qs2 and qe2 <= pe for qs2, qe2, closed2 in quoted)
    return False


def _follows_name(line: str, ps: int, cut: int) -> bool:
    """Whether the word before position ``cut`` (start of an initial) is a capitalised name."""
    before = line.rfind(" ", ps, max(cut - 1, ps)) + 1
    word = line[max(before, ps) : cut - 1]
    return len(word) > 1 and word[0].isupper() and word[1:].islower() and word.isalpha()

"""The quotations of an article's lines: where each opens and closes (:func:`quote_spans`), and which sentences
belong to one quotation across lines (:class:`QuoteCounter`). Part of the compiled splitter (``setup.py``).
"""

from __future__ import annotations

import re

_QUOTE_CHAR = re.compile("[\"“”‘’']")
_WORD_CHAR = re.compile(r"\w")
_OPEN_BEFORE = frozenset(" \t([{—–-/\u00a0“‘\"'")


def quote_spans(line: str) -> list[tuple[int, int, bool]]:
    """Top-level quotations in a line: ``(start, end, closed)``; ``end`` is past the closing mark.

    Curly quotes are unambiguous except ``’``, which closes a ``‘`` quotation only when it is not
    followed by a letter (``Ukraine’s`` is an apostrophe). Straight quotes open after a space or an
    opening bracket and close otherwise. An unclosed quotation runs to the end of the line.
    """
    spans: list[tuple[int, int, bool]] = []
    stack: list[tuple[str, int]] = []  # (closing mark, start)
    n = len(line)
    for m in _QUOTE_CHAR.finditer(line):
        ch = m.group()
        i = m.start()
        before = line[i - 1] if i else " "
        after = line[i + 1] if i + 1 < n else " "
        after_is_word = _WORD_CHAR.match(after) is not None
        closer = None
        if ch == "“":
            stack.append(("”", i))
            continue
        if ch == "‘":
            if before in _OPEN_BEFORE or not before.isalnum():
                stack.append(("’", i))
            continue
        if ch == "”":
            closer = "”"
        elif ch == "’":
            if after_is_word:
                continue  # apostrophe
            closer = "’"
        elif ch == '"':
            if stack and stack[-1][0] == '"':
                closer = '"'
            else:
                stack.append(('"', i))
                continue
        else:  # straight single quote
            if before.isalnum() and after_is_word:
                continue  # apostrophe
            if stack and stack[-1][0] == "'" and not after_is_word:
                closer = "'"
            elif (before in _OPEN_BEFORE) and after_is_word:
                stack.append(("'", i))
                continue
            else:
                continue
        # close the innermost matching quotation; outer ones survive
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] == closer:
                start = stack[k][1]
                del stack[k:]
                if not stack:
                    spans.append((start, i + 1, True))
                break
    if stack:
        spans.append((stack[0][1], n, False))
    return spans


class QuoteCounter:
    """Numbers the quotations of one article; a quotation left open at the end of a paragraph
    continues when the next paragraph opens with a quotation mark (the newspaper convention)."""

    def __init__(self) -> None:
        self.next_id = 0
        self.carry: int | None = None

    def assign(self, line: str, spans: list[tuple[int, int]], quoted: list[tuple[int, int, bool]]) -> list[int | None]:
        ids: list[int | None] = [None] * len(spans)
        carry = self.carry if (self.carry is not None and line[:1] in "“‘\"'") else None
        self.carry = None
        k = 0
        for qi, (qs, qe, closed) in enumerate(quoted):
            while k < len(spans) and spans[k][1] <= qs:
                k += 1
            j = k
            while j < len(spans) and spans[j][0] < qe:
                j += 1
            earlier = ids[k] if k < j and all(ids[i] is not None for i in range(k, j)) else None
            qid: int
            if qi == 0 and carry is not None and qs == 0:
                qid = carry
            elif earlier is not None:
                qid = earlier  # a second quotation inside a sentence already quoted: same unit
            else:
                qid = self.next_id
                self.next_id += 1
            for i in range(k, j):
                if ids[i] is None:
                    ids[i] = qid
            if not closed:
                self.carry = qid
        return ids

"""Files (txt, md, html, jsonl, csv) -> articles.

Every input that cannot be read is reported as an :class:`InputError` naming the file (and line or
row) with the reason; reading goes on with the rest. Article text is returned "as ingested": BOM
removed, line breaks normalised to ``\\n``, HTML reduced to its main text by trafilatura. Sentence
offsets everywhere else refer to this text.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from annotator.errors import InputError
from annotator.io.files import (
    SNIFF_BYTES,
    cannot_read,
    check_text,
    decode,
    file_size,
    format_of,
    head_bytes,
    open_text,
    read_bytes,
    suffixes,
    text_lines,
    wide_encoding,
)
from annotator.io.parse import (
    DEFAULT_COLUMNS,
    FORMATS,
    STDIN,
    Article,
    Columns,
    from_csv_stream,
    from_jsonl_lines,
    normalise,
    parse,
)
from annotator.io.write import without_surrogates

__all__ = [
    "DEFAULT_COLUMNS",
    "STDIN",
    "SUFFIXES",
    "Article",
    "Columns",
    "ErrorHandler",
    "ReadReport",
    "expand_inputs",
    "read_articles",
    "read_text",
]

SUFFIXES = suffixes(FORMATS)
_STREAMED = ("jsonl", "csv")  # files of one article per line or row

ErrorHandler = Callable[[InputError], None]


@dataclass
class ReadReport:
    """What a call to :func:`read_articles` read, skipped and failed on."""

    files: int = 0
    articles: int = 0
    bytes: int = 0
    skipped: int = 0
    errors: list[InputError] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def expand_inputs(inputs: Iterable[str | Path], report: ReadReport | None = None) -> Iterator[str]:
    """Files to read, in a stable order: given files as they are, directories recursively (files
    with a known suffix, hidden ones left out), ``-`` for standard input."""
    report = report if report is not None else ReadReport()
    for item in inputs:
        if str(item) == STDIN:
            yield STDIN
            continue
        path = Path(item)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(part.startswith(".") for part in rel) or not child.is_file():
                    continue
                if child.suffix.lower() in SUFFIXES:
                    yield str(child)
                else:
                    report.skipped += 1
        else:
            yield str(path)


def read_articles(
    inputs: Iterable[str | Path],
    *,
    columns: Columns = DEFAULT_COLUMNS,
    stdin: BinaryIO | None = None,
    stdin_format: str | None = None,
    report: ReadReport | None = None,
    on_error: ErrorHandler | None = None,
    on_file: Callable[[str, int], None] | None = None,
) -> Iterator[Article]:
    """Read articles from files, directories and ``-`` (standard input), streaming.

    Parameters
    ----------
    inputs
        Paths of files or directories, or ``-``.
    columns
        Field names to read from JSONL and CSV.
    stdin, stdin_format
        The stream behind ``-`` (default: ``sys.stdin.buffer``) and its format (``txt``, ``html``,
        ``jsonl`` or ``csv``; default: sniffed from the first bytes).
    report
        Filled in as reading goes: counts and the list of errors.
    on_error
        Called with each :class:`InputError` as it happens (the article or file is skipped).
    on_file
        Called with each file's name and size in bytes once it has been read (for progress bars).

    Yields
    ------
    Article
        With unique ids: a repeated id is an error for the later article.
    """
    report = report if report is not None else ReadReport()
    seen: dict[str, str] = {}

    def fail(err: InputError) -> None:
        report.errors.append(err)
        if on_error is not None:
            on_error(err)

    for name in expand_inputs(inputs, report):
        try:
            size, articles = _open(name, columns, stdin, stdin_format, fail)
        except InputError as err:
            fail(err)
            continue
        report.files += 1
        report.bytes += size
        try:
            yield from _unique(articles, seen, report, fail)
        except InputError as err:
            fail(err)
        finally:
            if on_file is not None:
                on_file(name, size)


def _unique(
    articles: Iterable[Article], seen: dict[str, str], report: ReadReport, fail: ErrorHandler
) -> Iterator[Article]:
    """The articles whose id was not ``seen`` before (a repeated id is an error for the later article), counted."""
    for article in articles:
        if article.id in seen:
            first = seen[article.id]
            fail(InputError(article.origin, f"duplicate article id {article.id!r} (first read from {first})"))
            continue
        seen[article.id] = article.origin
        report.articles += 1
        yield article


def read_text(text: str, *, article_id: str, title: str | None = None, source: str | None = None) -> Article:
    """Make an article from text already in memory (line breaks normalised)."""
    return Article(id=article_id, text=normalise(text), title=title, source=source, origin=article_id)


def _open(
    name: str, columns: Columns, stdin: BinaryIO | None, stdin_format: str | None, fail: ErrorHandler
) -> tuple[int, Iterator[Article]]:
    """The size of one input and its articles, read when iterated. A JSONL or CSV file (one article per line or
    row) is read as a stream, so memory does not grow with the file; anything else is read whole."""
    if name == STDIN:
        data = (stdin or sys.stdin.buffer).read()
        return len(data), _whole("stdin", name, _sniff(data, stdin_format), data, columns, fail)
    if not os.path.exists(name):
        raise cannot_read(name, FileNotFoundError(name))  # before its suffix: a missing path has no type to tell
    fmt = format_of(name, FORMATS)
    if fmt in _STREAMED and wide_encoding(head_bytes(name, 4)) is None:
        return file_size(name), _streamed(name, fmt, columns, fail)
    # UTF-16 and UTF-32 files (rare) are decoded whole: their lines cannot be split on the byte b"\n"
    data = read_bytes(name)
    return len(data), _whole(_stem(name), name, fmt, data, columns, fail)


def _whole(stem: str, name: str, fmt: str, data: bytes, columns: Columns, fail: ErrorHandler) -> Iterator[Article]:
    yield from parse(name, fmt, decode(name, data), stem=stem, columns=columns, fail=fail)


def _streamed(name: str, fmt: str, columns: Columns, fail: ErrorHandler) -> Iterator[Article]:
    check_text(name)
    stem = _stem(name)
    if fmt == "jsonl":
        yield from from_jsonl_lines(name, (line for _, line in text_lines(name)), stem, columns, fail)
        return
    with open_text(name) as fh:
        yield from from_csv_stream(name, fh, stem, columns, fail)


def _stem(name: str) -> str:
    """The default article id of a file: its name without the suffix, as valid Unicode (a name that is not UTF-8
    holds lone surrogates once decoded, which no writer could write: each becomes U+FFFD)."""
    return without_surrogates(Path(name).stem)  # type: ignore[no-any-return]


def _sniff(data: bytes, stdin_format: str | None) -> str:
    """The format of standard input: the one given, else guessed from the first bytes."""
    if stdin_format:
        return stdin_format
    head = data[:SNIFF_BYTES]
    wide = wide_encoding(head)
    first = (head.decode(wide, "ignore") if wide else head.decode("utf-8", "ignore")).lstrip("\ufeff \t\r\n")[:1]
    if first == "{":
        return "jsonl"
    if first == "<":
        return "html"
    return "txt"

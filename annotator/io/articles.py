"""Files (txt, md, html, jsonl, csv) -> articles.

Every input that cannot be read is reported as an :class:`InputError` naming the file (and line or
row) with the reason; reading goes on with the rest. Article text is returned "as ingested": BOM
removed, line breaks normalised to ``\\n``, HTML reduced to its main text by trafilatura. Sentence
offsets everywhere else refer to this text.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from annotator.errors import InputError

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv"})
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES
STDIN = "-"
_SNIFF_BYTES = 8192
_STREAMED_SUFFIXES = JSONL_SUFFIXES | CSV_SUFFIXES  # files of one article per line or row

ErrorHandler = Callable[[InputError], None]


@dataclass
class Article:
    """One article: its text as ingested and what is known about it."""

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    origin: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Columns:
    """Names of the fields read from JSONL objects and CSV columns."""

    id: str = "id"
    text: str = "text"
    html: str = "html"
    title: str = "title"
    source: str = "source"
    url: str = "url"
    published: str = "published"


DEFAULT_COLUMNS = Columns()


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

    def unique(articles: Iterable[Article]) -> Iterator[Article]:
        for article in articles:
            if article.id in seen:
                fail(
                    InputError(
                        article.origin,
                        f"duplicate article id {article.id!r} (first read from {seen[article.id]})",
                    )
                )
                continue
            seen[article.id] = article.origin
            report.articles += 1
            yield article

    for name in expand_inputs(inputs, report):
        if name != STDIN and Path(name).suffix.lower() in _STREAMED_SUFFIXES:
            # one article per line or row: read as a stream, so memory does not grow with the file
            try:
                size = _file_size(name)
            except InputError as err:
                fail(err)
                continue
            report.files += 1
            report.bytes += size
            try:
                _check_text_file(name)
                yield from unique(_parse_file(name, columns, fail))
            except InputError as err:
                fail(err)
            finally:
                if on_file is not None:
                    on_file(name, size)
            continue
        try:
            data = _read_bytes(name, stdin)
        except InputError as err:
            fail(err)
            continue
        report.files += 1
        report.bytes += len(data)
        try:
            fmt = _format_of(name, data, stdin_format)
            text = _decode(name, data)
            yield from unique(_parse(name, fmt, text, columns, fail))
        except InputError as err:
            fail(err)
        finally:
            if on_file is not None:
                on_file(name, len(data))


def read_text(text: str, *, article_id: str, title: str | None = None, source: str | None = None) -> Article:
    """Make an article from text already in memory (line breaks normalised)."""
    return Article(id=article_id, text=_normalise(text), title=title, source=source, origin=article_id)


# -- bytes -> str ------------------------------------------------------------------------------


def _read_bytes(name: str, stdin: BinaryIO | None) -> bytes:
    if name == STDIN:
        return (stdin or sys.stdin.buffer).read()
    path = Path(name)
    if path.suffix.lower() not in SUFFIXES:
        known = ", ".join(sorted(SUFFIXES))
        raise InputError(name, f"unsupported file type {path.suffix or '(none)'!r}; expected one of {known}")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(name, "no such file or directory") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory") from None
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror or exc})") from None


def _file_size(name: str) -> int:
    """The size of a file to stream, with the errors :func:`_read_bytes` gives."""
    path = Path(name)
    try:
        if path.is_dir():
            raise InputError(name, "is a directory")
        return path.stat().st_size
    except FileNotFoundError:
        raise InputError(name, "no such file or directory") from None
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror or exc})") from None


def _text_lines(name: str) -> Iterator[tuple[int, bytes]]:
    """The lines of a file as (byte offset, bytes), a UTF-8 byte order mark left out; ``\n`` never occurs inside a
    multi-byte UTF-8 sequence, so decoding line by line decodes exactly what decoding the whole file would."""
    try:
        with open(name, "rb") as fh:
            offset = 0
            for raw in fh:
                skip = 3 if offset == 0 and raw.startswith(b"\xef\xbb\xbf") else 0
                yield offset + skip, raw[skip:]
                offset += len(raw)
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror or exc})") from None


def _check_text_file(name: str) -> None:
    """What :func:`_decode` checks, on a file read as a stream: no NUL in the first bytes, valid UTF-8, not blank."""
    try:
        with open(name, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror or exc})") from None
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(name, f"binary file, not text (NUL byte at offset {nul})")
    blank = True
    for offset, raw in _text_lines(name):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            at = offset + exc.start
            bad = raw[exc.start : exc.start + 1].hex()
            raise InputError(name, f"not valid UTF-8 (byte 0x{bad} at offset {at}); re-encode it as UTF-8") from None
        blank = blank and not line.strip()
    if blank:
        raise InputError(name, "empty file")


def _parse_file(name: str, columns: Columns, fail: Callable[[InputError], None]) -> Iterator[Article]:
    """Articles of a JSONL or CSV file checked by :func:`_check_text_file`, streaming."""
    stem = Path(name).stem
    if Path(name).suffix.lower() in JSONL_SUFFIXES:
        yield from _from_jsonl_lines(name, (raw.decode("utf-8") for _, raw in _text_lines(name)), stem, columns, fail)
        return
    try:
        with open(name, encoding="utf-8-sig", newline="") as fh:
            yield from _from_csv_stream(name, fh, stem, columns, fail)
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror or exc})") from None


def _decode(name: str, data: bytes) -> str:
    nul = data.find(b"\x00", 0, _SNIFF_BYTES)
    if nul >= 0:
        raise InputError(name, f"binary file, not text (NUL byte at offset {nul})")
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = bom + exc.start
        bad = data[at : at + 1].hex()
        raise InputError(name, f"not valid UTF-8 (byte 0x{bad} at offset {at}); re-encode it as UTF-8") from None
    if not text.strip():
        raise InputError(name, "empty file")
    return text


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _format_of(name: str, data: bytes, stdin_format: str | None) -> str:
    if name != STDIN:
        suffix = Path(name).suffix.lower()
        if suffix in TEXT_SUFFIXES:
            return "txt"
        if suffix in HTML_SUFFIXES:
            return "html"
        if suffix in JSONL_SUFFIXES:
            return "jsonl"
        return "csv"
    if stdin_format:
        return stdin_format
    head = data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"{":
        return "jsonl"
    if head[:1] == b"<":
        return "html"
    return "txt"


# -- str -> articles ---------------------------------------------------------------------------


def _parse(name: str, fmt: str, text: str, columns: Columns, fail: Callable[[InputError], None]) -> Iterator[Article]:
    stem = "stdin" if name == STDIN else Path(name).stem
    if fmt == "txt":
        yield Article(id=stem, text=_normalise(text), origin=name)
    elif fmt == "html":
        yield _from_html(name, text, article_id=stem)
    elif fmt == "jsonl":
        yield from _from_jsonl(name, text, stem, columns, fail)
    elif fmt == "csv":
        yield from _from_csv(name, text, stem, columns, fail)
    else:
        raise InputError(name, f"unknown format {fmt!r}; expected txt, html, jsonl or csv")


def _from_html(where: str, html: str, *, article_id: str, **fields: Any) -> Article:
    import lxml.etree
    import lxml.html
    import trafilatura  # heavy imports, only when HTML is read

    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(where, f"cannot parse the HTML ({exc})") from None
    # trafilatura drops figures; a caption often carries a claim, so keep captions as paragraphs
    for el in tree.iter("figure", "figcaption"):
        el.tag = "div" if el.tag == "figure" else "p"
    doc = trafilatura.bare_extraction(tree, favor_precision=True, include_comments=False, with_metadata=True)
    body = getattr(doc, "text", None) if doc is not None else None
    if not body or not body.strip():
        raise InputError(where, "no article text found in the HTML (trafilatura extracted nothing)")
    title = fields.pop("title", None) or getattr(doc, "title", None)
    text = _normalise(body)
    if title and not text.lstrip().startswith(title.strip()):
        text = f"{title.strip()}\n{text}"  # the headline is part of what annotators see
    meta = {k: v for k, v in (("author", getattr(doc, "author", None)),) if v}
    meta.update(fields.pop("meta", {}))
    return Article(
        id=article_id,
        text=text,
        title=title,
        source=fields.pop("source", None) or getattr(doc, "sitename", None),
        url=fields.pop("url", None) or getattr(doc, "url", None),
        published=fields.pop("published", None) or getattr(doc, "date", None),
        origin=where,
        meta=meta,
    )


def _record_to_article(
    where: str, record: dict[str, Any], default_id: str, columns: Columns, keys: list[str]
) -> Article:
    def opt(key: str) -> str | None:
        value = record.get(key)
        return None if value is None or value == "" else str(value)

    raw_id = record.get(columns.id)
    article_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
    known = {columns.id, columns.text, columns.html, columns.title, columns.source, columns.url, columns.published}
    meta = {k: v for k, v in record.items() if k not in known and v not in (None, "")}
    text = record.get(columns.text)
    html = record.get(columns.html)
    fields: dict[str, Any] = {
        "title": opt(columns.title),
        "source": opt(columns.source),
        "url": opt(columns.url),
        "published": opt(columns.published),
    }
    if isinstance(text, str) and text.strip():
        return Article(id=article_id, text=_normalise(text), origin=where, meta=meta, **fields)
    if isinstance(html, str) and html.strip():
        return _from_html(where, html, article_id=article_id, meta=meta, **fields)
    if text is None and html is None:
        raise InputError(where, f"no {columns.text!r} or {columns.html!r} field; got {keys}")
    if text is not None and not isinstance(text, str):
        raise InputError(where, f"{columns.text!r} must be a string; got {type(text).__name__}")
    raise InputError(where, "empty text")


def _from_jsonl(
    name: str, text: str, stem: str, columns: Columns, fail: Callable[[InputError], None]
) -> Iterator[Article]:
    # split on \n only: U+2028 and friends are legal inside JSON strings
    yield from _from_jsonl_lines(name, text.split("\n"), stem, columns, fail)


def _from_jsonl_lines(
    name: str, lines: Iterable[str], stem: str, columns: Columns, fail: Callable[[InputError], None]
) -> Iterator[Article]:
    any_line = False
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        any_line = True
        where = f"line {lineno} of {name}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(InputError(where, f"not valid JSON: {exc.msg} (col {exc.colno})"))
            continue
        if not isinstance(record, dict):
            fail(InputError(where, f"expected a JSON object; got {type(record).__name__}"))
            continue
        try:
            yield _record_to_article(where, record, f"{stem}-{lineno}", columns, sorted(record))
        except InputError as err:
            fail(err)
    if not any_line:
        raise InputError(name, "empty file")


def _from_csv(
    name: str, text: str, stem: str, columns: Columns, fail: Callable[[InputError], None]
) -> Iterator[Article]:
    yield from _from_csv_stream(name, io.StringIO(text, newline=""), stem, columns, fail)


def _from_csv_stream(
    name: str, stream: IO[str], stem: str, columns: Columns, fail: Callable[[InputError], None]
) -> Iterator[Article]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(stream)
    header = [h for h in (reader.fieldnames or []) if h is not None]
    if columns.text not in header and columns.html not in header:
        raise InputError(name, f"column {columns.text!r} missing; got {header}")
    rowno = 0
    try:
        for row in reader:
            rowno += 1
            where = f"row {rowno} (line {reader.line_num}) of {name}"
            if None in row:
                fail(InputError(where, f"{len(header) + len(row[None])} fields; the header has {len(header)}"))
                continue
            try:
                yield _record_to_article(where, row, f"{stem}-{rowno}", columns, header)
            except InputError as err:
                fail(err)
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num} of {name}", f"not valid CSV ({exc})") from None
    if rowno == 0:
        raise InputError(name, "no rows under the header")

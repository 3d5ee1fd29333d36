"""Text in a known format -> articles: plain text, HTML (its main text, by trafilatura), JSONL objects and CSV rows.

A record that cannot be read is reported through ``fail`` as an :class:`~annotator.errors.InputError` naming its
line or row, and the rest is read; a file that cannot be read at all raises one.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from annotator.errors import InputError

STDIN = "-"
FORMATS = ("txt", "html", "jsonl", "csv")

Fail = Callable[[InputError], None]


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


def normalise(text: str) -> str:
    """Line breaks as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def parse(name: str, fmt: str, text: str, *, stem: str, columns: Columns, fail: Fail) -> Iterator[Article]:
    """The articles of the whole text of a file (or of standard input) in format ``fmt``."""
    if fmt == "txt":
        yield Article(id=stem, text=normalise(text), origin=name)
    elif fmt == "html":
        yield from_html(name, text, article_id=stem)
    elif fmt == "jsonl":
        # split on \n only: U+2028 and friends are legal inside JSON strings
        yield from from_jsonl_lines(name, text.split("\n"), stem, columns, fail)
    elif fmt == "csv":
        yield from from_csv_stream(name, io.StringIO(text, newline=""), stem, columns, fail)
    else:
        raise InputError(name, f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def from_html(where: str, html: str, *, article_id: str, **fields: Any) -> Article:
    """The article in an HTML page: its main text (figure captions kept as paragraphs), headline first."""
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
    text = normalise(body)
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
        return Article(id=article_id, text=normalise(text), origin=where, meta=meta, **fields)
    if isinstance(html, str) and html.strip():
        return from_html(where, html, article_id=article_id, meta=meta, **fields)
    if text is None and html is None:
        raise InputError(where, f"no {columns.text!r} or {columns.html!r} field; got {keys}")
    if text is not None and not isinstance(text, str):
        raise InputError(where, f"{columns.text!r} must be a string; got {type(text).__name__}")
    raise InputError(where, "empty text")


def from_jsonl_lines(name: str, lines: Iterable[str], stem: str, columns: Columns, fail: Fail) -> Iterator[Article]:
    """One article per JSON object, one object per line (ids default to ``{stem}-{line number}``)."""
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


def from_csv_stream(name: str, stream: IO[str], stem: str, columns: Columns, fail: Fail) -> Iterator[Article]:
    """One article per CSV row under a header (ids default to ``{stem}-{row number}``)."""
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

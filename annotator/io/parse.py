"""Text in a known format -> articles: plain text, HTML (its main text, by trafilatura), JSONL objects and CSV rows.

A record that cannot be read is reported through ``fail`` as an :class:`~annotator.errors.InputError` naming its
line or row, and the rest is read; a file that cannot be read at all raises one.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

from annotator.errors import InputError

STDIN = "-"
FORMATS = ("txt", "html", "jsonl", "csv")
#: the deepest nesting of arrays and objects read in a JSON record (orjson writes at most 255 levels, and the
#: Python parser stops near 1,000 with a RecursionError): deeper is an error for that record
MAX_DEPTH = 100

Fail = Callable[[InputError], None]
#: a page with more elements is read by :func:`linear_extraction`, not trafilatura (whose time grows faster)
MAX_HTML_ELEMENTS = 20_000
log = logging.getLogger(__name__)


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

    def __post_init__(self) -> None:
        self.url = web_url(self.url)  # a javascript: or data: URL never reaches an export


def web_url(value: str | None) -> str | None:
    """``value`` if it is an http(s) URL with a host, else None: a ``javascript:``, ``data:``, ``file:`` or
    scheme-less value (or one with whitespace or control characters inside, which browsers strip before reading the
    scheme) is dropped, so that no export (rows, ledger, report, ClaimReview) carries a link that runs code."""
    url = (value or "").strip()
    if not url or any(c <= " " or c == "\x7f" for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced [ in the host
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


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
    elements = sum(1 for _ in tree.iter())
    doc: Any
    if elements > MAX_HTML_ELEMENTS:  # trafilatura's time grows faster than the page: 192 s for 7 MB of <p>
        log.warning(
            "warning: %s: %s HTML elements, more than %s: read with the linear extractor (the text of <p> and "
            "headings) instead of trafilatura",
            where,
            f"{elements:,}",
            f"{MAX_HTML_ELEMENTS:,}",
        )
        doc = linear_extraction(tree)
    else:
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


@dataclass
class _Extracted:
    """What :func:`linear_extraction` finds (the attributes of trafilatura's document that :func:`from_html` reads)."""

    text: str
    title: str | None = None
    sitename: str | None = None
    url: str | None = None
    date: str | None = None
    author: str | None = None


def linear_extraction(tree: Any) -> _Extracted:
    """The text of an HTML tree in one pass: every ``<p>`` and ``<h1>``-``<h3>`` outside navigation, headers,
    footers, asides, forms, scripts and styles, one paragraph per line; the title from ``<title>``, else the first
    ``<h1>``. Time and memory linear in the page (the fallback of :func:`from_html` for huge pages)."""
    skip = {"nav", "header", "footer", "aside", "form", "script", "style", "noscript"}
    lines = []
    for el in tree.iter("p", "h1", "h2", "h3"):
        if any(a.tag in skip for a in el.iterancestors()):
            continue
        text = " ".join(el.text_content().split())
        if text:
            lines.append(text)
    found = tree.find(".//title")
    title = " ".join(found.text_content().split()) if found is not None else None
    return _Extracted("\n".join(lines), title or (lines[0] if lines else None))


def _scalar(where: str, key: str, value: Any) -> str | None:
    """A field that must be one value, as text: a string as it is, a number as its JSON text, else an error (never
    the Python repr of a list or an object)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    kind = {list: "array", dict: "object", bool: "boolean"}.get(type(value), type(value).__name__)
    raise InputError(where, f"{key!r} must be a string or a number; got a JSON {kind}")


def _record_to_article(
    where: str, record: dict[str, Any], default_id: str, columns: Columns, keys: list[str]
) -> Article:
    def opt(key: str) -> str | None:
        return _scalar(where, key, record.get(key))

    article_id = opt(columns.id) or default_id
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
            record = _json_record(where, line)
        except InputError as err:
            fail(err)
            continue
        try:
            yield _record_to_article(where, record, f"{stem}-{lineno}", columns, sorted(record))
        except InputError as err:
            fail(err)
    if not any_line:
        raise InputError(name, "empty file")


def _json_record(where: str, line: str) -> dict[str, Any]:
    """One line of JSONL as an object (see :func:`json_value`)."""
    record = json_value(where, line)
    if not isinstance(record, dict):
        raise InputError(where, f"expected a JSON object; got {type(record).__name__}")
    return record


def json_value(where: str, line: str) -> Any:
    """One line of JSONL, parsed: valid JSON, nested at most :data:`MAX_DEPTH` deep, valid Unicode; else an
    :class:`InputError` naming ``where``.

    A lone surrogate (``"\\ud800"`` without its pair) is valid JSON but not valid Unicode: it cannot be written
    as UTF-8, so the record is refused here, where its line is known, rather than replaced (which would change
    the text annotators see without a word)."""
    deep = InputError(where, f"nested more than {MAX_DEPTH} levels deep")
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(where, f"not valid JSON: {exc.msg} (col {exc.colno})") from None
    except RecursionError:  # the parser gives up near the interpreter's recursion limit (about 1,000 levels)
        raise deep from None
    # only a line with that many brackets can nest that deep (brackets inside strings are counted too, so walk it)
    brackets = line.count("[") + line.count("{")
    if brackets > MAX_DEPTH and isinstance(value, list | dict) and _deeper_than(value, MAX_DEPTH):
        raise deep
    if "\\u" in line:  # a surrogate comes only from an escape: the line itself was decoded as strict UTF-8
        bad = lone_surrogate(value)
        if bad is not None:
            raise InputError(where, f"{bad}: not valid Unicode; re-encode the text or drop the character")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests arrays and objects more than ``limit`` deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, list | dict))
    return False


def lone_surrogate(value: Any) -> str | None:
    """Where a parsed JSON value holds a lone surrogate, as ``"field 'text': lone surrogate U+D800 at character
    6"`` (for an object); None if it holds none."""
    if not isinstance(value, dict):
        return "lone surrogate" if _surrogate_at(json.dumps(value, ensure_ascii=False)) is not None else None
    for key, item in value.items():
        if _surrogate_at(key) is not None:
            return f"field name {key.encode('utf-8', 'backslashreplace').decode()!r}: lone surrogate"
        if isinstance(item, str):
            at = _surrogate_at(item)
            if at is not None:
                return f"field {key!r}: lone surrogate U+{ord(item[at]):04X} at character {at}"
        elif isinstance(item, list | dict) and _surrogate_at(json.dumps(item, ensure_ascii=False)) is not None:
            return f"field {key!r}: lone surrogate"
    return None


def _surrogate_at(text: str) -> int | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def from_csv_stream(name: str, stream: IO[str], stem: str, columns: Columns, fail: Fail) -> Iterator[Article]:
    """One article per CSV row under a header (ids default to ``{stem}-{row number}``)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # strict: a stray or unterminated quote is an error, not rows merged into one field
    reader = csv.DictReader(stream, strict=True)
    header = [h for h in (reader.fieldnames or []) if h is not None]
    if columns.text not in header and columns.html not in header:
        raise InputError(name, f"column {columns.text!r} missing; got {header}")
    rowno = 0
    start = reader.line_num + 1  # the line the next row starts on
    try:
        for row in reader:
            rowno += 1
            where = f"row {rowno} (line {start}) of {name}"
            start = reader.line_num + 1
            if None in row:
                fail(InputError(where, f"{len(header) + len(row[None])} fields; the header has {len(header)}"))
                continue
            try:
                yield _record_to_article(where, row, f"{stem}-{rowno}", columns, header)
            except InputError as err:
                fail(err)
    except csv.Error as exc:
        where = f"row {rowno + 1} (line {start}) of {name}"  # the row that was being read
        if "unexpected end of data" in str(exc):
            reason = "a quoted field is never closed (unterminated quote); nothing after it was read"
            raise InputError(where, reason) from None
        raise InputError(where, f"not valid CSV ({exc}); nothing after it was read") from None
    if rowno == 0:
        raise InputError(name, "no rows under the header")

"""Write row streams as JSONL, CSV or Parquet (or a JSON array): to standard output, or atomically to a file
(a temporary file in the same directory, renamed over the target once complete). A character device or a FIFO is
written in place, never replaced (:mod:`annotator.io.atomic`); a failed write is one
:class:`~annotator.errors.OutputError`.

Writing is two steps, so that rows can be encoded where they are made (a worker process) and written where the
file is (the driver): :func:`encode` turns a chunk of rows into bytes, :func:`write_encoded` writes encoded chunks
in order. :func:`write_rows` does both. Whichever command writes them, the same rows give the same bytes: JSON by
orjson (compact: no space after ``:`` or ``,``; non-ASCII characters as they are), CSV with ``\\n`` line ends and
nested values (lists, structs) as JSON text, Parquet through Arrow.

Two kinds of text are made safe on the way out. A lone surrogate (which cannot be encoded as UTF-8; readers refuse
it, but a file name that is not UTF-8 brings one into an article id) is written as U+FFFD, one character for one,
so offsets stay true. A CSV text cell that a spreadsheet would run as a formula (first character ``=``, ``+``,
``-``, ``@``, tab or carriage return, as OWASP's guidance on CSV injection lists them) is written with a ``'``
before it, unless ``csv_raw`` is asked for; :func:`unescape_cell` reads such a cell back as it was.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from annotator.errors import InputError, OutputError
from annotator.io import Row
from annotator.io.atomic import atomic_path
from annotator.io.files import SUFFIX_FORMATS

FORMATS = ("jsonl", "csv", "parquet")
#: what :func:`encode` and :func:`write_encoded` write: :data:`FORMATS` and ``json``, one JSON array of the rows
ENCODINGS = (*FORMATS, "json")
#: output suffixes: those of :data:`~annotator.io.files.SUFFIX_FORMATS` in :data:`FORMATS`, and ``.json`` as JSONL
OUTPUT_SUFFIXES = {**{s: f for s, f in SUFFIX_FORMATS.items() if f in FORMATS}, ".json": "jsonl"}
_JSON = orjson.OPT_SERIALIZE_NUMPY
_JSONL = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE
_INT_COLUMNS = {"index": "int64", "start": "int64", "end": "int64"}  # the sentence table's integer columns

#: first characters of a CSV cell that a spreadsheet reads as a formula (OWASP, "CSV Injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile("'*[=+\\-@\t\r]")  # a cell that escape_cell changes: quotes, then a formula start
_SURROGATE = re.compile("[\ud800-\udfff]")

#: a chunk of rows as :func:`encode` made it: bytes, or a binary file holding them
Encoded = bytes | IO[bytes]


def format_for(path: str | None, fmt: str | None) -> str:
    """The output format: the one asked for, else the file's suffix, else JSONL."""
    if fmt:
        _check_format(fmt, FORMATS)
        return fmt
    if path and path != "-":
        suffix = Path(path).suffix.lower()
        if suffix in OUTPUT_SUFFIXES:
            return OUTPUT_SUFFIXES[suffix]
        known = ", ".join(sorted(OUTPUT_SUFFIXES))
        raise InputError(path, f"cannot tell the format from suffix {suffix or '(none)'!r} (known: {known})")
    return "jsonl"


def _check_format(fmt: str, known: Sequence[str]) -> None:
    if fmt not in known:
        raise InputError("output", f"unknown format {fmt!r}; expected one of {', '.join(known)}")


def _json_default(value: Any) -> Any:
    """What orjson cannot write itself: other numpy values and sequences (as their Python values)."""
    for convert in ("item", "tolist"):
        if hasattr(value, convert):
            return getattr(value, convert)()
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def json_bytes(value: Any) -> bytes:
    """One value as compact JSON (the JSON of every writer here); a lone surrogate is written as U+FFFD."""
    data: bytes  # orjson is untyped (Any) where the wheel is built with mypyc
    try:
        data = orjson.dumps(value, default=_json_default, option=_JSON)
    except orjson.JSONEncodeError:
        data = orjson.dumps(without_surrogates(value), default=_json_default, option=_JSON)
    return data


def without_surrogates(value: Any) -> Any:
    """``value`` (a string, or lists and dicts of them) with each lone surrogate replaced by U+FFFD (one character
    for one: offsets into the text stay true)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_surrogates(v) for v in value]
    return value


def escape_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet would not run as a formula: a string that starts with one of
    :data:`FORMULA_START` (after any ``'``) gets a ``'`` in front; anything else is returned as it is (a number is
    a number to a spreadsheet, never a formula)."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """A cell written by :func:`escape_cell`, as it was before (the inverse: ``unescape_cell(escape_cell(v)) ==
    v`` for every ``v``)."""
    if isinstance(value, str) and value.startswith("'") and _ESCAPED.match(value, 1):
        return value[1:]
    return value


def encode(
    rows: Sequence[Row],
    *,
    fmt: str,
    columns: Sequence[str],
    types: Mapping[str, Any] | None = None,
    nested: Collection[str] | None = None,
    csv_raw: bool = False,
) -> bytes:
    """A chunk of rows as bytes in ``fmt`` (one of :data:`ENCODINGS`), to be written by :func:`write_encoded`.

    JSONL and JSON write every key of each row; CSV writes ``columns`` (no header: the writer adds it), the values
    of nested ``types`` (or of the ``nested`` columns, if given) as JSON text; Parquet (an Arrow IPC stream of the
    chunk) writes ``columns`` with ``types`` (see :func:`arrow_schema`). A JSON chunk is its rows separated by
    ``,\\n``, without brackets. CSV text cells that would run as a formula are escaped (:func:`escape_cell`)
    unless ``csv_raw``.
    """
    if fmt == "jsonl":
        dumps, default = orjson.dumps, _json_default
        try:
            return b"".join([dumps(row, default=default, option=_JSONL) for row in rows])
        except orjson.JSONEncodeError:
            return b"".join([dumps(without_surrogates(row), default=default, option=_JSONL) for row in rows])
    if fmt == "json":
        return b",\n".join([json_bytes(row) for row in rows])
    if fmt == "csv":
        return _encode_csv(rows, columns, _nested_columns(types) if nested is None else nested, raw=csv_raw)
    _check_format(fmt, ENCODINGS)
    import pyarrow as pa

    schema = arrow_schema(columns, types)
    sink = pa.BufferOutputStream()
    try:
        table = pa.Table.from_pylist(list(rows), schema=schema)
    except UnicodeEncodeError:
        table = pa.Table.from_pylist([without_surrogates(row) for row in rows], schema=schema)
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _encode_csv(rows: Sequence[Row], columns: Sequence[str], nested: Collection[str], *, raw: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if nested:
        dumps = json_bytes
        cells = [
            [dumps(row[c]).decode("utf-8") if c in nested and c in row else row.get(c) for c in columns] for row in rows
        ]
    else:
        cells = [[row.get(c) for c in columns] for row in rows]
    if not raw:
        cells = [[escape_cell(v) for v in line] for line in cells]
    writer.writerows(cells)
    text = buf.getvalue()
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text).encode("utf-8")


def _nested_columns(types: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not types:
        return ()
    import pyarrow as pa

    return tuple(c for c, t in types.items() if not isinstance(t, str) and pa.types.is_nested(t))


def arrow_schema(columns: Sequence[str], types: Mapping[str, Any] | None = None) -> Any:
    """The Arrow schema of rows with ``columns``: strings, except ``index``, ``start`` and ``end`` (int64) and the
    columns in ``types`` (pyarrow types, or their names: ``"int64"``, ``"float64"``, ``"bool"``)."""
    import pyarrow as pa

    known = {**_INT_COLUMNS, **(types or {})}
    resolved = {c: pa.type_for_alias(t) if isinstance(t, str) else t for c, t in known.items()}
    return pa.schema([(c, resolved.get(c, pa.string())) for c in columns])


class DiscardOutputError(Exception):
    """Raised inside :func:`atomic_path` to leave the target as it was."""


def write_rows(
    chunks: Iterable[Sequence[Row]],
    path: str | None,
    *,
    fmt: str,
    columns: Sequence[str],
    commit_if: Callable[[int], bool] | None = None,
    types: Mapping[str, Any] | None = None,
    csv_raw: bool = False,
) -> int:
    """Write chunks of rows (dicts with ``columns`` as keys) and return how many rows were written.

    ``path`` None or ``-`` writes to standard output (not for Parquet). A file is replaced only
    once complete, and only if ``commit_if(rows written)`` is true (default: always). ``types``
    gives the Parquet types of columns that are not strings: pyarrow types, or their names (``"int64"``,
    ``"float64"``, ``"bool"``); in CSV, values of nested types (lists, structs, maps) are written as JSON text, and
    text cells that a spreadsheet would run as a formula are escaped unless ``csv_raw`` (see :func:`escape_cell`)."""
    _check_format(fmt, FORMATS)
    n = 0

    def encoded() -> Iterator[bytes]:
        nonlocal n
        for chunk in chunks:
            yield encode(chunk, fmt=fmt, columns=columns, types=types, csv_raw=csv_raw)
            n += len(chunk)

    check = None if commit_if is None else (lambda: commit_if(n))
    written = write_encoded(encoded(), path, fmt=fmt, columns=columns, types=types, commit_if=check, csv_raw=csv_raw)
    return n if written else 0


def write_encoded(
    parts: Iterable[Encoded],
    path: str | None,
    *,
    fmt: str,
    columns: Sequence[str],
    types: Mapping[str, Any] | None = None,
    commit_if: Callable[[], bool] | None = None,
    csv_raw: bool = False,
) -> bool:
    """Write chunks made by :func:`encode` (bytes, or binary files holding them), in order, to ``path`` or to
    standard output (``None`` or ``-``; not for Parquet), with what the format needs around them (the CSV header,
    the brackets of a JSON array). Returns whether the output was written.

    A file is written to a temporary name and renamed over ``path`` once complete, and only if ``commit_if()`` is
    true (default: always); otherwise ``path`` is left as it was. ``csv_raw`` writes the CSV header's cells as they
    are (the rows were escaped, or not, by :func:`encode`).
    """
    _check_format(fmt, ENCODINGS)
    if path is None or path == "-":
        if fmt == "parquet":
            raise InputError("standard output", "Parquet needs an output file")
        try:
            sys.stdout.flush()  # what was printed before comes first
            _write_stream(parts, _stdout_bytes(), fmt=fmt, columns=columns, csv_raw=csv_raw)
        except BrokenPipeError:
            raise  # the reader stopped (``| head``): the CLI ends quietly
        except OSError as exc:
            if exc.filename is not None:
                raise  # an input read while writing
            raise OutputError("standard output", f"cannot write ({exc.strerror or exc})") from None
        return True
    try:
        with atomic_path(path) as tmp:
            if fmt == "parquet":
                _write_parquet(parts, tmp, schema=arrow_schema(columns, types))
            else:
                with tmp.open("wb") as fh:
                    _write_stream(parts, fh, fmt=fmt, columns=columns, csv_raw=csv_raw)
            if commit_if is not None and not commit_if():
                raise DiscardOutputError
    except DiscardOutputError:
        return False
    return True


def _write_stream(
    parts: Iterable[Encoded], fh: IO[bytes], *, fmt: str, columns: Sequence[str], csv_raw: bool = False
) -> None:
    if fmt == "csv":
        fh.write(_encode_csv([dict(zip(columns, columns, strict=True))], columns, (), raw=csv_raw))
    elif fmt == "json":
        fh.write(b"[\n")
    first = True
    for part in parts:
        if fmt == "json" and _nbytes(part):
            if not first:
                fh.write(b",\n")
            first = False
        if isinstance(part, bytes):
            fh.write(part)
        else:
            shutil.copyfileobj(part, fh, 1 << 20)
    if fmt == "json":
        fh.write(b"\n]\n")
    fh.flush()


def _stdout_bytes() -> IO[bytes]:
    """Standard output for bytes: its buffer, or (a notebook's stream has none) a writer that decodes into it."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]
    return io.BufferedWriter(_Decoding(sys.stdout))


class _Decoding(io.RawIOBase):
    """Bytes written here go to a text stream, decoded as UTF-8 (a character split between writes is kept whole)."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.text.write(self.decoder.decode(bytes(data)))
        return len(data)

    def flush(self) -> None:
        self.text.flush()


def _nbytes(part: Encoded) -> int:
    if isinstance(part, bytes):
        return len(part)
    return os.fstat(part.fileno()).st_size - part.tell()


def _write_parquet(parts: Iterable[Encoded], path: Path, *, schema: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetWriter(path, schema) as writer:
        for part in parts:
            with pa.ipc.open_stream(part) as reader:
                writer.write_table(reader.read_all())

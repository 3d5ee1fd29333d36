"""Write row streams as JSONL, CSV or Parquet: to standard output, or atomically to a file
(a temporary file in the same directory, renamed over the target once complete)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from annotator.errors import InputError

FORMATS = ("jsonl", "csv", "parquet")
_SUFFIX_FORMAT = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}

Row = dict[str, Any]


def format_for(path: str | None, fmt: str | None) -> str:
    """The output format: the one asked for, else the file's suffix, else JSONL."""
    if fmt:
        if fmt not in FORMATS:
            raise InputError("--format", f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        return fmt
    if path and path != "-":
        suffix = Path(path).suffix.lower()
        if suffix in _SUFFIX_FORMAT:
            return _SUFFIX_FORMAT[suffix]
        raise InputError(path, f"cannot tell the format from suffix {suffix or '(none)'!r}; pass --format")
    return "jsonl"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        # mkstemp makes the file 0600; give it the mode a plain open() would (0666 minus umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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
) -> int:
    """Write chunks of rows (dicts with ``columns`` as keys) and return how many rows were written.

    ``path`` None or ``-`` writes to standard output (not for Parquet). A file is replaced only
    once complete, and only if ``commit_if(rows written)`` is true (default: always). ``types``
    gives the Parquet types of columns that are not strings: pyarrow types, or their names (``"int64"``,
    ``"float64"``, ``"bool"``); in CSV, values of nested types (lists, structs, maps) are written as JSON text."""
    nested = _nested_columns(types)
    if path is None or path == "-":
        if fmt == "parquet":
            raise InputError("--format parquet", "Parquet needs an output file; pass -o FILE")
        return _write_stream(chunks, sys.stdout, fmt=fmt, columns=columns, nested=nested)
    n = 0
    try:
        with atomic_path(path) as tmp:
            if fmt == "parquet":
                n = _write_parquet(chunks, tmp, columns=columns, types=types)
            else:
                with tmp.open("w", encoding="utf-8", newline="") as fh:
                    n = _write_stream(chunks, fh, fmt=fmt, columns=columns, nested=nested)
            if commit_if is not None and not commit_if(n):
                raise DiscardOutputError
    except DiscardOutputError:
        return 0
    return n


def _nested_columns(types: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not types:
        return ()
    import pyarrow as pa

    return tuple(c for c, t in types.items() if not isinstance(t, str) and pa.types.is_nested(t))


def _write_stream(
    chunks: Iterable[Sequence[Row]], fh: IO[str], *, fmt: str, columns: Sequence[str], nested: Sequence[str] = ()
) -> int:
    n = 0
    if fmt == "jsonl":
        dumps = json.dumps
        for chunk in chunks:
            fh.write("".join(dumps(row, ensure_ascii=False) + "\n" for row in chunk))
            n += len(chunk)
    elif fmt == "csv":
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        dumps = json.dumps
        for chunk in chunks:
            if nested:
                writer.writerows({**row, **{c: dumps(row[c]) for c in nested if c in row}} for row in chunk)
            else:
                writer.writerows(chunk)
            n += len(chunk)
    else:
        raise InputError("--format", f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    fh.flush()
    return n


def _write_parquet(
    chunks: Iterable[Sequence[Row]], path: Path, *, columns: Sequence[str], types: Mapping[str, Any] | None = None
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    known = {"index": pa.int64(), "start": pa.int64(), "end": pa.int64()}
    known.update({c: pa.type_for_alias(t) if isinstance(t, str) else t for c, t in (types or {}).items()})
    schema = pa.schema([(c, known.get(c, pa.string())) for c in columns])
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        for chunk in chunks:
            writer.write_table(pa.Table.from_pylist(list(chunk), schema=schema))
            n += len(chunk)
    return n

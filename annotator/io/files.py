"""Opening files: one table of suffixes and formats, and one way to read and decode a file, for every reader.

Each error is an :class:`~annotator.errors.InputError` that names the file (and, for bad UTF-8, the byte and its
offset in the file). Text is UTF-8; a byte order mark at the start is dropped and not counted as text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO

from annotator.errors import InputError

#: every file suffix the package reads or writes, and its format
SUFFIX_FORMATS = {
    ".txt": "txt",
    ".md": "txt",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}
BOM = b"\xef\xbb\xbf"
#: byte order marks of the UTF-16 and UTF-32 encodings (UTF-32 first: its little-endian mark starts with UTF-16's)
WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
SNIFF_BYTES = 8192  # a NUL byte among the first bytes marks a binary file


def suffixes(formats: Collection[str]) -> frozenset[str]:
    """The suffixes of files in ``formats``."""
    return frozenset(s for s, f in SUFFIX_FORMATS.items() if f in formats)


def format_of(name: str | Path, formats: Collection[str]) -> str:
    """The format of a file, from its suffix, if it is one of ``formats``; else an error listing the suffixes."""
    suffix = Path(name).suffix.lower()
    fmt = SUFFIX_FORMATS.get(suffix)
    if fmt is None or fmt not in formats:
        known = ", ".join(sorted(suffixes(formats)))
        raise InputError(str(name), f"unsupported file type {suffix or '(none)'!r}; expected one of {known}")
    return fmt


def cannot_read(name: str | Path, exc: OSError) -> InputError:
    """The error for a file that the system would not read."""
    if isinstance(exc, FileNotFoundError):
        return InputError(str(name), "no such file or directory")
    if isinstance(exc, IsADirectoryError):
        return InputError(str(name), "is a directory")
    return InputError(str(name), f"cannot read ({exc.strerror or exc})")


def read_bytes(name: str | Path) -> bytes:
    """The bytes of a file."""
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise cannot_read(name, exc) from None


def head_bytes(name: str | Path, n: int = SNIFF_BYTES) -> bytes:
    """The first ``n`` bytes of a file, with the errors of :func:`read_bytes`."""
    try:
        with open(name, "rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise cannot_read(name, exc) from None


def file_size(name: str | Path) -> int:
    """The size of a file in bytes, with the errors of :func:`read_bytes`."""
    path = Path(name)
    try:
        if path.is_dir():
            raise IsADirectoryError(name)
        return path.stat().st_size
    except OSError as exc:
        raise cannot_read(name, exc) from None


def _utf8_error(name: str | Path, data: bytes, exc: UnicodeDecodeError, offset: int) -> InputError:
    """``exc`` (decoding ``data``, which starts at ``offset`` in the file) as an error naming the byte."""
    bad = data[exc.start : exc.start + 1].hex()
    at = offset + exc.start
    return InputError(str(name), f"not valid UTF-8 (byte 0x{bad} at offset {at}); re-encode it as UTF-8")


def wide_encoding(head: bytes) -> str | None:
    """``utf-16`` or ``utf-32`` if ``head`` (the first bytes of a file) starts with that encoding's byte order
    mark, else None."""
    for mark, encoding in WIDE_BOMS:
        if head.startswith(mark):
            return encoding
    return None


def _binary(name: str | Path, head: bytes) -> InputError | None:
    """The error for a file whose first bytes hold a NUL byte (None if they hold none); UTF-16 without a byte
    order mark (a NUL in every other byte) is named as such."""
    nul = head.find(b"\x00")
    if nul < 0:
        return None
    even, odd = head[0::2], head[1::2]
    for zeros, chars, order in ((odd, even, "little"), (even, odd, "big")):
        if len(zeros) >= 2 and zeros.count(0) >= 0.9 * len(zeros) and chars.count(0) <= 0.1 * len(chars):
            return InputError(
                str(name), f"looks like UTF-16 ({order}-endian) without a byte order mark; re-encode it as UTF-8"
            )
    return InputError(str(name), f"binary file, not text (NUL byte at offset {nul})")


def decode(name: str | Path, data: bytes) -> str:
    """The text of a whole file read as bytes: not binary, valid UTF-8 (byte order mark dropped), not blank. A
    file that starts with a UTF-16 or UTF-32 byte order mark, and decodes as such, is decoded from that encoding."""
    wide = wide_encoding(data)
    if wide is not None:
        try:
            text = data.decode(wide)  # the codec reads the byte order mark and drops it
        except UnicodeDecodeError:
            pass  # not UTF-16 or UTF-32 after all: named below by its first byte that is not UTF-8
        else:
            if not text.strip():
                raise InputError(str(name), "empty file")
            return text
    binary = _binary(name, data[:SNIFF_BYTES])
    if binary is not None:
        raise binary
    bom = len(BOM) if data.startswith(BOM) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _utf8_error(name, data[bom:], exc, bom) from None
    if not text.strip():
        raise InputError(str(name), "empty file")
    return text


def text_lines(name: str | Path) -> Iterator[tuple[int, str]]:
    """The lines of a text file, streaming, as (line number from 1, text with its line end); a byte order mark at
    the start is dropped. Lines are split on ``\\n`` only (``\\n`` never occurs inside a multi-byte UTF-8 sequence,
    so decoding line by line decodes exactly what decoding the whole file would)."""
    try:
        with open(name, "rb") as fh:
            offset = 0
            for lineno, raw in enumerate(fh, start=1):
                wide = wide_encoding(raw) if offset == 0 else None
                if wide is not None:
                    raise InputError(str(name), f"{wide.upper()} text (byte order mark); re-encode it as UTF-8")
                skip = len(BOM) if offset == 0 and raw.startswith(BOM) else 0
                try:
                    line = raw[skip:].decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _utf8_error(name, raw[skip:], exc, offset + skip) from None
                yield lineno, line
                offset += len(raw)
    except OSError as exc:
        raise cannot_read(name, exc) from None


def check_text(name: str | Path) -> None:
    """What :func:`decode` checks, on a file to be read as a stream: no NUL in its first bytes, valid UTF-8, not
    blank."""
    try:
        with open(name, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise cannot_read(name, exc) from None
    binary = _binary(name, head)
    if binary is not None:
        raise binary
    blank = True
    for _, line in text_lines(name):
        blank = blank and not line.strip()
    if blank:
        raise InputError(str(name), "empty file")


@contextlib.contextmanager
def open_text(name: str | Path) -> Iterator[IO[str]]:
    """A text file opened for reading as UTF-8 (byte order mark dropped, line ends kept as they are, as the
    :mod:`csv` module wants them). A decoding error while reading is reported like :func:`text_lines` reports it."""
    try:
        with open(name, encoding="utf-8-sig", newline="") as fh:
            yield fh
    except UnicodeDecodeError:
        for _ in text_lines(name):  # finds the bad byte and raises with its offset in the file
            pass
        raise
    except OSError as exc:
        raise cannot_read(name, exc) from None

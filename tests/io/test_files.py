"""annotator.io.files, the one way files are opened and decoded: both readers (articles and labelled sentences)
name a bad file, byte and offset alike, and take their suffixes from one table.

Inputs are small fictional files written into pytest's tmp_path; expected offsets are computed from the bytes
written, never copied from a run of the code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.errors import InputError
from annotator.io.articles import SUFFIXES as ARTICLE_SUFFIXES
from annotator.io.articles import ReadReport, read_articles
from annotator.io.files import SUFFIX_FORMATS, decode, format_of, suffixes, text_lines
from annotator.io.labelled import SUFFIXES as LABELLED_SUFFIXES
from annotator.io.labelled import CorpusReport, read_labelled

BOM = b"\xef\xbb\xbf"
TRAIN_ROW = {"text": "The mayor said the bridge reopens.", "label": "attributed", "topic": "local", "article_id": "a"}


def _article_errors(path: Path) -> list[str]:
    report = ReadReport()
    list(read_articles([path], report=report))
    return [str(e) for e in report.errors]


def _labelled_errors(path: Path) -> list[str]:
    report = CorpusReport()
    read_labelled([path], report=report)
    return [str(e) for e in report.errors]


def _bad_utf8(tmp_path: Path, name: str, good: bytes, *, bom: bool) -> tuple[Path, str]:
    """A file of ``good`` bytes, then a Latin-1 byte; the message that names its offset in the file."""
    data = (BOM if bom else b"") + good + "Caf\xe9\n".encode("latin-1")
    path = tmp_path / name
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    return path, f"{path}: not valid UTF-8 (byte 0xe9 at offset {offset}); re-encode it as UTF-8"


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("story.txt", _article_errors),
        ("feed.jsonl", _article_errors),
        ("feed.csv", _article_errors),
        ("train.jsonl", _labelled_errors),
        ("train.csv", _labelled_errors),
    ],
)
def test_every_reader_names_a_bad_byte_alike(tmp_path: Path, name: str, read, bom: bool) -> None:
    if name.endswith(".jsonl"):
        good = (json.dumps(TRAIN_ROW) + "\n").encode("utf-8") * 3
    elif name.endswith(".csv"):
        good = b"text,label,topic,article_id\n" + b"Some words here.,attributed,local,a1\n" * 3
    else:
        good = b"Fire at the mill\nThe roof fell in, the chief said.\n"
    path, message = _bad_utf8(tmp_path, name, good, bom=bom)
    assert message in read(path)


def test_both_readers_refuse_an_unknown_suffix_with_the_suffixes_they_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04")
    for read, known in ((_article_errors, ARTICLE_SUFFIXES), (_labelled_errors, LABELLED_SUFFIXES)):
        [error] = read(path)
        assert error == f"{path}: unsupported file type '.docx'; expected one of {', '.join(sorted(known))}"


def test_suffixes_come_from_one_table() -> None:
    assert set(SUFFIX_FORMATS) == ARTICLE_SUFFIXES | LABELLED_SUFFIXES
    assert ".parquet" in LABELLED_SUFFIXES and ".parquet" not in ARTICLE_SUFFIXES
    assert ".html" in ARTICLE_SUFFIXES and ".html" not in LABELLED_SUFFIXES
    assert suffixes(["jsonl"]) == {".jsonl", ".ndjson"}
    assert format_of("a/B.NDJSON", ["jsonl"]) == "jsonl"
    with pytest.raises(InputError, match=r"expected one of \.csv$"):
        format_of("a.jsonl", ["csv"])


def test_a_missing_file_reads_alike_in_both_readers(tmp_path: Path) -> None:
    gone = tmp_path / "gone.jsonl"
    assert _article_errors(gone) == _labelled_errors(gone) == [f"{gone}: no such file or directory"]


def test_labelled_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_bytes(BOM + b"text,label,topic,article_id\nThe mayor said so.,attributed,local,a1\n")
    report = CorpusReport()
    frame = read_labelled([path], report=report)
    assert report.errors == []
    assert frame["text"].tolist() == ["The mayor said so."]


def test_decode_and_text_lines_agree(tmp_path: Path) -> None:
    text = "line one\r\nline two \u2028 still two\nthree"
    path = tmp_path / "t.txt"
    path.write_bytes(BOM + text.encode("utf-8"))
    assert decode(path, path.read_bytes()) == text
    assert "".join(line for _, line in text_lines(path)) == text
    assert [n for n, _ in text_lines(path)] == [1, 2, 3]
    with pytest.raises(InputError, match="binary file, not text \\(NUL byte at offset 3\\)"):
        decode(path, b"abc\x00def")
    with pytest.raises(InputError, match="empty file"):
        decode(path, BOM + b" \n\t")


# -- hostile and unlucky inputs (issue 14, item 11) ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gone", "gone-dir/", "gone.jsonl", "gone.docx"])
def test_a_missing_path_is_called_missing_whatever_its_suffix(tmp_path: Path, name: str) -> None:
    gone = tmp_path / name
    assert _article_errors(gone) == _labelled_errors(gone) == [f"{gone}: no such file or directory"]


UTF16_ARTICLE = "Fähre fährt wieder\nDie Fähre über den Fluss fährt ab Montag, sagte der Bürgermeister.\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("suffix", [".txt", ".jsonl", ".csv"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_decoded(tmp_path: Path, encoding: str, suffix: str) -> None:
    if suffix == ".jsonl":
        content = json.dumps({"id": "ferry", "text": UTF16_ARTICLE}, ensure_ascii=False) + "\n"
    elif suffix == ".csv":
        content = 'id,text\nferry,"' + UTF16_ARTICLE + '"\n'
    else:
        content = UTF16_ARTICLE
    bom = "" if encoding in ("utf-16", "utf-32") else "\ufeff"  # the -le/-be codecs write no mark of their own
    path = tmp_path / f"ferry{suffix}"
    path.write_bytes((bom + content).encode(encoding))
    report = ReadReport()
    articles = list(read_articles([path], report=report))
    assert report.errors == []
    assert [a.text for a in articles] == [UTF16_ARTICLE]


def test_utf16_without_a_byte_order_mark_is_named_not_called_binary(tmp_path: Path) -> None:
    little, big = tmp_path / "le.txt", tmp_path / "be.jsonl"
    little.write_bytes(UTF16_ARTICLE.encode("utf-16-le"))
    big.write_bytes((json.dumps({"text": UTF16_ARTICLE}) + "\n").encode("utf-16-be"))
    assert _article_errors(little) == [
        f"{little}: looks like UTF-16 (little-endian) without a byte order mark; re-encode it as UTF-8"
    ]
    assert _article_errors(big) == [
        f"{big}: looks like UTF-16 (big-endian) without a byte order mark; re-encode it as UTF-8"
    ]
    zeros = tmp_path / "zeros.txt"
    zeros.write_bytes(b"\x00" * 64)
    assert _article_errors(zeros) == [f"{zeros}: binary file, not text (NUL byte at offset 0)"]


def test_labelled_utf16_is_named_as_utf16(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes((json.dumps(TRAIN_ROW) + "\n").encode("utf-16"))
    assert _labelled_errors(path) == [f"{path}: UTF-16 text (byte order mark); re-encode it as UTF-8"]


def test_a_byte_order_mark_that_does_not_decode_is_named_by_its_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\xff\xfe not text")  # an odd number of bytes after the mark: not UTF-16
    assert _article_errors(path) == [f"{path}: not valid UTF-8 (byte 0xff at offset 0); re-encode it as UTF-8"]

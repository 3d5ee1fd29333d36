"""Library-level tests of annotator.io.articles.read_articles: every input format, bad inputs, callbacks.

All inputs are small fictional articles written into pytest's tmp_path; expected values are derived
from those inputs, never copied from a run of the code.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotator.errors import InputError
from annotator.io.articles import Columns, ReadReport, read_articles

BOM = b"\xef\xbb\xbf"

GOOD_TEXT = "Ferry Service Resumes\nThe harbour ferry sailed again on Friday. Its ramp was repaired.\n"

HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Library Opens Late Hours</title>
<meta name="author" content="Ivo Brandt">
<meta name="date" content="2023-11-02">
</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/local">Local news index page</a></li></ul></nav>
<main><article>
<p>The central library in Dunmere will stay open until ten at night from next Monday, the town council said.</p>
<p>Librarian Petra Olsen said students had asked for the longer hours during the exam season for years.</p>
<p>The extra hours will be paid for from a small rise in the council's culture budget this year.</p>
</article></main>
<footer><p>Footer furniture: all enquiries to the town hall switchboard please.</p></footer>
</body>
</html>
"""
HTML_TITLE = "Library Opens Late Hours"
HTML_BODY = (
    "The central library in Dunmere will stay open until ten at night from next Monday, the town council said.",
    "Librarian Petra Olsen said students had asked for the longer hours during the exam season for years.",
    "The extra hours will be paid for from a small rise in the council's culture budget this year.",
)


def read(inputs, **kwargs):
    """Read everything; return (articles, report). Fails the test if anything escapes."""
    report = kwargs.pop("report", None) or ReadReport()
    articles = list(read_articles([str(i) for i in inputs], report=report, **kwargs))
    return articles, report


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_jsonl(path: Path, lines: list[object | str]) -> Path:
    """Objects are dumped as JSON; strings are written verbatim (for malformed lines)."""
    out = [line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines]
    return write_bytes(path, ("\n".join(out) + "\n").encode("utf-8"))


# -- formats ------------------------------------------------------------------------------------


def test_txt_id_is_stem_and_text_is_normalised(tmp_path):
    raw = "Council Backs Bridge\r\nThe council backed the bridge on Monday.\r\nWork starts in May.\r\n"
    data = BOM + raw.encode("utf-8")
    path = write_bytes(tmp_path / "bridge-vote.txt", data)

    articles, report = read([path])

    assert report.errors == []
    assert [a.id for a in articles] == ["bridge-vote"]
    art = articles[0]
    assert art.text == raw.replace("\r\n", "\n")
    assert "\r" not in art.text and "\ufeff" not in art.text
    assert art.origin == str(path)
    assert (report.files, report.articles, report.bytes) == (1, 1, len(data))
    assert not report.failed


def test_md_id_is_stem_and_text_is_normalised(tmp_path):
    # a lone \r (old Mac line break) is a line break too
    raw = "# Storm Closes Schools\r\n\r\nSchools in Arnholt shut on Tuesday.\rBuses did not run.\r\n"
    path = write_bytes(tmp_path / "storm.md", BOM + raw.encode("utf-8"))

    articles, report = read([path])

    assert report.errors == []
    assert [a.id for a in articles] == ["storm"]
    assert articles[0].text == "# Storm Closes Schools\n\nSchools in Arnholt shut on Tuesday.\nBuses did not run.\n"


def test_html_main_text_and_metadata(tmp_path):
    path = write_bytes(tmp_path / "late-hours.html", HTML_PAGE.encode("utf-8"))

    articles, report = read([path])

    assert report.errors == []
    assert len(articles) == 1
    art = articles[0]
    assert art.id == "late-hours"
    assert art.title == HTML_TITLE
    assert art.meta.get("author") == "Ivo Brandt"
    assert art.published is not None and art.published.startswith("2023-11-02")
    # the headline is part of the text, first
    assert art.text.startswith(HTML_TITLE + "\n")
    for paragraph in HTML_BODY:
        assert paragraph in art.text
    # site furniture is gone
    assert "Local news index page" not in art.text
    assert "Footer furniture" not in art.text
    assert "<" not in art.text and "\r" not in art.text


def test_jsonl_fields_meta_html_row_and_default_id(tmp_path):
    path = write_jsonl(
        tmp_path / "wire.jsonl",
        [
            {
                "id": "w-101",
                "text": "Dockers Strike\r\nDockers in Velmar walked out on Monday.",
                "title": "Dockers Strike",
                "source": "Velmar Post",
                "url": "https://example.org/dockers",
                "published": "2024-05-06",
                "desk": "business",
                "wordcount": 9,
            },
            {"id": "w-102", "html": HTML_PAGE, "source": "Dunmere Echo"},
            "",  # a blank line still counts for line numbers
            {"text": "A stray cat was rescued from the town hall roof on Sunday."},
        ],
    )

    articles, report = read([path])

    assert report.errors == []
    assert [a.id for a in articles] == ["w-101", "w-102", "wire-4"]
    first, from_html, no_id = articles

    assert first.text == "Dockers Strike\nDockers in Velmar walked out on Monday."
    assert first.title == "Dockers Strike"
    assert first.source == "Velmar Post"
    assert first.url == "https://example.org/dockers"
    assert first.published == "2024-05-06"
    assert first.meta == {"desk": "business", "wordcount": 9}
    assert "line 1" in first.origin and str(path) in first.origin

    assert from_html.source == "Dunmere Echo"
    assert from_html.title == HTML_TITLE
    assert from_html.text.startswith(HTML_TITLE)
    assert all(p in from_html.text for p in HTML_BODY)
    assert "Footer furniture" not in from_html.text

    assert no_id.text == "A stray cat was rescued from the town hall roof on Sunday."
    assert no_id.title is None and no_id.meta == {}


def test_csv_fields_meta_and_default_id(tmp_path):
    data = (
        "id,text,title,source,url,published,section\r\n"
        'c-1,"Rail Fares Rise\r\nFares on the coast line rise by two percent.",Rail Fares Rise,Coast Times,'
        "https://example.org/fares,2024-01-02,transport\r\n"
        ",A new bakery opened on Mill Street on Saturday.,,,,,\r\n"
    )
    path = write_bytes(tmp_path / "feed.csv", data.encode("utf-8"))

    articles, report = read([path])

    assert report.errors == []
    assert [a.id for a in articles] == ["c-1", "feed-2"]
    first, second = articles
    assert first.text == "Rail Fares Rise\nFares on the coast line rise by two percent."
    assert (first.title, first.source, first.url, first.published) == (
        "Rail Fares Rise",
        "Coast Times",
        "https://example.org/fares",
        "2024-01-02",
    )
    assert first.meta == {"section": "transport"}
    assert second.text == "A new bakery opened on Mill Street on Saturday."
    # empty cells are "not given", not empty strings
    assert (second.title, second.source, second.url, second.published) == (None, None, None, None)
    assert second.meta == {}


def test_csv_column_mapping(tmp_path):
    data = (
        "doc,body,headline\n"
        "k-7,The river rose by a metre overnight.,River Rises\n"
        "k-8,Sandbags were handed out.,Sandbags\n"
    )
    path = write_bytes(tmp_path / "mapped.csv", data.encode("utf-8"))

    articles, report = read([path], columns=Columns(text="body", id="doc"))

    assert report.errors == []
    assert [a.id for a in articles] == ["k-7", "k-8"]
    assert [a.text for a in articles] == ["The river rose by a metre overnight.", "Sandbags were handed out."]
    # 'headline' is not a mapped field: it is kept as metadata
    assert [a.meta for a in articles] == [{"headline": "River Rises"}, {"headline": "Sandbags"}]


def test_directory_recursive_sorted_hidden_ignored_unknown_skipped(tmp_path):
    root = tmp_path / "corpus"
    # created out of order on purpose
    write_bytes(root / "zeta.txt", b"Zeta story. It ends here.\n")
    write_bytes(root / "beta.md", b"Beta story. It ends here.\n")
    write_bytes(root / "alpha" / "one.txt", b"Alpha story. It ends here.\n")
    write_bytes(root / "alpha" / "two.jsonl", b'{"id": "alpha-json", "text": "From JSONL."}\n')
    write_bytes(root / ".hidden.txt", b"Hidden story.\n")
    write_bytes(root / ".cache" / "old.txt", b"Cached story.\n")
    write_bytes(root / "notes.pdf", b"%PDF-1.4 not really\n")
    write_bytes(root / "photo.png", b"\x89PNG\r\n")
    write_bytes(root / "alpha" / "readme.rst", b"Not an article.\n")

    articles, report = read([root])

    assert report.errors == []
    assert [a.id for a in articles] == ["one", "alpha-json", "beta", "zeta"]
    assert [Path(a.origin.rsplit(" of ", 1)[-1]).relative_to(root).as_posix() for a in articles] == [
        "alpha/one.txt",
        "alpha/two.jsonl",
        "beta.md",
        "zeta.txt",
    ]
    assert report.files == 4
    assert report.skipped == 3  # pdf, png, rst; hidden files are neither read nor counted
    assert all("Hidden" not in a.text and "Cached" not in a.text for a in articles)


def test_stdin_txt_is_sniffed(tmp_path):
    data = BOM + b"Bus Strike Ends\r\nDrivers returned to work on Wednesday.\r\n"

    articles, report = read(["-"], stdin=io.BytesIO(data))

    assert report.errors == []
    assert [a.id for a in articles] == ["stdin"]
    assert articles[0].text == "Bus Strike Ends\nDrivers returned to work on Wednesday.\n"
    assert report.files == 1 and report.bytes == len(data)


def test_stdin_jsonl_is_sniffed(tmp_path):
    data = (
        b'\n  {"id": "s-1", "text": "The mayor opened a new park.", "desk": "city"}\n'
        b'{"text": "Rain is forecast for the weekend."}\n'
    )

    articles, report = read(["-"], stdin=io.BytesIO(data))

    assert report.errors == []
    assert [a.id for a in articles] == ["s-1", "stdin-3"]
    assert [a.text for a in articles] == ["The mayor opened a new park.", "Rain is forecast for the weekend."]
    assert articles[0].meta == {"desk": "city"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30),
        min_size=1,
        max_size=6,
    ),
    breaks=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=6, max_size=6),
    bom=st.booleans(),
)
def test_txt_normalisation_property(lines, breaks, bom):
    raw = "".join(line + brk for line, brk in zip(lines, breaks, strict=False))
    assume(raw.strip() and not raw.startswith("\ufeff"))  # empty: an error (below); U+FEFF: content
    data = (BOM if bom else b"") + raw.encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_bytes(Path(tmp) / "prop.txt", data)
        articles, report = read([path])
    assert report.errors == []
    expected = "".join(line + "\n" for line in lines[: len(breaks)])
    assert [a.text for a in articles] == [expected]


# -- bad inputs ----------------------------------------------------------------------------------


def _bad_binary(tmp_path):
    data = b"PK\x03\x04" + b"\x00" * 16 + b"payload"
    nul = data.index(b"\x00")
    return write_bytes(tmp_path / "scan.txt", data), ["binary", f"offset {nul}"]


def _bad_utf8(tmp_path):
    data = "The café owner said trade was slow.\n".encode("latin-1")
    offset = data.index(b"\xe9")
    return write_bytes(tmp_path / "latin.txt", data), ["UTF-8", "0xe9", f"offset {offset}"]


def _bad_empty(tmp_path):
    return write_bytes(tmp_path / "empty.txt", b""), ["empty"]


def _bad_whitespace(tmp_path):
    return write_bytes(tmp_path / "blank.md", b"  \r\n\t\n   \n"), ["empty"]


def _bad_missing(tmp_path):
    return tmp_path / "gone.txt", ["no such file"]


def _bad_pdf(tmp_path):
    return write_bytes(tmp_path / "report.pdf", b"%PDF-1.7\n"), ["unsupported", ".pdf"]


def _bad_csv_no_text_column(tmp_path):
    data = b"doc,headline\nd-1,Market Day Moves\n"
    return write_bytes(tmp_path / "nocol.csv", data), ["'text'", "missing", "'doc'", "'headline'"]


BAD_FILES = {
    "binary": _bad_binary,
    "invalid-utf8": _bad_utf8,
    "empty": _bad_empty,
    "whitespace-only": _bad_whitespace,
    "missing": _bad_missing,
    "unsupported-suffix": _bad_pdf,
    "csv-without-text-column": _bad_csv_no_text_column,
}


@pytest.fixture
def good_files(tmp_path):
    before = write_bytes(tmp_path / "good" / "before.txt", GOOD_TEXT.encode("utf-8"))
    after = write_jsonl(tmp_path / "good" / "after.jsonl", [{"id": "after-1", "text": "Stocks closed higher."}])
    return before, after


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_is_reported_and_good_inputs_still_read(tmp_path, good_files, kind):
    bad, reason_parts = BAD_FILES[kind](tmp_path)
    before, after = good_files

    articles, report = read([before, bad, after])

    assert [a.id for a in articles] == ["before", "after-1"]
    assert articles[0].text == GOOD_TEXT
    assert len(report.errors) == 1, [str(e) for e in report.errors]
    err = report.errors[0]
    assert isinstance(err, InputError)
    message = str(err)
    assert str(bad) in message
    for part in reason_parts:
        assert part in message, (part, message)
    assert report.failed


def _jsonl_with_bad_line_2(tmp_path, bad_line):
    return write_jsonl(
        tmp_path / "feed.jsonl",
        [
            {"id": "f-1", "text": "The first line is fine."},
            bad_line,
            {"id": "f-3", "text": "The third line is fine too."},
        ],
    )


@pytest.mark.parametrize(
    ("bad_line", "reason_parts"),
    [
        ('{"id": "f-2", "text": "An unterminated string', ["not valid JSON"]),
        ('["a", "list", "not", "an", "object"]', ["JSON object", "list"]),
        ({"id": "f-2", "headline": "No Body Here", "wordcount": 3}, ["'text'", "'html'", "'headline'", "'wordcount'"]),
    ],
    ids=["malformed", "list", "no-text-or-html"],
)
def test_bad_jsonl_line_names_line_and_rest_of_file_is_read(tmp_path, good_files, bad_line, reason_parts):
    path = _jsonl_with_bad_line_2(tmp_path, bad_line)
    before, after = good_files

    articles, report = read([before, path, after])

    assert [a.id for a in articles] == ["before", "f-1", "f-3", "after-1"]
    assert len(report.errors) == 1
    message = str(report.errors[0])
    assert isinstance(report.errors[0], InputError)
    assert str(path) in message
    assert "line 2" in message
    for part in reason_parts:
        assert part in message, (part, message)


def test_duplicate_article_id_across_two_files(tmp_path, good_files):
    first = write_bytes(tmp_path / "monday" / "market.txt", b"Market prices fell on Monday.\n")
    second = write_bytes(tmp_path / "tuesday" / "market.txt", b"Market prices rose on Tuesday.\n")
    before, after = good_files

    articles, report = read([before, first, second, after])

    assert [a.id for a in articles] == ["before", "market", "after-1"]
    assert articles[1].text == "Market prices fell on Monday.\n"
    assert len(report.errors) == 1
    message = str(report.errors[0])
    assert str(second) in message
    assert "duplicate" in message and "'market'" in message
    assert str(first) in message  # where the id was first seen


def test_all_bad_inputs_in_one_call_no_exception_escapes(tmp_path, good_files):
    bads = [make(tmp_path)[0] for make in BAD_FILES.values()]
    bads.append(_jsonl_with_bad_line_2(tmp_path, '["not", "an", "object"]'))
    before, after = good_files

    articles, report = read([*bads, before, after])

    assert [a.id for a in articles] == ["f-1", "f-3", "before", "after-1"]
    assert len(report.errors) == len(bads)
    for bad, err in zip(bads, report.errors, strict=True):
        assert isinstance(err, InputError)
        assert str(bad) in str(err)


def test_invalid_utf8_after_bom_names_the_right_byte_and_offset(tmp_path):
    # The offset should point at the bad byte in the file as given (the BOM is part of the file).
    data = BOM + b"The harbour fee rose to \xff10 this year.\n"
    path = write_bytes(tmp_path / "bom-latin.txt", data)

    articles, report = read([path])

    assert articles == []
    assert len(report.errors) == 1
    message = str(report.errors[0])
    assert "0xff" in message, message
    offset = data.index(b"\xff")
    assert f"offset {offset}" in message, message


def test_jsonl_text_with_unicode_line_separator_is_one_record(tmp_path):
    # U+2028 is legal unescaped inside a JSON string (json.dumps(ensure_ascii=False) writes it raw),
    # so it must not split a JSONL record; only \n ends a line.
    path = write_jsonl(
        tmp_path / "sep.jsonl",
        [
            {"id": "u-1", "text": "The flood barrier held.\u2028Residents were relieved."},
            {"id": "u-2", "text": "Roads reopened on Thursday."},
        ],
    )

    articles, report = read([path])

    assert [str(e) for e in report.errors] == []
    assert [a.id for a in articles] == ["u-1", "u-2"]
    assert articles[0].text == "The flood barrier held.\u2028Residents were relieved."
    assert "line 2" in articles[1].origin


# -- callbacks -----------------------------------------------------------------------------------


def test_on_error_is_called_as_each_error_happens(tmp_path, good_files):
    before, after = good_files
    missing = tmp_path / "missing.txt"
    broken = _jsonl_with_bad_line_2(tmp_path, "{not json")
    events: list[tuple[str, str]] = []
    report = ReadReport()

    for article in read_articles(
        [str(missing), str(before), str(broken), str(after)],
        report=report,
        on_error=lambda err: events.append(("error", str(err))),
    ):
        events.append(("article", article.id))

    assert [kind for kind, _ in events] == ["error", "article", "article", "error", "article", "article"]
    assert str(missing) in events[0][1]
    assert "line 2" in events[3][1] and str(broken) in events[3][1]
    assert [msg for kind, msg in events if kind == "error"] == [str(e) for e in report.errors]


def test_on_file_is_called_once_per_file_with_its_size(tmp_path, good_files):
    before, after = good_files
    corpus = tmp_path / "corpus"
    inner_a = write_bytes(corpus / "a.txt", b"Alpha story.\n")
    inner_b = write_bytes(corpus / "b" / "c.md", b"Gamma story, a little longer.\n")
    latin = write_bytes(tmp_path / "latin.txt", "Café.\n".encode("latin-1"))  # read, then rejected
    calls: list[tuple[str, int]] = []

    articles, report = read([before, corpus, latin, after], on_file=lambda name, size: calls.append((name, size)))

    expected = [before, inner_a, inner_b, latin, after]
    assert calls == [(str(p), p.stat().st_size) for p in expected]
    assert report.files == len(expected)
    assert [a.id for a in articles] == ["before", "a", "c", "after-1"]
    assert len(report.errors) == 1

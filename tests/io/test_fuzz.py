"""Fuzzing the readers through the real command line (issue 14): hypothesis writes JSONL, CSV and HTML inputs
(lone surrogates, deep nesting, odd quoting, NUL bytes, invalid UTF-8, long lines, ids of every JSON type) and runs
``annotator split`` and ``annotator prelabel`` on them through :func:`annotator.cli.main`, the console script's
entry point, in this process. Whatever the input: no exception escapes (no traceback), the exit status is 0 or 1,
every problem is an ``error:`` line naming its input, exit status 1 comes with at least one, and no URL other than
http(s) reaches the output.

Bounded (examples, sizes) to run in well under a minute on a loaded two-core machine.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotator.cli import main

pytestmark = pytest.mark.slow

#: characters that break readers: surrogates, NUL, quotes, separators, line ends, brackets, a BOM, non-ASCII
NASTY = ["\ud800", "\udfff", "\x00", '"', "'", ",", "\\", "\n", "\r", "\u2028", "[", "{", "<", ">", "&", "\ufeff", "é"]
chars = st.one_of(st.sampled_from(NASTY), st.characters(codec="utf-8"), st.characters(max_codepoint=0x10FFFF))
texts = st.lists(chars, max_size=60).map("".join)  # st.text() would leave surrogates out
words = st.text(alphabet=st.sampled_from("abc .,!?\"'\n"), min_size=1, max_size=40)
#: a long line, within a bounded size
long_text = st.integers(min_value=1, max_value=4_000).map(lambda n: "Words said here. " * n)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3), max_leaves=8
)


#: URLs an export must not carry (javascript:, data:, ...) and ones it keeps
HOSTILE_URLS = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:x", "data:text/html,<script>", "file:///x"]
urls = st.sampled_from([*HOSTILE_URLS, "https://example.org/a", "http://example.org/b"])

#: nesting depths around the limits: ours (100), orjson's (255), Python's recursion limit (~1,000)
DEPTHS = [2, 99, 100, 101, 255, 256, 1_000, 5_000]


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def jsonl_line(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["record", "record", "surrogate", "deep", "garbage", "invalid-utf8"]))
    if kind == "surrogate":  # a well-formed record but for one escaped lone surrogate in its text
        text = draw(words) + draw(st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])) + draw(words)
        return json.dumps({"id": draw(words), "text": text}).encode()
    if kind == "deep":
        return ('{"id": "d", "text": "Fine.", "m": ' + _deep(draw(st.sampled_from(DEPTHS))) + "}").encode()
    if kind == "garbage":
        return draw(texts).replace("\n", " ").encode("utf-8", "surrogatepass")
    record = {
        "id": draw(json_values),
        "text": draw(st.one_of(texts, words, long_text, json_values)),
        **draw(st.dictionaries(st.sampled_from(["title", "html", "source", "url", "published", "x"]), json_values)),
    }
    if draw(st.booleans()):
        record["url"] = draw(urls)
    if draw(st.booleans()) and draw(st.booleans()):
        record["html"] = draw(html_page())
    # ASCII escapes (\ud800 as six characters) or raw characters (a surrogate as invalid UTF-8 bytes)
    ascii_only = draw(st.booleans())
    line = json.dumps(record, ensure_ascii=ascii_only)
    return line.encode("utf-8", "surrogatepass") if kind == "invalid-utf8" or not ascii_only else line.encode()


@st.composite
def html_page(draw: st.DrawFn) -> str:
    depth = draw(st.sampled_from([0, 1, 30, 255, 256, 400]))
    paragraphs = draw(st.lists(st.one_of(texts, words, long_text), max_size=4))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    closed = draw(st.booleans())
    return f"<html><body>{'<div>' * depth}{body}{'</div>' * depth if closed else ''}</body></html>"


@st.composite
def csv_file(draw: st.DrawFn) -> bytes:
    header = draw(st.sampled_from(["id,text", "text", "id,html", "id,text,title", '"id","te""xt"', ""]))
    cells = st.one_of(words, texts, st.just('"'), st.just('"unterminated'), long_text)
    rows = draw(st.lists(st.lists(cells, min_size=1, max_size=4), max_size=5))
    quote = draw(st.booleans())
    lines = [",".join(f'"{c}"' if quote else c for c in row) for row in rows]
    return ("\n".join([header, *lines]) + draw(st.sampled_from(["", "\n", "\r\n"]))).encode("utf-8", "surrogatepass")


inputs = st.one_of(
    st.lists(jsonl_line(), min_size=1, max_size=6).map(lambda lines: ("feed.jsonl", b"\n".join(lines) + b"\n")),
    csv_file().map(lambda data: ("feed.csv", data)),
    html_page().map(lambda page: ("page.html", page.encode("utf-8", "surrogatepass"))),
    st.binary(max_size=200).map(lambda data: ("odd.txt", data)),
)


def _run(argv: list[str]) -> tuple[int, str]:
    """The exit status and standard error of one run of the console script's entry point."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            main(argv)
            status = 0
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
    return status, err.getvalue()


@settings(
    max_examples=int(os.environ.get("ANNOTATOR_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(files=st.lists(inputs, min_size=1, max_size=3), suffix=st.sampled_from([".jsonl", ".csv"]))
# the two inputs of issue 14 that crashed every command, always tried first
@example(
    files=[("feed.jsonl", b'{"id": "a", "text": "Lone \\ud800 half. It said so."}\n{"text": "Fine. Yes."}\n')],
    suffix=".jsonl",
)
@example(files=[("feed.jsonl", b'{"text": "Fine.", "m": ' + _deep(1_000).encode() + b"}\n")], suffix=".jsonl")
@example(
    files=[("feed.jsonl", b'{"id": "u", "text": "The mayor said so. It rained.", "url": "javascript:alert(1)"}\n')],
    suffix=".jsonl",
)
def test_split_and_prelabel_survive_any_input(files: list[tuple[str, bytes]], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for i, (name, data) in enumerate(files):
            path = Path(tmp) / f"{i}-{name}"
            path.write_bytes(data)
            names.append(str(path))
        for command in (["split"], ["prelabel", "--workers", "1"]):
            out = Path(tmp) / f"out-{command[0]}{suffix}"
            # an exception other than SystemExit fails the test with its traceback: none may escape
            status, stderr = _run([*command, *names, "-o", str(out)])
            assert status in (0, 1), stderr
            lines = stderr.splitlines()
            assert "Traceback" not in stderr
            assert lines and lines[-1].startswith("read "), stderr  # the summary line comes last
            errors = [line for line in lines if line.startswith("error: ")]
            assert (status == 1) == bool(errors), stderr
            assert all(line.startswith(("error: ", "read ")) for line in lines), stderr
            # one line per bad input: every error names the input (file, or file:line) it is about
            assert all(any(name in line for name in names) for line in errors), stderr
            if out.exists() and suffix == ".jsonl":
                for line in out.read_bytes().splitlines():
                    row = json.loads(line)  # what was written is valid JSON (and UTF-8)
                    assert row["url"] is None or row["url"].startswith(("http://", "https://")), row["url"]
            elif out.exists():
                rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline=""), strict=True))
                assert rows and all(len(row) == len(rows[0]) for row in rows)

"""Sentence splitting: the Golden Rules, news rules, the real seed articles, and invariants."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
import shared_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.text.segment import BOILERPLATE, CAPTION, HEADLINE, SUBHEAD, segment

SEEDS = shared_data.seed_params()  # one skipped (or failed) parameter naming the path when the seeds are missing


def golden_rules(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


def texts(text: str, **kwargs: object) -> list[str]:
    return [s.text for s in segment(text, **kwargs)]  # type: ignore[arg-type]


# -- Golden Rules ------------------------------------------------------------------------------


def test_golden_rules_score(golden_rules_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = golden_rules(golden_rules_file)
    assert len(rules) == 48
    failed = [r["id"] for r in rules if texts(str(r["text"])) != r["expected"]]
    score = len(rules) - len(failed)
    with capsys.disabled():
        print(f"\nGolden Rules: {score}/{len(rules)} (failed: {failed or 'none'})")
    assert score >= 47, f"Golden Rules {score}/48, failed {failed}"


# -- news rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a quotation over several sentences stays one unit with its attribution
        (
            "He told reporters: ‘We saw nothing. It is a rumour.’ Then he left.",
            ["He told reporters: ‘We saw nothing. It is a rumour.’", "Then he left."],
        ),
        (
            "“The dam held. Nobody was hurt,” said Mrs. Okafor. Crews stayed overnight.",
            ["“The dam held. Nobody was hurt,” said Mrs. Okafor.", "Crews stayed overnight."],
        ),
        # a quotation interrupted by its attribution
        (
            "She added: ‘The pumps we have,’ she said. ‘The generators we don’t.’ The council declined to comment.",
            [
                "She added: ‘The pumps we have,’ she said. ‘The generators we don’t.’",
                "The council declined to comment.",
            ],
        ),
        # ranks, titles, initials, numbers
        (
            "Lt. Col. Ames met Sgt. Reyes and Gen. Hollis. They spoke at St. Anne's.",
            ["Lt. Col. Ames met Sgt. Reyes and Gen. Hollis.", "They spoke at St. Anne's."],
        ),
        (
            "Voters in No. 10 ward met John R. Hale on Monday. He left.",
            ["Voters in No. 10 ward met John R. Hale on Monday.", "He left."],
        ),
        (
            "The U.S. Navy sent 12,700 sailors. The ship is 1106ft long.",
            ["The U.S. Navy sent 12,700 sailors.", "The ship is 1106ft long."],
        ),
        (
            "The fund paid $50million, up 3.5 per cent. on the year. Shares fell.",
            ["The fund paid $50million, up 3.5 per cent. on the year.", "Shares fell."],
        ),
        (
            "The vote closed at 10 p.m. Tuesday. Results came at 6 a.m. Officials cheered.",
            ["The vote closed at 10 p.m. Tuesday.", "Results came at 6 a.m.", "Officials cheered."],
        ),
        # a split inside a closing curly single quote (pysbd never makes this one)
        (
            "It is called the ‘Harbour Plan.’ This is led by the mayor.",
            ["It is called the ‘Harbour Plan.’", "This is led by the mayor."],
        ),
    ],
)
def test_news_rules(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_lines_split_first_and_kinds() -> None:
    text = (
        "Flood barriers fail in river town\n\n"
        "Residents say warnings came too late as water rose overnight\n"
        "The barrier failed at 3 a.m., the council said. Officials denied it was poorly maintained.\n"
        "Volunteers fill sandbags outside the town hall on Tuesday as the river keeps rising\n"
        "What went wrong\n"
        "Engineers are inspecting the site.\n"
    )
    got = segment(text)
    assert [(s.kind, s.text) for s in got] == [
        (HEADLINE, "Flood barriers fail in river town"),
        (SUBHEAD, "Residents say warnings came too late as water rose overnight"),
        ("body", "The barrier failed at 3 a.m., the council said."),
        ("body", "Officials denied it was poorly maintained."),
        (CAPTION, "Volunteers fill sandbags outside the town hall on Tuesday as the river keeps rising"),
        (SUBHEAD, "What went wrong"),
        ("body", "Engineers are inspecting the site."),
    ]


def test_title_marks_headline_even_with_punctuation() -> None:
    got = segment("Is the bridge safe?\nEngineers say yes.", title="Is the bridge safe?")
    assert [s.kind for s in got] == [HEADLINE, "body"]


def test_quote_ids_group_a_quotation_over_paragraphs() -> None:
    text = (
        "The minister said: “We will rebuild every school. It will take years.\n"
        "“But we will not walk away,” she added.\n"
        "The opposition called it a stunt.\n"
        "“It is theatre,” a spokesman said.\n"
    )
    got = segment(text)
    ids = [s.quote_id for s in got]
    # the open quotation of paragraph 1 continues into paragraph 2; paragraph 4 is a new one
    assert ids[0] is not None
    assert len({ids[0], ids[1], ids[2]}) == 1
    assert ids[3] is None
    assert ids[4] is not None and ids[4] != ids[0]


def test_boilerplate_lines_dropped_and_audited() -> None:
    text = (
        "Council approves budget\n"
        "- Advertisement -spot_imgspot_img\n"
        "The council approved the budget on Monday.\n"
        "Your browser does not support iframes.\n"
        "Sign up for our evening newsletter to get the headlines first.\n"
        "#budget #council\n"
        "Share Tweet Email\n"
        "The council approved the budget on Monday.\n"
        "LEAVE A REPLY\n"
        "Please enter your comment!\n"
    )
    kept = segment(text)
    assert [s.text for s in kept] == ["Council approves budget", "The council approved the budget on Monday."]
    audited = segment(text, keep_boilerplate=True)
    dropped = [(s.text, s.rule) for s in audited if s.kind == BOILERPLATE]
    assert [rule for _, rule in dropped] == [
        "advertisement",
        "embed_notice",
        "newsletter",
        "hashtags",
        "share_buttons",
        "repeated_line",
        "comment_form",
        "comment_form",
    ]


def test_body_sentence_mentioning_a_newsletter_is_kept() -> None:
    line = "More than two million readers subscribe to the bank's newsletter, the report said."
    assert texts(line) == [line]


# -- the real scraped articles -----------------------------------------------------------------

FURNITURE = re.compile(
    r"Advertisement|spot_img|does not support iframes|LEAVE A REPLY|Please enter your|sign up for our newsletters?"
    r"|^#\w+( #\w+)*$|^(Latest|Related) news$",
    re.IGNORECASE,
)
FINAL = re.compile(r"[.!?…:;][\"'’”)\]]*$")
OPEN_MARK = re.compile(r"“|(?:^|(?<=[\s(—–-]))‘")
CLOSE_MARK = re.compile(r"”|’(?![A-Za-z])")
NO_SPLIT_AFTER = ("Gen.", "Lt.", "Col.", "Sgt.", "St.", "No.", "Mr.", "Dr.")


def seed_lines(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    out, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            out.append((pos + raw.index(stripped), stripped))
        pos += len(raw) + 1
    return out


@pytest.mark.parametrize("path", SEEDS)
def test_seed_boilerplate_dropped_and_nothing_else(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    sentences = segment(text, keep_boilerplate=True)
    dropped = {s.start for s in sentences if s.kind == BOILERPLATE}
    furniture = {start for start, line in seed_lines(path) if FURNITURE.search(line)}
    assert dropped == furniture


@pytest.mark.parametrize("path", SEEDS)
def test_seed_no_claim_lost_or_split_badly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    sentences = segment(text)
    lines = [(start, line) for start, line in seed_lines(path) if not FURNITURE.search(line)]
    for start, line in lines:
        inside = [s for s in sentences if start <= s.start < start + len(line)]
        # every non-furniture line is covered by its sentences, up to whitespace
        assert inside, line
        assert inside[0].start == start and inside[-1].end == start + len(line)
        assert all(not text[a.end : b.start].strip() for a, b in itertools.pairwise(inside))
        for a, b in itertools.pairwise(inside):
            # a sentence inside a line ends like a sentence, never after a prepositive title
            assert FINAL.search(a.text), (a.text, b.text)
            assert not a.text.endswith(NO_SPLIT_AFTER), (a.text, b.text)
        # no boundary inside a quotation: before each boundary, every opened quotation is closed
        # (marks counted regardless of type: scraped text mixes ‘…” )
        for b in inside[1:]:
            before = text[start : b.start]
            opens = len(OPEN_MARK.findall(before))
            closes = len(CLOSE_MARK.findall(before))
            assert opens <= closes, before[-120:]


@pytest.mark.parametrize("path", SEEDS)
def test_seed_captions_and_headings_kept(path: Path) -> None:
    sentences = segment(path.read_text(encoding="utf-8"))
    unpunctuated = [
        (start, line) for start, line in seed_lines(path) if not FINAL.search(line) and not FURNITURE.search(line)
    ]
    assert unpunctuated, "the seed articles have captions"
    for start, line in unpunctuated:
        kinds = {s.kind for s in sentences if start <= s.start < start + len(line)}
        assert kinds and kinds <= {HEADLINE, SUBHEAD, CAPTION}, (line, kinds)
        if start > 0 and line.count(" ") >= 12:
            assert CAPTION in kinds or SUBHEAD in kinds


# -- invariants --------------------------------------------------------------------------------

TOKENS = [
    *"abcXYZ 019.,;:!?…'\"‘’“”()-—\n\t#$%\u00a0",
    "Gen. ",
    "U.S. ",
    " a.m. ",
    "1) ",
    "2) ",
    "\r\n",
    "Advertisement",
]
NEWSY = st.lists(st.sampled_from(TOKENS), max_size=120).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NEWSY | st.text(max_size=300))
def test_offsets_exact_ordered_and_lossless(text: str) -> None:
    sentences = segment(text, keep_boilerplate=True)
    pos = 0
    rest = []
    for s in sentences:
        assert text[s.start : s.end] == s.text
        assert s.text and s.text == s.text.strip()
        assert s.start >= pos, "spans ordered and non-overlapping"
        rest.append(text[pos : s.start])
        pos = s.end
    rest.append(text[pos:])
    assert "".join(rest).strip() == "", "only whitespace is left between sentences"


@settings(max_examples=150, deadline=None)
@given(NEWSY)
def test_dropping_boilerplate_only_removes_boilerplate(text: str) -> None:
    kept = segment(text)
    audited = segment(text, keep_boilerplate=True)
    assert kept == [s for s in audited if s.kind != BOILERPLATE]


def test_rules_file_is_checked_against_its_schema(tmp_path: Path) -> None:
    from annotator.errors import SchemaError
    from annotator.text.boilerplate import load_rules

    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps({"version": 1, "rules": [{"name": "ads", "patern": "advert"}]}), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"rules\.json: rules/0: .*pattern"):
        load_rules(bad)
    bad.write_text(json.dumps({"version": 1, "rules": [{"name": "ads", "pattern": "(unclosed"}]}), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"'ads' is not a valid regex"):
        load_rules(bad)


def test_installed_splitter_is_the_compiled_one() -> None:
    """The wheel ships the mypyc-compiled splitter, cue analysis and row building (setup.py); benchmarks and
    these tests use them."""
    import importlib
    import os

    compiled = ("text.segment", "text.boilerplate", "text.split", "text.quotes")
    compiled += ("attribution.mentions", "attribution.kinds", "attribution.cues", "attribution.signals")
    compiled += ("attribution.article",)
    names = (*compiled, "prelabel.rows", "prelabel.priority")
    modules = [importlib.import_module(f"annotator.{m}") for m in names]
    suffix = ".py" if os.environ.get("ANNOTATOR_PURE_PYTHON") == "1" else ".so"
    assert [m.__name__ for m in modules if not str(m.__file__).endswith(suffix)] == []

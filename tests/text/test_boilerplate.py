"""The RE2 prefilter of the boilerplate rules never hides a line that the rules match."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.errors import SchemaError
from annotator.io.articles import read_articles
from annotator.resources import schema_path
from annotator.text.boilerplate import _re2_pattern, check_rules, compile_rules, load_rules

# _re2_pattern: the Python-to-RE2 translation has no public name, and its edge cases (a negated class it must refuse)
# cannot be told apart through compile_rules, which falls back to scanning every line

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"[^\S\n]*([^\n]*\S)")


def lines_flagged(rules, text: str) -> tuple[set[int], set[int]]:  # type: ignore[no-untyped-def]
    """(starts of lines the rules match, starts of lines the prefilter keeps as candidates)."""
    ranges = rules.candidates(text)
    assert ranges is not None, "the shipped rules must translate to RE2"
    matched, kept = set(), set()
    for m in LINE.finditer(text):
        s, e = m.span(1)
        if rules.match(m.group(1)) is not None:
            matched.add(s)
        if any(rs <= e and re_ >= s for rs, re_ in ranges):
            kept.add(s)
    return matched, kept


def corpus_texts(seeds_dir: Path) -> list[str]:
    paths = [ROOT / "data" / "articles", *sorted(seeds_dir.glob("*.txt"))]
    return [a.text for a in read_articles(paths)]


def test_prefilter_keeps_every_matching_line_of_the_sample_and_seed_articles(seeds_dir: Path) -> None:
    rules = load_rules()
    texts = corpus_texts(seeds_dir)
    assert len(texts) >= 14, "data/articles and the seed articles must be readable"
    total = 0
    for text in texts:
        matched, kept = lines_flagged(rules, text)
        assert matched <= kept
        total += len(matched)
    assert total > 20  # the sample articles carry real furniture


def rule_lines() -> st.SearchStrategy[str]:
    """Lines near the rules: furniture words with Unicode spaces, accents, case and punctuation around them."""
    words = st.sampled_from(
        [
            "Advertisement",
            "- Advertisement -",
            "spot_img",
            "LEAVE A REPLY",
            "Please enter your comment!",
            "Subscribe",
            "newsletter",
            "Sign up",
            "#café",
            "#Élection2026",
            "#news",
            "Share",
            "Tweet",
            "Email",
            "Latest news",
            "Related",
            "READ MORE:",
            "Photo:",
            "Reuters",
            "Published",
            "12 March 2026",
            "By",
            "Jane",
            "Doe",
            "Ωmega",
            "©",
            "2026",
            "cookies",
            "we use cookies",
            "|",
            "›",
            "Home",
            "News",
            "ago",
            "Your browser does not support iframes.",
            "comments",
            "3",
            "Å",
            "ß",
            "İstanbul",
        ]
    )
    spaces = st.sampled_from([" ", "  ", "\u00a0", "\u2009", "\t", "", " | ", ", "])
    return st.lists(st.tuples(words, spaces), min_size=1, max_size=6).map(
        lambda parts: "".join(w + s for w, s in parts)
    )


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.lists(rule_lines(), min_size=1, max_size=8))
def test_prefilter_never_hides_a_matching_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    matched, kept = lines_flagged(load_rules(), text)
    assert matched <= kept


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("#café #Élection2026", "hashtags"),  # RE2's \w is ASCII-only; the translation must not be
        ("\u00a0- Advertisement -\u00a0", "advertisement"),
        ("Photo:\u00a0Reuters", "image_credit"),
    ],
)
def test_unicode_lines_are_candidates_and_match(line: str, rule: str) -> None:
    rules = load_rules()
    text = f"A first sentence.\n{line}\nA last sentence."
    matched, kept = lines_flagged(rules, text)
    start = text.index(line.strip())
    assert rules.match(line.strip()) == rule
    assert start in matched and start in kept


def test_the_shipped_rules_follow_their_schema() -> None:
    # load_rules() does not check the shipped file at run time; this test does
    spec = json.loads(schema_path("boilerplate.json").read_text(encoding="utf-8"))
    check_rules(spec)
    del spec["rules"][0]["pattern"]
    with pytest.raises(SchemaError, match="rules/0"):
        check_rules(spec)


def test_untranslatable_rules_fall_back_to_every_line() -> None:
    spec = json.loads(schema_path("boilerplate.json").read_text(encoding="utf-8"))
    spec["rules"].append({"name": "lookbehind", "description": "RE2 has no look-behind.", "pattern": "(?<=x)y"})
    rules = compile_rules(spec)
    assert rules.candidates("any text") is None
    assert rules.match("Advertisement") == "advertisement"


def test_translation_widens_unicode_classes() -> None:
    assert r"\p{L}" in _re2_pattern(r"#\w+")
    assert r"\p{Z}" in _re2_pattern(r"a\sb")
    with pytest.raises(ValueError, match="S"):
        _re2_pattern(r"[^\S\n]")

"""Source and cue spans, source types and alias merging, end to end (:func:`attribute`). Pronoun and role resolution
are tested in test_resolution.py, who contests whom in test_disputes.py.

Crafted sentences are written for these tests (fictional people and places). The two real seed articles are read
from ../shared/seeds at test time; expectations on them are about names and structure, never copied sentences.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.attribution.lexicon import lexicon, source_lexicon
from annotator.attribution.sources import (
    ANONYMOUS,
    COLLECTIVE,
    DISPUTE,
    DOCUMENT,
    ORGANISATION,
    OUTLET,
    PERSON,
    REPORTING,
    ArticleInput,
    SentenceSources,
    analyse_sentence,
    attribute,
    attribute_one,
    infer_outlet,
)
from annotator.claims.articles import Corpus, read_corpus


def only(sentences: list[SentenceSources], i: int = 0) -> SentenceSources:
    return sentences[i]


def primary(text: str) -> tuple[str | None, str | None, str | None]:
    """(source span text, type, cue text) of a one-sentence article."""
    (s,) = attribute_one("t", [text])
    src = s.primary
    if src is None:
        return None, None, None
    cue = next(a.cue.text for a in s.attributions if a.source == src)
    assert text[src.span[0] : src.span[1]] == src.text
    return src.text, src.type, cue


# -- spans and types on crafted sentences ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source", "type_", "cue"),
    [
        ("The port authority said the berth would reopen on Friday.", "The port authority", ORGANISATION, "said"),
        ("Ferry fares will rise by a fifth, according to Reuters.", "Reuters", OUTLET, "according to"),
        (
            "Fares will rise, according to the Harbour Gazette, which saw the plan.",
            "Harbour Gazette",
            OUTLET,
            "according to",
        ),
        ("“We were never warned,” said Tomas Reyes, a ferry captain.", "Tomas Reyes", PERSON, "said"),
        (
            "Prices will rise again, according to a senior trade official, Marta Ilves, who spoke on Monday.",
            "Marta Ilves",
            PERSON,
            "according to",
        ),
        ("A senior official said the talks had stalled.", "A senior official", ANONYMOUS, "said"),
        ("Analysts said the merger would cut jobs.", "Analysts", COLLECTIVE, "said"),
        # analysts, economists or researchers at a named body: the body is the source
        ("Analysts at Harmon Keene said the merger would cut jobs.", "Harmon Keene", ORGANISATION, "said"),
        (
            "Researchers from the University of Ostmark said most schemes overstated their benefits.",
            "University of Ostmark",
            ORGANISATION,
            "said",
        ),
        ("Staff at Gatwick said the queues were long.", "Staff at Gatwick", COLLECTIVE, "said"),
        ("Analysts in Leeds said the merger would cut jobs.", "Analysts in Leeds", COLLECTIVE, "said"),
        ("Rights groups say the camp is overcrowded.", "Rights groups", COLLECTIVE, "say"),
        ("Court documents show the loan was never repaid.", "Court documents", DOCUMENT, "show"),
        ("Dr. Ilse Varga, who led the survey, said the lake was shrinking.", "Dr. Ilse Varga", PERSON, "said"),
        ("The mayor of Dunmore, Petra Lind, said the bridge would reopen.", "Petra Lind", PERSON, "said"),
        ("Lisbon says the treaty is dead.", "Lisbon", ORGANISATION, "says"),
        (
            "Water levels fell by a metre, the regional river agency said.",
            "the regional river agency",
            ORGANISATION,
            "said",
        ),
    ],
)
def test_source_and_cue_spans(text: str, source: str, type_: str, cue: str) -> None:
    assert primary(text) == (source, type_, cue)


def test_no_source_for_a_bare_or_hedged_statement() -> None:
    for text in ("Crime has soared since the new mayor took office.", "The minister is said to be furious."):
        (s,) = attribute_one("t", [text])
        assert s.primary is None
    (s,) = attribute_one("t", ["The minister is said to be furious."])
    assert [h.text for h in s.hedges] == ["is said to"]
    assert [(s.text[a:b]) for a, b in s.cue_spans] == ["is said to"]


def test_cues_inside_quotes_are_quoted_speech() -> None:
    text = "“Nobody told us anything, they say,” said Ana Ruiz."
    (s,) = attribute_one("t", [text])
    assert [(a.cue.text, a.source.text if a.source else None) for a in s.attributions] == [("said", "Ana Ruiz")]


def test_cue_words_used_as_nouns_or_names_are_not_cues() -> None:
    raw = analyse_sentence("The United States rejected Vessel Line's claims about the reports.")
    cues = [a.cue.text for a in raw.attributions]
    assert cues == ["rejected"]


# -- aliases across articles ------------------------------------------------------------------------


def test_aliases_merge_across_articles_and_outlets() -> None:
    result, index = attribute(
        [
            ArticleInput("one", [("one:0", "Col Mira Sand said the convoy had left at dawn.")], "Valley Post"),
            ArticleInput("two", [("two:0", "Sand said the convoy was attacked.")], "Coast Herald"),
            ArticleInput("three", [("three:0", "Colonel Mira Sand denied the report.")], None),
        ]
    )
    keys = {result[a][0].attributions[0].source.key for a in ("one", "two", "three")}
    assert keys == {"person:mira sand"}
    assert {"Col Mira Sand", "Sand", "Colonel Mira Sand"} <= index.aliases["person:mira sand"]
    assert index.names["person:mira sand"] == "Mira Sand"
    assert index.types["person:mira sand"] == PERSON


# -- offsets: property ------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "said", "told", "according to", "denied", "could not confirm", "reportedly", "is said to", "Budan",
        "Lt", "Gen", "General", "Mira", "Sand", "the", "a", "senior", "official", "officials", "analysts", "he",
        "she", "it", "company", "Reuters", "Harbour", "Gazette", "that", "and", ",", ".", "“", "”", "‘", "’s",
        "who", "Documents", "show", "120", "several", "hundred",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(WORDS, min_size=1, max_size=25).map(" ".join), min_size=1, max_size=4))
def test_spans_point_into_the_sentence(sentences: list[str]) -> None:
    for s in attribute_one("p", sentences):
        for a in s.attributions:
            assert s.text[a.cue.span[0] : a.cue.span[1]] == a.cue.text
            if a.source is not None:
                assert s.text[a.source.span[0] : a.source.span[1]] == a.source.text
                assert 0 <= a.source.span[0] < a.source.span[1] <= len(s.text)
        for start, end in s.source_spans + s.cue_spans:
            assert 0 <= start < end <= len(s.text)


# -- the lexicon is where the words live ----------------------------------------------------------


def test_source_lists_come_from_the_lexicon() -> None:
    words = source_lexicon().words
    for name in ("outlet_names", "outlet_words", "document_words", "collective_sources", "person_roles"):
        assert words[name], name
    assert "gazette" in words["outlet_words"]
    # kept apart from the guideline lists, which a fitted model copies
    assert not set(words) & set(lexicon().words)


# -- the seed articles ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> tuple[Corpus, dict[str, list[SentenceSources]], object]:
    corpus = read_corpus([seeds_dir])
    assert len(corpus.articles) == 2, "the two seed articles must be readable"
    result, index = attribute(corpus.articles)
    return corpus, result, index


def test_seed_outlets(seeds: tuple[Corpus, dict[str, list[SentenceSources]], object]) -> None:
    corpus, _, _ = seeds
    # one seed names its own outlet in its newsletter prompt; the other names none
    assert sorted(filter(None, corpus.outlets.values())) == ["Daily Star"]
    assert infer_outlet("By A. Writer, Harbour Gazette | 1 May") == "Harbour Gazette"


def test_seed_budanov_aliases_merge_across_both_articles(
    seeds: tuple[Corpus, dict[str, list[SentenceSources]], object],
) -> None:
    _, result, index = seeds
    budanov = [k for k in index.types if k.endswith("budanov")]
    assert budanov == ["person:kyrlo budanov"]
    aliases = index.aliases["person:kyrlo budanov"]
    assert {"Lt General Kyrlo Budanov", "General Kyrlo Budanov", "Budanov"} <= aliases
    articles = {s.article_id for ss in result.values() for s in ss if s.primary and s.primary.key == budanov[0]}
    assert len(articles) == 2
    # pronouns ("He told ...") and a role ("The Ukrainian official ...") are credited to him in both articles
    for ss in result.values():
        resolved = {s.primary.resolved_from for s in ss if s.primary and s.primary.key == budanov[0]}
        assert "pronoun" in resolved
    assert any(
        s.primary and s.primary.key == budanov[0] and s.primary.resolved_from == "role"
        for ss in result.values()
        for s in ss
    )


def test_seed_budanov_contests_zhuravlev(seeds: tuple[Corpus, dict[str, list[SentenceSources]], object]) -> None:
    _, result, index = seeds
    disputes = [(a.disputer, a.targets) for ss in result.values() for s in ss for a in s.disputes]
    zhuravlev = [k for k in index.types if k.endswith("zhuravlev")]
    assert zhuravlev == ["person:alexei zhuravlev"]
    assert ("person:kyrlo budanov", ("person:alexei zhuravlev",)) in disputes


def test_seed_citation_of_an_outlet(seeds: tuple[Corpus, dict[str, list[SentenceSources]], object]) -> None:
    _, result, index = seeds
    outlets = {
        a.source.key
        for ss in result.values()
        for s in ss
        for a in s.attributions
        if a.source and a.source.type == OUTLET
    }
    assert outlets == {"outlet:daily mail"}
    assert index.names["outlet:daily mail"] == "Daily Mail"


def test_seed_anonymous_and_collective_sources(seeds: tuple[Corpus, dict[str, list[SentenceSources]], object]) -> None:
    _, result, _ = seeds
    types = {a.source.type for ss in result.values() for s in ss for a in s.attributions if a.source}
    assert {PERSON, ORGANISATION, OUTLET, DOCUMENT, ANONYMOUS, COLLECTIVE} <= types
    kinds = {a.cue.kind for ss in result.values() for s in ss for a in s.attributions}
    assert kinds == {REPORTING, DISPUTE}

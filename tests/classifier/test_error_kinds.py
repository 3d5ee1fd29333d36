"""The kinds of errors, from (gold, predicted, traits), and the adapter from the cue analysis to the traits."""

from __future__ import annotations

import pytest

from annotator.attribution.article import analyse_article
from annotator.classifier import error_kinds as ek
from annotator.classifier.error_kinds import (
    TRAITS,
    error_kind,
    error_kinds,
    error_summary,
    format_summary,
    kind_table,
    traits_of,
)


@pytest.mark.parametrize(
    ("gold", "predicted", "traits", "kind"),
    [
        ("contested", "attributed", {"source_named", "dispute_cue"}, ek.DISPUTE_OUTWEIGHED),
        ("contested", "unverified", {"not_verified"}, ek.DISPUTE_OUTWEIGHED),
        ("contested", "attributed", {"quote", "dispute_cue_quoted", "source_named"}, ek.DISPUTE_QUOTED_MISSED),
        ("contested", "attributed", {"source_named"}, ek.DENIAL_WITHOUT_CUE),
        ("attributed", "unverified", {"source_pronoun"}, ek.PRONOUN_SPEAKER),
        ("attributed", "unverified", {"quote", "continued_quote"}, ek.PRONOUN_SPEAKER),
        ("attributed", "unverified", {"no_cue"}, ek.NAMED_NOT_FOUND),
        ("attributed", "unverified", {"source_role", "hedge"}, ek.NAMED_OUTWEIGHED),
        ("unverified", "attributed", {"source_collective"}, ek.ANONYMOUS_AS_NAMED),
        ("unverified", "attributed", {"source_anonymous", "source_named"}, ek.ANONYMOUS_AS_NAMED),
        ("unverified", "attributed", {"hedge"}, ek.HEDGE_AS_ATTRIBUTED),
        ("unverified", "attributed", {"source_named"}, ek.SOURCE_NOT_CREDITED),
        ("unverified", "attributed", {"no_cue"}, ek.BARE_AS_ATTRIBUTED),
        ("attributed", "contested", {"source_named", "dispute_cue"}, ek.DISPUTES_NOTHING),
        ("unverified", "contested", {"no_cue"}, ek.CONTESTED_WITHOUT_CUE),
    ],
)
def test_each_error_gets_its_kind(gold: str, predicted: str, traits: set[str], kind: str) -> None:
    assert error_kind(gold, predicted, traits) == kind


def test_a_pair_no_kind_explains_is_other() -> None:
    assert error_kind("attributed", "someday", set()) == ek.OTHER


def test_right_answers_and_unknown_traits_are_refused() -> None:
    with pytest.raises(ValueError, match="not an error"):
        error_kind("attributed", "attributed", set())
    with pytest.raises(ValueError, match="unknown traits \\['quoted'\\]"):
        error_kind("attributed", "unverified", {"quoted"})


def test_kind_table_counts_most_frequent_first() -> None:
    table = kind_table(["b", "a", "b", "c", "a", "b"])
    assert [(k.kind, k.errors) for k in table] == [("b", 3), ("a", 2), ("c", 1)]
    assert sum(k.share for k in table) == pytest.approx(1.0)
    assert kind_table([]) == []


def analyse(text: str):
    return analyse_article([text])[0]


def traits(text: str) -> frozenset[str]:
    return traits_of(analyse(text), text)


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("The ministry denied the report.", {"dispute_cue", "source_role"}, {"no_cue"}),
        ("Nadia Okafor said the pier would reopen.", {"source_named"}, {"source_role"}),
        ("He said the pier would reopen.", {"source_pronoun"}, {"source_pronoun_resolved"}),
        ("Officials said the pier would reopen.", {"source_anonymous"}, {"source_named"}),
        ("Analysts said the pier would reopen.", {"source_collective"}, {"source_anonymous"}),
        ("A senior official said the pier would reopen.", {"source_anonymous"}, {"source_collective"}),
        ("The pier reportedly reopened.", {"hedge"}, {"no_cue"}),
        ("The pier reopened on Monday.", {"no_cue"}, {"quote", "hedge"}),
        ("The figures could not be independently verified.", {"not_verified"}, set()),
        ('"We deny it," said Nadia Okafor.', {"quote", "dispute_cue_quoted", "source_named"}, {"dispute_cue"}),
        ("and it will reopen,” she added.", {"quote", "continued_quote"}, set()),
    ],
)
def test_traits_of_the_analysis(text: str, expected: set[str], absent: set[str]) -> None:
    found = traits(text)
    assert found <= TRAITS
    assert expected <= found, found
    assert not absent & found, found


def test_error_kinds_per_sentence() -> None:
    texts = ["The ministry denied the report.", "The pier reopened on Monday."]
    analyses = [analyse(t) for t in texts]
    kinds = error_kinds(["contested", "unverified"], ["attributed", "unverified"], analyses, texts)
    assert kinds == [ek.DISPUTE_OUTWEIGHED, None]


def test_error_summary_and_its_table() -> None:
    texts = ["The ministry denied the report.", "The pier reopened on Monday.", "Officials said it reopened."]
    summary = error_summary(
        ["contested", "unverified", "unverified"],
        ["attributed", "unverified", "attributed"],
        [analyse(t) for t in texts],
        texts,
    )
    assert summary["n"] == 3 and summary["errors"] == 2
    assert [k["kind"] for k in summary["kinds"]] == [ek.ANONYMOUS_AS_NAMED, ek.DISPUTE_OUTWEIGHED]
    table = format_summary(summary).splitlines()
    assert table[0] == "errors by kind (2 wrong of 3)"
    assert table[2].startswith(ek.ANONYMOUS_AS_NAMED) and table[2].endswith(" 1  50.0%")

"""The kinds of source a noun phrase names (annotator.attribution.kinds.kind_of), and what they become in a
sentence: an indefinite phrase ("a lobbyist", "one banker") is anonymous, whoever it names."""

from __future__ import annotations

import pytest

from annotator.attribution.article import analyse_article, source_feature
from annotator.attribution.kinds import (
    ANONYMOUS,
    COLLECTIVE,
    DOCUMENT,
    ORG_ROLE,
    ORGANISATION,
    PERSON_ROLE,
    SOURCE_TYPES,
    kind_of,
)


def test_source_types_are_the_ledger_types():
    assert SOURCE_TYPES == ("person", "organisation", "outlet", "document", "anonymous", "collective")


@pytest.mark.parametrize(
    ("core", "definite", "expected"),
    [
        (["mayor"], True, PERSON_ROLE),
        (["ministry"], True, ORG_ROLE),
        (["health", "ministry"], True, ORGANISATION),
        (["officials"], False, ANONYMOUS),
        (["analysts"], False, COLLECTIVE),
        (["residents"], False, COLLECTIVE),
        (["lawmaker"], False, ANONYMOUS),  # a role pointing to no one in particular
        (["report"], True, DOCUMENT),
        (["banana"], False, None),
        ([], True, None),
    ],
)
def test_kind_of_a_core(core, definite, expected):
    assert kind_of(core, definite) == expected


@pytest.mark.parametrize("core", [["lobbyist"], ["banker"], ["local", "firm"], ["mayor"]])
def test_an_indefinite_phrase_is_anonymous(core):
    assert kind_of(core, False, indefinite=True) == ANONYMOUS


def test_indefinite_does_not_hide_a_document_or_a_name():
    assert kind_of(["report"], False, indefinite=True) == DOCUMENT  # "a report": still a document
    assert kind_of(["lobbyist"], False) is None  # without the article, "lobbyist" alone is no source
    assert kind_of(["Reuters"], False, indefinite=True, capitalised=True) != ANONYMOUS


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("A lobbyist said the tax bill would pass.", "A lobbyist"),
        ("One banker said interest rates would rise.", "One banker"),
        ("Another trader told the paper that prices had peaked.", "Another trader"),
        ("An engineer said the bridge was unsafe.", "An engineer"),
    ],
)
def test_indefinite_sources_in_a_sentence_are_anonymous(text, source):
    (a,) = analyse_article([text])
    (att,) = a.sources.attributions
    assert att.source is not None and att.source.text == source
    assert att.source.type == ANONYMOUS and source_feature(att.source) == "source_anonymous"
    assert att.source.key == f"anonymous@article:{source.split(' ', 1)[1].lower()}"


def test_a_definite_role_is_not_anonymous():
    (a,) = analyse_article(["The engineer said the bridge was unsafe."])
    assert source_feature(a.sources.attributions[0].source) == "source_role"


def test_a_surname_ending_in_s_that_opens_the_sentence_is_a_person():
    _, second = analyse_article(["Dr Rhys Williams, a hydrologist, measured the river.", "Williams said it was clean."])
    assert source_feature(second.sources.attributions[0].source) == "source_named"

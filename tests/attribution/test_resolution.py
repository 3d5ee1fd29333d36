"""Source phrases typed and resolved, one article at a time (:func:`resolve_sources`, run here through
:func:`annotator.attribution.sources.attribute`): names, pronouns and roles, and the per-article keys of unnamed
sources. Sentences written for these tests (fictional people and places)."""

from __future__ import annotations

from annotator.attribution.sources import ANONYMOUS, ORGANISATION, ArticleInput, attribute, attribute_one


def test_aliases_titles_pronouns_and_roles_in_one_article() -> None:
    sentences = attribute_one(
        "a",
        [
            "Lt Gen Arvid Holm said the bridge at Varna was intact.",
            "He told reporters that repairs would start within a week.",
            "The army chief added that no soldiers had been hurt.",
            "General Arvid Holm later said the road would reopen.",
            "Holm claims the shelling came from the north.",
        ],
    )
    keys = {s.primary.key for s in sentences if s.primary}
    assert keys == {"person:arvid holm"}
    assert [s.primary.resolved_from for s in sentences if s.primary] == [None, "pronoun", "role", None, None]


def test_pronoun_prefers_a_person_named_earlier_in_the_sentence() -> None:
    sentences = attribute_one(
        "a",
        [
            "Councillor Rhea Dunn said the depot would close.",
            "Last week, a local businessman, Omar Vance, published figures he claims show a profit.",
            "He also said the depot employs 80 people.",
        ],
    )
    assert sentences[0].primary.key == "person:rhea dunn"
    assert sentences[1].primary.key == "person:omar vance"
    assert sentences[2].primary.key == "person:omar vance"


def test_anonymous_and_collective_sources_are_per_article() -> None:
    result, _ = attribute(
        [
            ArticleInput("one", [("one:0", "Officials said the dam was safe.")]),
            ArticleInput("two", [("two:0", "Officials said the dam was unsafe.")]),
        ]
    )
    one, two = (result[a][0].primary for a in ("one", "two"))
    assert one.type == two.type == ANONYMOUS
    assert one.key != two.key


def test_it_and_a_short_organisation_noun_resolve_to_the_named_organisation() -> None:
    sentences = attribute_one(
        "a",
        [
            "Tarn Valley Water Board said the reservoir was full.",
            "It said the pipes would be replaced.",
            "The board said the work would take a year.",
        ],
    )
    sources = [s.primary for s in sentences]
    assert {(src.type, src.key) for src in sources if src} == {(ORGANISATION, "org:tarn valley water board")}
    assert [src.resolved_from for src in sources if src] == [None, "pronoun", "role"]
    assert [src.text for src in sources if src] == ["Tarn Valley Water Board", "It", "The board"]


def test_an_unnamed_organisation_is_one_source_of_its_article() -> None:
    result, _ = attribute(
        [
            ArticleInput(
                "one",
                [
                    ("one:0", "The company said the mill was safe."),
                    ("one:1", "The company later said the mill would close."),
                ],
            ),
            ArticleInput("two", [("two:0", "The company said the mill was sold.")]),
        ]
    )
    one = {s.primary.key for s in result["one"] if s.primary}
    two = {s.primary.key for s in result["two"] if s.primary}
    assert len(one) == len(two) == 1
    assert one != two
    assert {s.primary.name for s in result["one"] if s.primary} == {"company"}


def test_a_pronoun_with_no_one_to_stand_for_stays_unresolved() -> None:
    (s,) = attribute_one("a", ["She said the road was closed."])
    (a,) = s.attributions
    assert a.source is not None and a.source.text == "She"
    assert a.source.key is None and a.source.type is None
    assert s.primary is None

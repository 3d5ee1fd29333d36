"""The article analysis (annotator.attribution.article): each source type to its feature, context across sentences
(pronouns, "they", continued quotations), grouping of texts into articles, explanations. Sentences written for the
purpose."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.attribution.article import (
    ANALYSER_VERSION,
    FEATURES,
    SentenceAnalysis,
    analyse_article,
    analyse_texts,
    explain,
    features_of,
    merged,
    source_feature,
)

SOURCE_FEATURES = {name for name in FEATURES if name.startswith("source_")}
CONTINUES = {"continues_named", "continues_anonymous", "continues_unknown"}


def on(a: SentenceAnalysis) -> set[str]:
    """The names of the features that fire on an analysed sentence."""
    return {name for name, v in zip(FEATURES, a.features, strict=True) if v}


def sources(a: SentenceAnalysis) -> list[str]:
    return [a.text[s.span[0] : s.span[1]] for s in (att.source for att in a.sources.attributions) if s is not None]


def test_version_and_feature_names():
    assert ANALYSER_VERSION == "4"
    assert len(set(FEATURES)) == len(FEATURES)
    (a,) = analyse_article(["The ferry left on time."])
    assert len(a.features) == len(FEATURES) and on(a) == {"no_cue"}
    assert a.text == "The ferry left on time."
    assert a.words == ["the", "ferry", "left", "on", "time"]


# -- each source type sets its own feature -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source", "feature"),
    [
        ("Professor Anneli Kask said the soil samples were sound.", "Professor Anneli Kask", "source_named"),
        ("The audit found that the pumps were never serviced.", "The audit", "source_document"),
        ("The coroner said the fall was accidental.", "The coroner", "source_role"),
        ("The ministry said the clinic would close in May.", "The ministry", "source_role"),
        ("A lobbyist said the tax bill would pass.", "A lobbyist", "source_anonymous"),
        ("Officials said the tunnel would reopen in spring.", "Officials", "source_anonymous"),
        ("Analysts said the merger would cost jobs.", "Analysts", "source_collective"),
        ("She said the tunnel would reopen in spring.", "She", "source_pronoun"),
    ],
)
def test_each_source_type_sets_its_feature(text, source, feature):
    (a,) = analyse_article([text])
    assert sources(a) == [source]
    fired = on(a)
    assert {"report", feature} <= fired
    assert fired & SOURCE_FEATURES == {feature}
    assert source_feature(a.sources.attributions[0].source) == feature


def test_a_reporting_cue_without_a_source_and_according_to():
    (a,) = analyse_article(["The pumps were serviced, according to the Water Board."])
    assert {"report", "according_to", "source_named"} <= on(a)
    assert sources(a) == ["Water Board"]
    assert source_feature(None) is None


def test_anonymous_phrase_outside_quotes_only():
    assert "anonymous_any" in on(analyse_article(["People familiar with the talks expect a deal by Friday."])[0])
    quoted = analyse_article(["“People familiar with the talks expect a deal,” the mayor said."])[0]
    assert "anonymous_any" not in on(quoted)


# -- context: pronouns, "they" -----------------------------------------------------------------------------------

NAMED_THEN_SHE = [
    "Councillor Mara Tamm opened the new library on Friday.",
    "Tamm said the building had cost less than planned.",
    "She said the roof would be finished by June.",
]


def test_a_pronoun_resolves_to_the_named_source_earlier_in_the_article():
    *_, she = analyse_article(NAMED_THEN_SHE)
    (att,) = she.sources.attributions
    assert att.source is not None and att.source.key == "person:mara tamm" and att.source.resolved_from == "pronoun"
    assert sources(she) == ["She"]  # the span is still the pronoun's
    assert on(she) & SOURCE_FEATURES == {"source_resolved"}


def test_a_pronoun_alone_has_no_antecedent():
    (alone,) = analyse_article(NAMED_THEN_SHE[2:])
    assert on(alone) & SOURCE_FEATURES == {"source_pronoun"}
    assert alone.sources.attributions[0].source.key is None
    # the same sentence without the person in reach: still no antecedent
    _, she = analyse_article(["The library opened on Friday.", NAMED_THEN_SHE[2]])
    assert on(she) & SOURCE_FEATURES == {"source_pronoun"}


def test_he_after_a_name_given_once_in_full():
    article = [
        "Professor Anneli Kask said the soil samples were sound.",
        "Kask, who chairs the panel, visited the site.",
        "He said the tests were finished.",
    ]
    *_, he = analyse_article(article)
    assert he.sources.attributions[0].source.key == "person:anneli kask"
    assert "source_resolved" in on(he)


def test_they_is_the_last_non_person_source():
    first, they = analyse_article(["The Harbour Authority said the quay was damaged.", "They said it would reopen."])
    assert first.sources.attributions[0].source.key == "org:harbour authority"
    (att,) = they.sources.attributions
    assert att.source is not None and att.source.key == "org:harbour authority"
    assert att.source.resolved_from == "pronoun" and sources(they) == ["They"]
    assert {"report", "source_resolved"} <= on(they) and "report_without_source" not in on(they)
    # a person is not "they"; alone, "they" stands for no one
    _, after_person = analyse_article(["Professor Anneli Kask said so.", "They said it would reopen."])
    assert "source_resolved" not in on(after_person)
    (alone,) = analyse_article(["They said it would reopen."])
    assert "report_without_source" in on(alone) and not on(alone) & SOURCE_FEATURES


# -- context: quotations continued from an earlier speaker ---------------------------------------------------------


@pytest.mark.parametrize(
    ("speaker", "key", "feature"),
    [
        ("harbour master Ines Varga", "person:ines varga", "continues_named"),
        ("a port official", "anonymous@article:port official", "continues_anonymous"),
    ],
)
def test_a_quote_only_sentence_after_a_quoted_speaker(speaker, key, feature):
    first, second = analyse_article([f"“The quay is safe,” {speaker} said on Tuesday.", "“We will reopen it in May.”"])
    assert first.continues is None and "quote_speaker" in on(first)
    assert second.continues is not None and second.continues.key == key
    assert on(second) & CONTINUES == {feature}
    (alone,) = analyse_article(["“We will reopen it in May.”"])
    assert alone.continues is None and not on(alone) & CONTINUES


def test_a_quote_after_a_quotation_with_no_speaker_continues_an_unknown_one():
    _, second = analyse_article(["“Closed until further notice.”", "“Ask at the office.”"])
    assert second.continues is not None and second.continues.key is None
    assert on(second) & CONTINUES == {"continues_unknown"}


def test_only_a_recent_quotation_is_continued():
    article = [
        "“The quay is safe,” harbour master Ines Varga said.",
        "The council met later.",
        "Fog closed the port.",
        "Ferries waited offshore.",
    ]
    assert analyse_article([*article, "“We will reopen it in May.”"])[-1].continues is None
    assert analyse_article([*article[:2], "“We will reopen it in May.”"])[-1].continues is not None
    # a sentence after no quotation at all continues nothing
    assert analyse_article(["The mayor cut the ribbon.", "“We will reopen it in May.”"])[-1].continues is None


def test_a_quotation_carried_into_the_next_paragraph():
    article = [
        "“The quay is safe,” harbour master Ines Varga said. “We tested every beam for a month",
        "and then we tested them again.”",
        "The council met later.",
    ]
    first, carried, after = analyse_article(article)
    assert first.continues is None
    assert carried.continues is not None and carried.continues.key == "person:ines varga"
    assert "continues_named" in on(carried)
    assert after.continues is None  # the quotation closed in the sentence before


def test_a_sentence_with_its_own_speaker_continues_nothing():
    _, second = analyse_article(
        ["“The quay is safe,” harbour master Ines Varga said.", "“It is not,” the mayor replied."]
    )
    assert second.continues is None and not on(second) & CONTINUES


# -- grouping texts into articles ------------------------------------------------------------------------------------


def test_analyse_texts_groups_consecutive_equal_keys():
    texts = [NAMED_THEN_SHE[1], NAMED_THEN_SHE[2], NAMED_THEN_SHE[2], NAMED_THEN_SHE[1], NAMED_THEN_SHE[2]]
    grouped = analyse_texts(texts, ["x", "x", "y", "x", "x"])
    assert [a.text for a in grouped] == texts
    resolved = ["source_resolved" in on(a) for a in grouped]
    # "y" breaks the run: the third text is alone, and the second run of "x" is an article of its own
    assert resolved == [False, True, False, False, True]
    assert [a.features for a in grouped[3:]] == [a.features for a in analyse_article(texts[3:])]
    alone = analyse_texts(texts)
    assert [on(a) & SOURCE_FEATURES for a in alone] == [
        {"source_named"},
        {"source_pronoun"},
        {"source_pronoun"},
        {"source_named"},
        {"source_pronoun"},
    ]
    assert analyse_texts([], []) == [] and analyse_texts([]) == []


def test_analyse_texts_refuses_keys_that_do_not_match_the_texts():
    with pytest.raises(ValueError, match="articles has 1 keys for 2 texts"):
        analyse_texts(["One.", "Two."], ["a"])


def test_a_lone_sentence_is_the_first_sentence_of_an_article():
    texts = [
        "“The quay is safe,” harbour master Ines Varga said on Tuesday.",
        "“We will reopen it in May.”",
        "She said the tunnel would reopen in spring.",
        "They said it would reopen.",
        "The audit found that the pumps were never serviced.",
    ]
    for text in texts:
        (alone,) = analyse_texts([text])
        first = analyse_article([text, *texts])[0]
        assert alone.features == first.features, text
        assert alone == analyse_article([text])[0]
    assert np.array_equal(features_of(analyse_texts(texts)), np.array([analyse_texts([t])[0].features for t in texts]))
    assert features_of([]).shape == (0, len(FEATURES))


# -- explanations ----------------------------------------------------------------------------------------------------


def _spans(a: SentenceAnalysis, spans: tuple[tuple[int, int], ...]) -> list[str]:
    return [a.text[s:e] for s, e in spans]


def test_explain_shows_a_cue_and_its_source_by_their_features():
    (a,) = analyse_article(["The ministry denied that the clinic had reportedly closed."])
    assert explain(a, frozenset()) == ((), ())
    src, cues = explain(a, frozenset({"dispute"}))
    assert _spans(a, src) == ["The ministry"] and _spans(a, cues) == ["denied"]
    src, cues = explain(a, frozenset({"source_role"}))  # a positive source shows its cue too
    assert _spans(a, src) == ["The ministry"] and _spans(a, cues) == ["denied"]
    src, cues = explain(a, frozenset({"hedge"}))
    assert src == () and _spans(a, cues) == ["reportedly"]
    (b,) = analyse_article(["Officials said the tunnel would reopen."])
    assert _spans(b, explain(b, frozenset({"anonymous_any"}))[0]) == ["Officials"]
    assert explain(b, frozenset({"source_named", "according_to"})) == ((), ())


def test_explain_shows_quoted_cues_and_negated_verification():
    (a,) = analyse_article(["“That story is pure fabrication and could not be verified,” the mayor said."])
    src, cues = explain(a, frozenset({"dispute_quoted"}))
    assert src == () and "fabrication" in _spans(a, cues)
    (b,) = analyse_article(["The agency said it could not independently verify the footage."])
    assert _spans(b, explain(b, frozenset({"not_verified"}))[1]) == ["could not independently verify"]
    assert explain(b, frozenset({"not_verified_quoted"})) == ((), ())


def test_merged_joins_overlapping_spans_in_order():
    assert merged(set()) == ()
    assert merged({(10, 20), (0, 5), (12, 30), (5, 8)}) == ((0, 5), (5, 8), (10, 30))
    assert merged({(3, 9), (3, 4)}) == ((3, 9),)


# -- rebuttals without a dispute word, negated disputes, hedges beside a named source --------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The minister said the figures were simply wrong.", {"rebuttal"}),
        ("“That story is a fantasy from start to finish,” the minister said.", {"rebuttal_quoted"}),
        ("The firm said the reports of job losses were greatly exaggerated.", {"rebuttal"}),
        ("The club will appeal against the ban, its chairman said.", {"rebuttal"}),  # and a dispute cue
        ("The minister said she would find out what went wrong.", set()),
        ("The court will hear the appeal in May, the registrar said.", set()),
        ("The minister said that was actually good news for savers.", set()),
    ],
)
def test_rebuttals_without_a_dispute_word(text, expected):
    (a,) = analyse_article([text])
    assert on(a) & {"rebuttal", "rebuttal_quoted"} == expected


def test_a_rebuttal_shows_in_the_explanation():
    (a,) = analyse_article(["The minister said the figures were simply wrong."])
    _, cues = explain(a, frozenset({"rebuttal"}))
    assert [a.text[s:e] for s, e in cues] == ["simply wrong"]


def test_a_negated_dispute_credits_its_subject():
    (a,) = analyse_article(["But Washington is not disputing that two soldiers were hurt."])
    assert {"report", "source_named"} <= on(a) and not on(a) & {"dispute", "rebuttal"}
    assert sources(a) == ["Washington"]
    (b,) = analyse_article(["Washington is disputing that two soldiers were hurt."])
    assert "dispute" in on(b)


def test_a_hedge_beside_a_named_source_is_its_own_feature():
    (a,) = analyse_article(["Talbot Mining, rumoured to be weighing a sale, said it was reviewing its options."])
    assert {"hedge_named", "source_named"} <= on(a) and "hedge" not in on(a)
    (b,) = analyse_article(["The mine is rumoured to be up for sale."])
    assert "hedge" in on(b) and "hedge_named" not in on(b)
    _, cues = explain(a, frozenset({"hedge_named"}))
    assert [a.text[s:e] for s, e in cues] == ["rumoured"]


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 the ministry rejected three of the five bids to build the network.",
        "The mission said its observers had been denied access to the tallying centre.",
        "The poll, which questioned 2,104 adults, put the party on 39%.",
        "The analyst was dismissed in April.",
        "Rubbish piled up on the street for three weeks.",
        "“We are paid to clear the rubbish, not to count it,” one driver said.",
    ],
)
def test_a_dispute_word_that_disputes_no_claim(text):
    (a,) = analyse_article([text])
    assert not on(a) & {"dispute", "dispute_quoted"}


@pytest.mark.parametrize(
    "text",
    [
        "The ministry rejected the report.",
        "The claim was dismissed as nonsense by the ministry.",
        "“That is complete rubbish,” she said.",
        "The union rejected the claim that it had been consulted.",
    ],
)
def test_the_same_words_dispute_a_claim(text):
    (a,) = analyse_article([text])
    assert on(a) & {"dispute", "dispute_quoted"}


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("The supreme court rules that the ban was lawful.", "The supreme court"),
        ("Ms Ortiz called on the minister to resign.", "Ms Ortiz"),
        ("The Orvane Group declined to comment.", "Orvane Group"),
        ("The central bank identifies three risks to growth.", "The central bank"),
    ],
)
def test_stance_verbs_credit_their_subject(text, source):
    (a,) = analyse_article([text])
    assert "report" in on(a) and sources(a) == [source]

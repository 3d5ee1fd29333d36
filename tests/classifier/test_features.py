"""The cue features: scikit-learn's estimator checks, and each feature on sentences written for the purpose
(spans are checked against the text they should point at)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.pipeline import FeatureUnion
from sklearn.utils.estimator_checks import parametrize_with_checks

from annotator.attribution.analysis import FEATURES, analyse
from annotator.attribution.lexicon import lexicon
from annotator.attribution.source_phrase import SentenceTokens
from annotator.classifier.features import GuidelineFeatures, make_features

# the tokeniser itself (tokens, PUNCT: its fast path against the plain regex it replaces) is tested in
# tests/attribution/test_source_phrase.py; test_offsets_hold_for_any_text below checks SentenceTokens through analyse()


@parametrize_with_checks([GuidelineFeatures()])
def test_sklearn_conventions(estimator, check, monkeypatch):
    # the array-API check skips itself unless this is set; with it, it runs (on NumPy arrays) rather than skip
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


def on(text: str) -> set[str]:
    """The names of the features that fire on ``text``."""
    return {name for name, v in zip(FEATURES, analyse(text).features, strict=True) if v}


def spans(text: str, kind: str | None = None, *, what: str = "cues") -> list[str]:
    a = analyse(text)
    items = a.cues if what == "cues" else a.sources
    return [text[s.span[0] : s.span[1]] for s in items if kind is None or s.kind == kind]


# -- reporting verbs and "according to" -------------------------------------------------------------------------


def test_reporting_verb_with_named_source():
    text = "The council approved the plan on Monday, Mayor Ada Pell said."
    assert {"report", "source_named"} <= on(text)
    assert spans(text, "report") == ["said"]
    assert spans(text, "named", what="sources") == ["Mayor Ada Pell"]


def test_according_to_a_named_body():
    text = "Prices rose by 4 per cent last year, according to the Office for National Statistics."
    fired = on(text)
    assert {"report", "according_to", "source_named"} <= fired
    assert spans(text, "according_to") == ["according to"]
    assert spans(text, "named", what="sources") == ["the Office for National Statistics"]


def test_role_source():
    text = "The health ministry said the clinic would close in May."
    assert "source_role" in on(text)
    assert spans(text, "role", what="sources") == ["The health ministry"]


def test_sentence_initial_capital_is_not_a_name():
    # "Residents" is capitalised only because it starts the sentence: a collective, anonymous source
    text = "Residents said the water had tasted of metal for weeks."
    fired = on(text)
    assert "source_anonymous" in fired and "source_named" not in fired


# -- quotations with a speaker ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "“We have waited long enough,” said Mayor Ada Pell.",
        'He told reporters: "We saw nothing."',
        "‘It’s just a game,’ she said.",
    ],
)
def test_quote_with_speaker(text):
    fired = on(text)
    assert {"quote", "quote_speaker"} <= fired


def test_quote_without_speaker():
    fired = on("The banner read “No more cuts”.")
    assert "quote" in fired and "quote_speaker" not in fired


def test_cue_inside_a_quotation_is_not_the_speaker():
    text = "“They said it was safe,” Dr Jonas Ekberg told the inquiry."
    analysis = analyse(text)
    quoted = [c for c in analysis.cues if c.quoted]
    assert [text[c.span[0] : c.span[1]] for c in quoted] == ["said"]
    assert "source_named" in on(text)


# -- identifiable vs anonymous sources --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Officials said the bridge would reopen in spring.", "Officials"),
        ("A senior official told the paper that talks had stalled.", "A senior official"),
        (
            "The fire started in a kitchen, according to a Ukrainian intelligence official.",
            "a Ukrainian intelligence official",
        ),
        ("Analysts say the merger could cost 2,000 jobs.", "Analysts"),
    ],
)
def test_anonymous_sources(text, source):
    fired = on(text)
    assert "source_anonymous" in fired and "source_named" not in fired
    assert source in spans(text, "anonymous", what="sources")


def test_anonymous_anywhere():
    assert "anonymous_any" in on("People familiar with the matter expect a deal by Friday.")
    assert "anonymous_any" not in on("The deal was signed on Friday.")


def test_pronoun_source():
    text = "She said the figures were correct."
    assert "source_pronoun" in on(text)
    assert spans(text, "pronoun", what="sources") == ["She"]


# -- hedges ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("The minister is said to be furious about the leak.", "is said to"),
        ("The suspect reportedly fled to Spain.", "reportedly"),
        ("The dam appears to have cracked overnight.", "appears to"),
        ("Two people are believed to have died.", "are believed to"),
        ("The striker allegedly punched a steward.", "allegedly"),
    ],
)
def test_hedges(text, cue):
    assert "hedge" in on(text)
    assert spans(text, "hedge") == [cue]


def test_hedge_inside_a_quotation_is_separate():
    fired = on("“He reportedly left at noon,” the clerk said.")
    assert "hedge_quoted" in fired and "hedge" not in fired


# -- dispute cues -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("The ministry denied that the clinic had been closed.", "denied"),
        ("The club rejected the claim as baseless.", "rejected"),
        ("The photo was debunked by fact-checkers.", "debunked"),
        ("The two accounts are at odds.", "at odds"),
        ("The figures could not be independently verified.", "could not be independently verified"),
    ],
)
def test_dispute_cues(text, cue):
    assert "dispute" in on(text)
    assert cue in spans(text, "dispute")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("The company has not provided any evidence for the figure.", "has not provided any evidence"),
        ("Police said they could not independently verify the video.", "could not independently verify"),
        ("There is no evidence that the vaccine caused the deaths.", "no evidence"),
    ],
)
def test_negated_verification(text, cue):
    assert "not_verified" in on(text)
    assert spans(text, "not_verified") == [cue]


def test_dispute_source_is_the_party_that_disputes():
    text = "The airport denied that passengers had been left without water."
    assert spans(text, None, what="sources") == ["The airport"]


def test_passive_by_source():
    text = "The boast was contradicted by the hospital's own review."
    assert "the hospital's own review" in spans(text, None, what="sources")


# -- sentences with no cue ----------------------------------------------------------------------------------------


def test_bare_assertion_and_headline():
    fired = on("Crime has soared since the new mayor took office.")
    assert fired == {"no_cue"}
    assert on("Flood barriers fail in river town") == {"no_cue", "no_final_punctuation"}
    assert "question" in on("Is the bridge safe?")


# -- properties shared by every analysis -------------------------------------------------------------------------

SENTENCES = [
    "The council approved the plan on Monday, Mayor Ada Pell said.",
    "“We cooled it, heated it, and measured it,” said Dr. Priya Raman, who led the work.",
    "Halvard’s chief executive, Tomas Vierling, told analysts that the company would pay.",
    "Lawyers for the detainees said the Home Office's claim was at odds with their files.",
    "A viral map was based on data from 2015 and is out of date, the AA said.",
    "",
    "   ",
    "İstanbul’da the ßtraße said “x",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_spans_are_offsets_into_the_text(text):
    a = analyse(text)
    for item in (*a.cues, *a.sources):
        start, end = item.span
        assert 0 <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
    for src in a.sources:
        assert src.cue in {c.span for c in a.cues}
    for start, end in a.quotes:
        assert 0 <= start < end <= len(text)


def test_cue_spans_are_lexicon_entries():
    lex = lexicon()
    for text in SENTENCES:
        for cue in analyse(text).cues:
            if cue.kind == "not_verified":
                continue
            phrase = " ".join(text[cue.span[0] : cue.span[1]].lower().replace("’", "'").split())
            lists = {
                "report": "reporting_verbs",
                "according_to": "reporting_verbs",
                "hedge": "hedges",
                "dispute": "dispute_cues",
            }
            assert phrase in lex.words[lists[cue.kind]], (text, phrase)


# -- the transformers --------------------------------------------------------------------------------------------


def test_transform_matches_analyse_and_keeps_its_lexicon():
    est = GuidelineFeatures().fit(SENTENCES)
    out = est.transform(SENTENCES)
    assert out.shape == (len(SENTENCES), len(FEATURES))
    assert np.array_equal(out, np.array([analyse(t).features for t in SENTENCES]))
    assert list(est.get_feature_names_out()) == list(FEATURES)
    # a custom lexicon is what the fitted transformer uses
    custom = {k: list(v) for k, v in lexicon().words.items()}
    custom["hedges"] = ["perchance"]
    est2 = GuidelineFeatures(words=custom).fit(["x"])
    row = dict(zip(FEATURES, est2.transform(["The bridge perchance fell."])[0], strict=True))
    assert row["hedge"] == 1.0
    row = dict(zip(FEATURES, est2.transform(["The bridge reportedly fell."])[0], strict=True))
    assert row["hedge"] == 0.0


def test_text_input_shapes():
    est = GuidelineFeatures().fit(["a"])
    one_column = np.array([["Officials said so."], ["It rained."]], dtype=object)
    assert np.array_equal(est.transform(one_column), est.transform(["Officials said so.", "It rained."]))
    with pytest.raises(ValueError, match="one string"):
        est.transform("Officials said so.")
    with pytest.raises(ValueError, match="1-D"):
        GuidelineFeatures().fit(np.array([1.0, 2.0]))


def test_feature_union_has_all_parts():
    union = make_features()
    assert isinstance(union, FeatureUnion)
    texts = ["Officials said the bridge would reopen.", "The ministry denied the report.", "It rained all day."]
    X = union.fit_transform(texts * 2)
    names = union.get_feature_names_out()
    assert X.shape == (6, len(names))
    prefixes = {n.split("__")[0] for n in names}
    assert prefixes == {"guideline", "words"}
    with_chars = make_features(chars=True).fit(texts * 2)
    assert {n.split("__")[0] for n in with_chars.get_feature_names_out()} == {"guideline", "words", "chars"}


# -- property: offsets hold for any text ---------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "said",
        "Officials",
        "denied",
        "reportedly",
        "according",
        "to",
        "the",
        "ministry",
        "“",
        "”",
        '"',
        ",",
        ".",
        "Dr.",
        "Ada",
        "Pell",
        "no",
        "evidence",
        "could",
        "not",
        "confirm",
        "’s",
        "it’s",
        "fact-checkers",
        " ",
        "\n",
        "İstanbul",
        "ß",
        "a",
        "senior",
        "official",
        "told",
        "was",
        "by",
    ]
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(WORDS, max_size=30).map(" ".join), st.lists(WORDS).map("".join)))
def test_offsets_hold_for_any_text(text):
    s = SentenceTokens(text)
    s.locate()
    spans = list(zip(s.starts, s.ends, strict=True))
    if s.aligned:  # tokens of the lower-cased text, whose offsets are the text's
        assert [s.low_text[a:b] for a, b in spans] == s.low
    else:
        assert [text[a:b] for a, b in spans] == s.words
    assert s.caps == [text[a].isupper() for a, _ in spans]
    a = analyse(text)
    # the n-gram tokens are scikit-learn's, exactly
    assert a.words == re.findall(r"(?u)\b\w\w+\b", text.lower())
    for item in (*a.cues, *a.sources):
        start, end = item.span
        assert 0 <= start < end <= len(text)
    for src in a.sources:
        assert src.cue in {c.span for c in a.cues}
    assert len(a.features) == len(FEATURES)

"""The cue features as scikit-learn transformers (annotator.classifier.features): scikit-learn's estimator checks,
the input forms (a list read sentence by sentence, a DataFrame read article by article), the feature union, and a
property: every span of the analysis is an offset into the text, whatever the text."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.pipeline import FeatureUnion
from sklearn.utils.estimator_checks import parametrize_with_checks

from annotator.attribution.article import ANALYSER_VERSION, FEATURES, analyse_article, analyse_texts
from annotator.classifier.features import GuidelineFeatures, make_features


@parametrize_with_checks([GuidelineFeatures()])
def test_sklearn_conventions(estimator, check, monkeypatch):
    # the array-API check skips itself unless this is set; with it, it runs (on NumPy arrays) rather than skip
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


ARTICLE = [
    "Councillor Mara Tamm opened the new library on Friday.",
    "Tamm said the building had cost less than planned.",
    "She said the roof would be finished by June.",
    "“The lift works,” she said.",
    "“The stairs are next.”",
]


def column(X: np.ndarray, name: str) -> list[float]:
    return X[:, FEATURES.index(name)].tolist()


def test_fit_records_the_analyser_and_transform_is_the_analysis():
    est = GuidelineFeatures()
    assert est.get_params() == {}  # no parameters: nothing to store in __init__
    est.fit(ARTICLE)
    assert est.analyser_ == ANALYSER_VERSION and est.n_features_in_ == 1
    out = est.transform(ARTICLE)
    assert out.shape == (len(ARTICLE), len(FEATURES))
    assert np.array_equal(out, np.array([a.features for a in analyse_texts(ARTICLE)]))
    assert list(est.get_feature_names_out()) == list(FEATURES)


def test_a_dataframe_with_articles_gives_context_and_a_list_gives_none():
    est = GuidelineFeatures().fit(ARTICLE)
    frame = pd.DataFrame({"text": ARTICLE, "article": ["library"] * len(ARTICLE)})
    in_context, alone = est.transform(frame), est.transform(ARTICLE)
    assert np.array_equal(in_context, np.array([a.features for a in analyse_article(ARTICLE)]))
    assert column(in_context, "source_resolved") == [0, 0, 1, 1, 0]
    assert column(alone, "source_resolved") == [0, 0, 0, 0, 0]
    assert column(in_context, "continues_named") == [0, 0, 0, 0, 1]
    assert column(alone, "continues_named") == [0] * len(ARTICLE)
    # the first sentence has no context either way
    assert np.array_equal(in_context[0], alone[0])
    # a DataFrame without articles, a Series: every text alone
    assert np.array_equal(est.transform(pd.DataFrame({"text": ARTICLE})), alone)
    assert np.array_equal(est.transform(pd.Series(ARTICLE)), alone)
    # one article per row: no context
    assert np.array_equal(est.transform(frame.assign(article=range(len(ARTICLE)))), alone)
    texts = est.analyse_many(ARTICLE, ["library"] * len(ARTICLE))
    assert [list(a.features) for a in texts] == in_context.tolist()


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
    assert {n.split("__")[0] for n in names} == {"guideline", "words"}
    with_chars = make_features(chars=True).fit(texts * 2)
    assert {n.split("__")[0] for n in with_chars.get_feature_names_out()} == {"guideline", "words", "chars"}


# -- property: spans are offsets into the text, for any text -------------------------------------------------------

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
        "verify",
        "’s",
        "it’s",
        "she",
        "they",
        " ",
        "\n",
        "İstanbul",
        "ß",
        "a",
        "one",
        "senior",
        "official",
        "told",
        "was",
        "by",
        "Questioned",
    ]
)


def _inside(text: str, span: tuple[int, int]) -> bool:
    start, end = span
    return 0 <= start <= end <= len(text)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(max_size=60), st.lists(WORDS, max_size=25).map(" ".join), st.lists(WORDS).map("".join)),
        min_size=1,
        max_size=3,
    )
)
def test_spans_are_offsets_inside_the_text_for_any_text(sentences):
    for a, text in zip(analyse_article(sentences), sentences, strict=True):
        assert a.text == text
        assert a.words == re.findall(r"(?u)\b\w\w+\b", text.lower())  # scikit-learn's n-gram tokens, exactly
        assert len(a.features) == len(FEATURES)
        for att in a.sources.attributions:
            assert _inside(text, att.cue.span) and att.cue.span[0] < att.cue.span[1]
            assert text[att.cue.span[0] : att.cue.span[1]] == att.cue.text
            if att.source is not None:
                assert _inside(text, att.source.span)
                assert text[att.source.span[0] : att.source.span[1]] == att.source.text
        for cue in (*a.sources.hedges, *a.signals.quoted, *a.signals.checks, *a.signals.quoted_checks):
            assert _inside(text, cue.span) and text[cue.span[0] : cue.span[1]] == cue.text
        for span in a.quotes:
            assert _inside(text, span) and span[0] < span[1]

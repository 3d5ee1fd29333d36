"""annotator.studio.agreement against independent computations: the krippendorff package (GPL-3.0-or-later, so in the
dev extra only: our own alpha ships) on reliability matrices built here, scikit-learn's cohen_kappa_score on the pairs
built here, and confusion counts by hand."""

from __future__ import annotations

import itertools
import math
import random

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.errors import InputError
from annotator.studio.agreement import agreement, nominal_alpha, summary

LABELS = ["attributed", "unverified", "contested"]


def labelled(seed: int, n: int, annotators: list[str], p_agree: float, p_missing: float = 0.0) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        truth = rng.choice(LABELS)
        for a in annotators:
            if rng.random() < p_missing:
                continue
            label = truth if rng.random() < p_agree else rng.choice(LABELS)
            rows.append({"sentence_id": f"s{i}", "annotator": a, "label": label, "text": f"sentence {i}"})
    return pd.DataFrame(rows)


def reliability(df: pd.DataFrame, annotators: list[str], value) -> np.ndarray:  # type: ignore[no-untyped-def]
    sentences = sorted(set(df["sentence_id"]))
    m = np.full((len(annotators), len(sentences)), np.nan)
    for r in df.itertuples():
        m[annotators.index(r.annotator), sentences.index(r.sentence_id)] = value(r.label)
    return m


@pytest.mark.parametrize("seed,annotators,p_missing", [(1, ["ann", "bob"], 0.0), (2, ["a", "b", "c"], 0.25)])
def test_alpha_matches_the_krippendorff_package(seed, annotators, p_missing):
    df = labelled(seed, 60, annotators, p_agree=0.7, p_missing=p_missing)
    result = agreement(df)
    expected = krippendorff.alpha(
        reliability_data=reliability(df, annotators, LABELS.index), level_of_measurement="nominal"
    )
    assert result.alpha == pytest.approx(expected, abs=1e-12)
    for label in LABELS:
        binary = reliability(df, annotators, lambda x, label=label: float(x == label))
        assert result.alpha_per_label[label] == pytest.approx(
            krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal"), abs=1e-12
        )
    assert result.annotators == len(annotators) and result.annotations == len(df)


@pytest.mark.parametrize("seed", range(40))
def test_nominal_alpha_matches_the_krippendorff_package_on_random_matrices(seed):
    rng = np.random.default_rng(seed)
    annotators, units, values = rng.integers(2, 7), rng.integers(2, 80), rng.integers(2, 6)
    agree = rng.uniform(0.0, 1.0)  # from chance agreement (alpha near 0, or below) to near-perfect agreement
    truth = rng.integers(0, values, size=units)
    matrix = np.where(rng.random((annotators, units)) < agree, truth, rng.integers(0, values, size=(annotators, units)))
    matrix = matrix.astype(float) * 1.5 + 2.0  # codes need not be 0..k-1
    matrix[rng.random((annotators, units)) < rng.uniform(0.0, 0.6)] = np.nan
    pairable = (np.count_nonzero(~np.isnan(matrix), axis=0) >= 2).any()
    if not pairable or len(np.unique(matrix[~np.isnan(matrix)])) < 2:
        assert math.isnan(nominal_alpha(matrix))
        return
    with np.errstate(invalid="ignore", divide="ignore"):  # krippendorff's own 0/0 where alpha is undefined
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    # NaN in both where the pairable units hold a single value (the undefined 0/0)
    assert nominal_alpha(matrix) == pytest.approx(expected, abs=1e-9, nan_ok=True)


def test_nominal_alpha_is_nan_where_undefined():
    nan = np.nan
    assert math.isnan(nominal_alpha(np.array([[0.0, 1.0, nan], [nan, nan, 1.0]])))  # no unit labelled twice
    assert math.isnan(nominal_alpha(np.array([[2.0, 2.0], [2.0, 2.0]])))  # a single value
    assert math.isnan(nominal_alpha(np.empty((2, 0))))
    assert nominal_alpha(np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])) == 1.0


def test_kappa_per_pair_matches_scikit_learn():
    annotators = ["a", "b", "c"]
    df = labelled(3, 50, annotators, p_agree=0.6, p_missing=0.2)
    result = agreement(df)
    assert len(result.kappa) == 3
    for row in result.kappa.itertuples():
        x = df[df.annotator == row.annotator_a].set_index("sentence_id")["label"]
        y = df[df.annotator == row.annotator_b].set_index("sentence_id")["label"]
        both = x.index.intersection(y.index)
        assert row.sentences == len(both)
        assert row.kappa == pytest.approx(cohen_kappa_score(x[both], y[both]), abs=1e-12)


def test_confusion_and_disagreements_by_hand():
    df = pd.DataFrame(
        [
            ("s1", "a", "attributed"),
            ("s1", "b", "attributed"),
            ("s2", "a", "attributed"),
            ("s2", "b", "contested"),
            ("s3", "a", "unverified"),
            ("s3", "b", "contested"),
            ("s3", "c", "contested"),
        ],
        columns=["sentence_id", "annotator", "label"],
    )
    result = agreement(df)
    c = result.confusion
    assert c.loc["attributed", "attributed"] == 2  # s1, both orders
    assert c.loc["attributed", "contested"] == c.loc["contested", "attributed"] == 1  # s2
    assert c.loc["unverified", "contested"] == 2 and c.loc["contested", "contested"] == 2  # s3
    assert int(c.to_numpy().sum()) == 2 + 2 + 6  # ordered pairs: 2 + 2 + 3*2
    assert list(result.disagreements["sentence_id"]) == ["s2", "s3"]
    assert result.disagreements.set_index("sentence_id").loc["s3", "votes"] == "a=unverified b=contested c=contested"
    text = summary(result)
    assert "2 sentences to adjudicate" in text and "s3" in text


def test_perfect_agreement_and_a_single_annotator():
    df = pd.DataFrame({"sentence_id": ["x", "y", "x", "y"], "annotator": list("aabb"), "label": LABELS[:2] * 2})
    assert agreement(df).alpha == 1.0
    alone = agreement(df[df.annotator == "a"])
    assert math.isnan(alone.alpha) and alone.kappa.empty
    assert "fewer than two annotators" in summary(alone)


def test_missing_column_is_named():
    with pytest.raises(InputError, match="column 'annotator' missing"):
        agreement(pd.DataFrame({"sentence_id": ["x"], "label": ["attributed"]}))


def test_every_pair_of_three_annotators_counted_once():
    df = labelled(4, 10, ["a", "b", "c"], p_agree=1.0)
    pairs = {(r.annotator_a, r.annotator_b) for r in agreement(df).kappa.itertuples()}
    assert pairs == set(itertools.combinations(["a", "b", "c"], 2))

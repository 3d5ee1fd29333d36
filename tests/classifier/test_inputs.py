"""One text per sample for the project's transformers, from the inputs scikit-learn's conventions allow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from annotator.classifier.inputs import input_texts

TEXTS = ["The pier reopened.", "Fares rise, the firm said."]


class Estimator(BaseEstimator):  # type: ignore[misc]
    """The smallest estimator input_texts can record n_features_in_ on."""


@pytest.mark.parametrize("X", [TEXTS, tuple(TEXTS), pd.Series(TEXTS), np.array(TEXTS, dtype=object)])
def test_one_dimensional_texts(X: object) -> None:
    est = Estimator()
    assert input_texts(est, X, reset=True) == TEXTS
    assert est.n_features_in_ == 1
    assert input_texts(est, X, reset=False) == TEXTS


def test_a_two_dimensional_array_joins_each_row() -> None:
    est = Estimator()
    X = np.array([["The pier", "reopened."], ["Fares", 3]], dtype=object)
    assert input_texts(est, X, reset=True) == ["The pier reopened.", "Fares 3"]
    assert est.n_features_in_ == 2
    with pytest.raises(ValueError, match="X has 1 feature, but Estimator is expecting 2"):
        input_texts(est, TEXTS, reset=False)


def test_a_single_string_is_refused() -> None:
    with pytest.raises(ValueError, match="got one string; wrap it in a list"):
        input_texts(Estimator(), "The pier reopened.", reset=True)


def test_nothing_to_fit_on_is_refused() -> None:
    with pytest.raises(ValueError, match="0 sample"):
        input_texts(Estimator(), [], reset=True)


def test_a_one_dimensional_array_of_numbers_is_refused() -> None:
    with pytest.raises(ValueError, match="1-D array of non-text values"):
        input_texts(Estimator(), np.array([1.0, 2.0]), reset=True)

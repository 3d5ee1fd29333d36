"""Input handling shared by the project's scikit-learn transformers: one text per sample, from a 1-D sequence of
strings, from a 2-D array whose cells are joined (scikit-learn's conventions, as ``parametrize_with_checks`` tests
them), or from a pandas ``DataFrame`` with a ``text`` column and, optionally, an ``article`` column (each row's
article key: :func:`input_articles`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data


def input_texts(estimator: BaseEstimator, X: Any, *, reset: bool) -> list[str]:
    """Texts from a 1-D sequence of strings, or from a 2-D array (one text per row: its cells joined by spaces)."""
    if isinstance(X, str):
        raise ValueError("expected a sequence of texts, got one string; wrap it in a list")
    if hasattr(X, "columns") and "text" in X.columns:  # pandas DataFrame of texts (and their articles)
        X = X["text"].tolist()
    if hasattr(X, "iloc") and getattr(X, "ndim", 2) == 1:  # pandas Series
        X = X.tolist()
    if isinstance(X, list | tuple) and all(isinstance(x, str) for x in X):
        if reset:
            estimator.n_features_in_ = 1
        elif getattr(estimator, "n_features_in_", 1) != 1:
            raise ValueError(
                f"X has 1 feature, but {type(estimator).__name__} is expecting "
                f"{estimator.n_features_in_} features as input"
            )
        if not X and reset:
            raise ValueError("Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is required.")
        return list(X)
    arr = np.asarray(X, dtype=object) if not hasattr(X, "toarray") else X
    if getattr(arr, "ndim", 2) == 1:
        if all(isinstance(x, str) for x in arr):
            return input_texts(estimator, [str(x) for x in arr], reset=reset)
        raise ValueError(
            "Expected a 1-D sequence of texts or a 2D array; got a 1-D array of non-text values. Reshape your data "
            "either using array.reshape(-1, 1) if your data has a single feature or array.reshape(1, -1) if it "
            "contains a single sample."
        )
    checked = validate_data(estimator, X, dtype=None, reset=reset, ensure_min_samples=1)
    return [" ".join(str(v) for v in row) for row in checked]


def input_articles(X: Any) -> list[Any] | None:
    """Each row's article key, when ``X`` is a ``DataFrame`` with an ``article`` column; otherwise None (every text
    read alone)."""
    if hasattr(X, "columns") and "article" in X.columns and "text" in X.columns:
        return list(X["article"].tolist())
    return None

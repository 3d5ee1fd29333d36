"""The labelling priority: least confident first, the rarest predicted label pulled forward."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from annotator.predictions import Prediction
from annotator.prelabel.priority import Ranker, priority, rarity_weights

CLASSES = ("a", "b", "c")


def _p(label: str, score: float) -> Prediction:
    return Prediction(label, score, {label: score})


def test_most_frequent_label_keeps_its_confidence() -> None:
    weights = rarity_weights({"a": 90, "b": 9, "c": 0}, CLASSES)
    assert weights["a"] == 1.0
    assert weights["b"] == math.sqrt(10 / 91)
    assert weights["c"] == math.sqrt(1 / 91)  # never predicted: add-one smoothed, not zero


def test_rarest_label_goes_first_among_equally_confident() -> None:
    ranker = Ranker(CLASSES)
    batch = [_p("a", 0.8)] * 8 + [_p("b", 0.8)] * 2
    keys = ranker.priorities(batch)
    assert keys[0] == 0.8 and keys[-1] < keys[0]
    assert keys[-1] == priority(0.8, math.sqrt(3 / 9))


def test_least_confident_first_within_a_label() -> None:
    keys = Ranker(CLASSES).priorities([_p("a", 0.9), _p("a", 0.4), _p("a", 0.6)])
    assert sorted(range(3), key=keys.__getitem__) == [1, 2, 0]


def test_rarity_comes_from_the_predictions_not_from_a_name() -> None:
    # the same label is rare in one stream and frequent in another
    rare = Ranker(CLASSES).priorities([_p("a", 0.7)] * 9 + [_p("c", 0.7)])[-1]
    common = Ranker(CLASSES).priorities([_p("c", 0.7)] * 9 + [_p("a", 0.7)])[0]
    assert rare < 0.7
    assert common == 0.7


@given(st.lists(st.tuples(st.sampled_from(CLASSES), st.floats(0.34, 1.0)), min_size=1, max_size=50))
def test_priority_is_at_most_the_confidence_and_positive(preds: list[tuple[str, float]]) -> None:
    keys = Ranker(CLASSES).priorities([_p(label, score) for label, score in preds])
    for (_label, score), key in zip(preds, keys, strict=True):
        assert 0 < key <= round(score, 6)

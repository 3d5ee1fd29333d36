"""The prediction contract every model honours (annotator.predictions): checked on the shipped model's compiled
predictor, which prelabel, push and the backend use. The scikit-learn pipeline's own check:
tests/classifier/test_training.py::test_prediction_contract."""

from __future__ import annotations

import math

import pytest

from annotator.classifier.artefacts import load_predictor
from annotator.labels import labels
from annotator.predictions import Prediction, Predictor

SENTENCES = [
    "Councillor Brian Tate said the budget was balanced.",
    "The pier will reportedly reopen in May.",
    "Critics denied that the repairs were finished.",
    "Ferry fares to rise in spring",
    "",
]


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return load_predictor()


def test_one_prediction_per_text_in_order(predictor: Predictor) -> None:
    predictions = predictor.predict(SENTENCES)
    assert len(predictions) == len(SENTENCES)
    assert predictor.predict(SENTENCES[1:2]) == predictions[1:2]
    assert predictor.predict([]) == []


def test_each_prediction_keeps_the_contract(predictor: Predictor) -> None:
    assert set(predictor.classes) == set(labels())
    assert isinstance(predictor.model_version, str) and predictor.model_version
    for text, p in zip(SENTENCES, predictor.predict(SENTENCES), strict=True):
        assert isinstance(p, Prediction)
        assert list(p.scores) == list(predictor.classes)  # in the model's class order
        assert math.isclose(sum(p.scores.values()), 1.0, abs_tol=1e-9)
        assert p.label in predictor.classes
        assert p.score == p.scores[p.label] == max(p.scores.values())
        for start, end in (*p.source_spans, *p.cue_spans):
            assert 0 <= start < end <= len(text)


def test_a_prediction_is_immutable_with_empty_spans_by_default() -> None:
    p = Prediction("attributed", 0.7, {"attributed": 0.7, "unverified": 0.2, "contested": 0.1})
    assert (p.source_spans, p.cue_spans, p.top_features) == ((), (), ())
    with pytest.raises(AttributeError):
        p.label = "contested"  # type: ignore[misc]

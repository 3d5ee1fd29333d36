"""A fitted pipeline to its predictor (annotator.classifier.compiling): what it refuses. test_inference.py checks that
the predictor it makes gives the pipeline's probabilities."""

from __future__ import annotations

import pytest
from sklearn.pipeline import FeatureUnion

from annotator.classifier.compiling import compile_pipeline
from annotator.classifier.features import GuidelineFeatures
from annotator.classifier.training import build_pipeline, train
from annotator.errors import ModelError

TEXTS = [
    "Officials said the bridge would reopen.",
    "The bridge reportedly reopened.",
    "The company denied the claim.",
    "The river rose overnight.",
] * 5
LABELS = ["attributed", "unverified", "contested", "unverified"] * 5


def test_an_unfitted_pipeline_is_refused() -> None:
    with pytest.raises(ModelError, match="not a trained annotator pipeline"):
        compile_pipeline(build_pipeline())


def test_something_else_is_refused() -> None:
    with pytest.raises(ModelError, match="not a trained annotator pipeline"):
        compile_pipeline(object())


def test_a_pipeline_without_the_cue_block_is_refused() -> None:
    pipeline = build_pipeline()
    union = pipeline.named_steps["features"]
    pipeline.set_params(features=FeatureUnion([p for p in union.transformer_list if p[0] != "guideline"]))
    fitted = train(TEXTS, LABELS, pipeline=pipeline)
    with pytest.raises(ModelError, match="no cue features"):
        compile_pipeline(fitted)


def test_the_cue_block_is_named_as_in_the_union() -> None:
    fitted = train(TEXTS, LABELS)
    compiled = compile_pipeline(fitted, version="v1")
    names = [name for name, t in fitted.named_steps["features"].transformer_list if isinstance(t, GuidelineFeatures)]
    assert [compiled.cue_name] == names
    assert compiled.model_version == "v1"

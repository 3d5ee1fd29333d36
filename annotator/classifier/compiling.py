"""A fitted pipeline (:func:`annotator.classifier.training.build_pipeline`) turned into the predictor that needs no
scikit-learn (:class:`annotator.classifier.inference.Compiled`): the analyser's version, the n-gram vocabularies with
their idf, the weights, coefficients, intercepts and the inverse temperature taken out of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from annotator.attribution.article import FEATURES
from annotator.classifier.features import GuidelineFeatures
from annotator.classifier.inference import Block, Compiled
from annotator.classifier.ngrams import NgramTfidf
from annotator.errors import ModelError


def compile_pipeline(pipeline: Any, *, version: str = "unsaved", card: dict[str, Any] | None = None) -> Compiled:
    """The predictor of a fitted :func:`annotator.classifier.training.build_pipeline` pipeline."""
    try:
        union = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["classifier"]
        (one,) = calibrated.calibrated_classifiers_
        linear = one.estimator
        (scaler,) = one.calibrators
        beta = float(scaler.beta_)
        weights = union.transformer_weights or {}
        coef = np.asarray(linear.coef_, dtype=np.float64)
        intercept = np.asarray(linear.intercept_, dtype=np.float64)
        classes = [str(c) for c in calibrated.classes_]
    except (AttributeError, KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"not a trained annotator pipeline ({type(exc).__name__}: {exc})") from exc
    if coef.shape[0] == 1:  # binary: decision values d become the logits (-d, d)
        coef, intercept = np.vstack([-coef[0], coef[0]]), np.array([-intercept[0], intercept[0]])
    at = 0
    cue_block = None
    blocks = []
    order = []
    for name, transformer in union.transformer_list:
        w = float(weights.get(name, 1.0))
        order.append(name)
        if isinstance(transformer, GuidelineFeatures):
            if cue_block is not None:
                raise ModelError("not a trained annotator pipeline: two cue feature blocks")
            cue_block = (name, transformer, w, coef[:, at : at + len(FEATURES)])
            at += len(FEATURES)
        elif isinstance(transformer, NgramTfidf):
            vocab = transformer.vocabulary()
            blocks.append(Block(name, vocab, w, coef[:, at : at + len(vocab)]))
            at += len(vocab)
        else:
            raise ModelError(f"not a trained annotator pipeline: unknown feature block {name!r}")
    if cue_block is None or at != coef.shape[1]:
        raise ModelError("not a trained annotator pipeline: no cue features, or columns do not add up")
    name, transformer, w, cue_coef = cue_block
    return Compiled(
        classes=classes,
        analyser=transformer.analyser_,
        cue_name=name,
        cue_weight=w,
        cue_coef=cue_coef,
        blocks=blocks,
        intercept=intercept,
        beta=beta,
        block_order=order,
        version=version,
        card=card,
    )

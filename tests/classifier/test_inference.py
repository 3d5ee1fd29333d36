"""The compiled predictor gives the pipeline's own numbers: probabilities to 1e-12, and top features computed the
slow way, from the pipeline's design matrix."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from annotator.classifier.artefacts import load_model
from annotator.classifier.compiling import compile_pipeline
from annotator.classifier.inference import Compiled
from annotator.classifier.training import build_pipeline, train
from annotator.io.labelled import read_labelled

REPO = Path(__file__).resolve().parents[2]
ODD = ["", "   ", "“", "İstanbul İİ said", "ΟΔΟΣ.Α said", "x" * 300, "said said said", "Straße—officials' claims"]


@pytest.fixture(scope="module")
def corpus():
    return read_labelled([REPO / "data" / "train"])


@pytest.fixture(scope="module")
def texts(corpus, seeds_dir: Path) -> list[str]:
    from annotator.io.articles import read_articles
    from annotator.text.split import article_rows

    seeds = [r["text"] for a in read_articles(sorted(seeds_dir.glob("*.txt"))) for r in article_rows(a)]
    assert seeds, f"no sentences in the seed articles of {seeds_dir}"
    return [*corpus["text"].tolist()[1::3], *seeds, *ODD]


def assert_same(pipeline, texts):
    compiled = compile_pipeline(pipeline)
    expected = pipeline.predict_proba(texts)
    got = compiled.predict_proba(texts)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-12
    assert compiled.classes == tuple(pipeline.classes_)
    again = Compiled.from_bytes(compiled.to_bytes())
    assert np.array_equal(again.predict_proba(texts), got)
    assert again.to_bytes() == compiled.to_bytes()
    shipped = pickle.loads(pickle.dumps(compiled))  # as sent to worker processes and Dask workers
    assert np.array_equal(shipped.predict_proba(texts), got)


@pytest.mark.slow
def test_shipped_model(texts):
    assert_same(load_model().pipeline, texts)


@pytest.mark.slow
def test_character_ngrams_and_weights(corpus, texts):
    pipeline = build_pipeline(chars=True)
    pipeline.set_params(features__transformer_weights={"guideline": 2.5, "chars": 0.5})
    fitted = train(corpus["text"].tolist()[::2], corpus["label"].tolist()[::2], pipeline=pipeline)
    assert_same(fitted, texts)


@pytest.mark.slow
def test_two_classes(corpus, texts):
    two = corpus[corpus["label"] != "contested"]
    fitted = train(two["text"].tolist()[::2], two["label"].tolist()[::2])
    assert len(fitted.classes_) == 2
    assert_same(fitted, texts)


def test_top_features_from_the_design_matrix(texts):
    model = load_model()
    union = model.pipeline.named_steps["features"]
    linear = model.pipeline.named_steps["classifier"].calibrated_classifiers_[0].estimator
    names = union.get_feature_names_out()
    sample = texts[:200]
    X = union.transform(sample).tocsr()
    preds = model.compiled.predict(sample, top_features=4)
    for r, p in enumerate(preds):
        c = list(model.classes).index(p.label)
        row = X.getrow(r)
        contrib = row.data * linear.coef_[c, row.indices]
        order = sorted(range(len(contrib)), key=lambda k: (-contrib[k], row.indices[k]))
        expected = tuple(str(names[row.indices[k]]) for k in order[:4] if contrib[k] > 0)
        assert p.top_features == expected, sample[r]

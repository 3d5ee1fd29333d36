"""The classifier: the shipped model is reproduced exactly from data/train and meets its held-out target; predictions
and explanations keep the Predictor contract; calibration; the labelled-data loader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from annotator.attribution.phrases import matcher
from annotator.classifier.artefacts import load_model, read_card, save
from annotator.classifier.training import (
    Model,
    build_pipeline,
    cross_validate,
    expected_calibration_error,
    metrics,
    split_held_out,
    train,
    train_corpus,
)
from annotator.errors import ModelError
from annotator.io.labelled import HELD_OUT_TOPICS, CorpusReport, data_hash, read_labelled
from annotator.labels import labels
from annotator.predictions import Prediction

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data" / "train"
SHIPPED = REPO / "models" / "default"


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return read_labelled([DATA])


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model()  # the shipped default, as installed


# -- the shipped model ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_shipped_model_is_reproduced_from_data_train(corpus, tmp_path):
    card = json.loads((SHIPPED / "card.json").read_text(encoding="utf-8"))
    training, held_out = split_held_out(corpus, card["held_out"]["topics"])
    assert data_hash(training) == card["training_data"]["sha256"], (
        "data/train changed since models/default was trained: run `make model` and commit models/default"
    )
    assert data_hash(held_out) == card["held_out"]["sha256"]
    result = train_corpus(corpus, held_out_topics=card["held_out"]["topics"])
    assert result.card["held_out"]["metrics"] == card["held_out"]["metrics"]
    assert result.card["training_data"]["rows"] == card["training_data"]["rows"]
    new = save(result.pipeline, tmp_path / "again", {})
    if new["libraries"] == card["libraries"]:
        assert new["version"] == card["version"], "same data, same libraries: the same bytes"


def test_shipped_model_meets_the_held_out_target():
    card = read_card()
    held = card["held_out"]
    assert held["topics"] == list(HELD_OUT_TOPICS)
    assert held["rows"] >= 300
    m = held["metrics"]
    print("held-out macro-F1", m["macro_f1"], {k: v["f1"] for k, v in m["per_label"].items()}, "ECE", m["ece"])
    assert m["macro_f1"] >= 0.85
    assert set(m["per_label"]) == set(labels())
    assert m["ece"] <= 0.05
    assert set(card["training_data"]["topics"]).isdisjoint(HELD_OUT_TOPICS)


def test_held_out_metrics_recomputed_from_predictions(model, corpus):
    _, held_out = split_held_out(corpus)
    # the card's held-out metrics read each sentence in its article, as every prediction path does
    proba = model.predict_proba(held_out["text"].tolist(), articles=held_out["article_id"].tolist())
    predicted = np.asarray(model.classes)[proba.argmax(axis=1)]
    accuracy = float(np.mean(predicted == held_out["label"].to_numpy()))
    assert accuracy == pytest.approx(model.card["held_out"]["metrics"]["accuracy"], abs=1e-6)
    assert expected_calibration_error(held_out["label"].tolist(), proba, model.classes) <= 0.05


# -- predictions and explanations ----------------------------------------------------------------------------------

CASES = [
    ("The health ministry denied that the clinic had been closed.", "contested", "denied", "The health ministry"),
    ("Officials said the bridge would reopen in the spring.", "unverified", None, "Officials"),
    ("The council approved the plan on Monday, Mayor Ada Pell said.", "attributed", "said", "Mayor Ada Pell"),
    ("The striker allegedly punched a steward after the match.", "unverified", "allegedly", None),
    ("The figures could not be independently verified.", "contested", "could not be independently verified", None),
]


@pytest.mark.parametrize(("text", "label", "cue", "source"), CASES)
def test_predictions_explain_with_the_cue_and_source(model, text, label, cue, source):
    (p,) = model.predict([text], top_features=5)
    assert isinstance(p, Prediction)
    assert p.label == label
    cues = [text[a:b] for a, b in p.cue_spans]
    sources = [text[a:b] for a, b in p.source_spans]
    if cue is not None:
        assert cue in cues
    if source is not None:
        assert source in sources
    assert p.top_features and any(f.startswith("guideline__") for f in p.top_features)


def test_prediction_contract(model, corpus):
    texts = [*corpus["text"].tolist()[:300], "", "   ", "“", "İ" * 3]
    preds = model.predict(texts)
    assert len(preds) == len(texts)
    assert set(model.classes) == set(labels())
    assert model.classes == tuple(model.pipeline.classes_)
    cue_lists = ("reporting_verbs", "hedges", "dispute_cues", "negations", "rebuttal_cues")
    for text, p in zip(texts, preds, strict=True):
        assert p.label in labels()
        assert list(p.scores) == list(model.classes)
        assert sum(p.scores.values()) == pytest.approx(1.0)
        assert p.score == max(p.scores.values()) == p.scores[p.label]
        for spans in (p.cue_spans, p.source_spans):
            assert list(spans) == sorted(spans)
            for a, b in spans:
                assert 0 <= a < b <= len(text)
        starts = {start for name in cue_lists for start, _ in matcher().spans(name, text)}
        for a, b in p.cue_spans:
            # every cue span starts with an entry of a lexicon list (a negation starts "could not verify")
            assert a in starts, (text, text[a:b])
    assert model.predict([]) == []


def test_top_features_are_contributions(model):
    text = "The ministry denied the report."
    (p,) = model.predict([text], top_features=3)
    assert len(p.top_features) <= 3
    (q,) = model.predict([text], top_features=0)
    assert q.top_features == () and q.label == p.label and q.scores == p.scores
    assert model.predict([text]) == [q]  # explanations only on request


# -- calibration ---------------------------------------------------------------------------------------------------


def test_expected_calibration_error_by_hand():
    classes = ["a", "b"]
    # two sentences at confidence 0.95 (one right), two at 0.65 (both right)
    proba = np.array([[0.95, 0.05], [0.95, 0.05], [0.35, 0.65], [0.35, 0.65]])
    y = ["a", "b", "b", "b"]
    # bin 0.9-1.0: |0.5 - 0.95| * 2/4; bin 0.6-0.7: |1.0 - 0.65| * 2/4
    assert expected_calibration_error(y, proba, classes) == pytest.approx(0.225 + 0.175)


# -- training ------------------------------------------------------------------------------------------------------


def test_training_refuses_bad_labels():
    with pytest.raises(ModelError, match="not in the label set"):
        train(["a b", "c d"] * 5, ["attributed", "bogus"] * 5)
    with pytest.raises(ModelError, match="at least two labels"):
        train(["a b"] * 10, ["attributed"] * 10)
    with pytest.raises(ModelError, match="at least 5 examples"):
        train(["a b", "c d", "e f"] * 3, ["attributed", "unverified", "unverified"] * 3)


def test_a_label_in_too_few_articles_to_calibrate_is_named():
    # 5 contested sentences, all in one article: the calibration fold that holds that article out has none
    texts = [f"Sentence {i} of article {i // 4}." for i in range(40)] + [f"Disputed claim {i}." for i in range(5)]
    y = ["attributed", "unverified"] * 20 + ["contested"] * 5
    articles = [f"a{i // 4}" for i in range(40)] + ["a-disputed"] * 5
    with pytest.raises(ModelError, match=r"^labels \['contested'\] are in too few articles to calibrate"):
        train(texts, y, articles=articles)


@pytest.mark.slow
def test_metrics_and_grouped_cross_validation(corpus):
    sample = corpus[corpus["topic"].isin(["crime", "politics"])].reset_index(drop=True)
    cv = cross_validate(sample["text"], sample["label"], sample["article_id"], folds=3)
    assert cv["folds"] == 3 and cv["grouped_by"] == "article_id"
    assert sum(f["n"] for f in cv["per_fold"]) == len(sample)
    pooled = cv["pooled"]
    assert sum(map(sum, pooled["confusion"]["matrix"])) == len(sample)
    assert 0.5 < pooled["macro_f1"] <= 1.0
    with pytest.raises(ModelError, match="at least 2 articles"):
        cross_validate(["a"] * 10, ["attributed"] * 10, ["one"] * 10)


def test_metrics_per_label():
    proba = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1]])
    classes = list(labels())
    y = [classes[0], classes[1], classes[2]]
    m = metrics(y, proba, classes)
    assert m["per_label"][classes[0]]["f1"] == 1.0
    assert m["per_label"][classes[1]]["precision"] == 0.5
    assert m["per_label"][classes[2]]["recall"] == 0.0
    assert m["confusion"]["matrix"] == [[1, 0, 0], [0, 1, 0], [0, 1, 0]]


@pytest.mark.slow
def test_training_is_deterministic(corpus):
    sample = corpus[corpus["topic"].isin(["crime", "health", "sport"])]
    a = build_pipeline()
    p1 = train(sample["text"].tolist(), sample["label"].tolist(), pipeline=a)
    p2 = train(sample["text"].tolist(), sample["label"].tolist(), pipeline=a)
    texts = corpus["text"].tolist()[:200]
    assert np.array_equal(p1.predict_proba(texts), p2.predict_proba(texts))


# -- the labelled-data loader --------------------------------------------------------------------------------------


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_loader_reads_the_seed_corpus(corpus):
    files = sorted(DATA.glob("*.jsonl"))
    assert len(corpus) == sum(len(f.read_text(encoding="utf-8").splitlines()) for f in files)
    assert set(corpus["label"]) == set(labels())
    for text, span in zip(corpus["text"], corpus["cue"], strict=True):
        if span is not None:
            assert 0 <= span[0] < span[1] <= len(text)


def test_loader_names_file_and_line_and_reads_the_rest(tmp_path):
    good = {"text": "Officials said so.", "label": "unverified", "topic": "t", "article_id": "a1"}
    path = write(
        tmp_path / "mixed.jsonl",
        [
            good,
            "{not json",
            {**good, "label": "maybe"},
            {**good, "cue": [5, 99]},
            {k: v for k, v in good.items() if k != "topic"} | {"kind": "body"},
            {**good, "source": [0, 9]},
        ],
    )
    report = CorpusReport()
    seen = []
    frame = read_labelled([path], report=report, on_error=seen.append)
    assert len(frame) == 2 and frame["source"].iloc[1] == [0, 9]
    messages = [str(e) for e in seen]
    assert messages[0].startswith(f"line 2 of {path}: not valid JSON")
    assert messages[1] == f"line 3 of {path}: unknown label 'maybe'; label_config.xml defines {list(labels())}"
    assert messages[2].startswith(f"line 4 of {path}: field 'cue' [5, 99] is not a span")
    assert messages[3].startswith(f"line 5 of {path}: ") and "topic" in messages[3]
    assert len(report.errors) == 4


def test_loader_resolves_pulled_annotations_by_majority(tmp_path):
    def ann(sid: str, label: str | None, who: str) -> dict:
        return {
            "sentence_id": sid,
            "text": "The ministry denied it.",
            "label": label,
            "annotator": who,
            "source_span": [[0, 12]],
            "cue_span": None,
        }

    path = write(
        tmp_path / "pulled.jsonl",
        [
            ann("art-1:0-23", "contested", "ana"),
            ann("art-1:0-23", "contested", "bo"),
            ann("art-1:0-23", "attributed", "cy"),
            ann("art-2:5-28", "contested", "ana"),
            ann("art-2:5-28", "attributed", "bo"),
            ann("art-3:0-23", None, "ana"),
            ann("art-3:0-23", "unverified", "bo"),
        ],
    )
    report = CorpusReport()
    frame = read_labelled([path], report=report)
    assert frame["sentence_id"].tolist() == ["art-1:0-23", "art-3:0-23"]
    assert frame["label"].tolist() == ["contested", "unverified"]
    assert frame["article_id"].tolist() == ["art-1", "art-3"]
    assert frame["agreed"].tolist()[0] is False and frame["annotations"].tolist() == [3, 1]
    assert frame["source"].iloc[0] == [0, 12]
    assert (report.ties, report.skipped, report.annotations) == (1, 1, 6)


def test_loader_reads_csv_with_json_spans(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(
        "text,label,topic,article_id,kind,source,cue\n"
        '"The mayor said it, twice.",attributed,t,a1,body,"[0, 9]","[10, 14]"\n'
        "It rained.,unverified,t,a1,,,\n",
        encoding="utf-8",
    )
    frame = read_labelled([path])
    assert frame["label"].tolist() == ["attributed", "unverified"]
    assert frame["cue"].iloc[0] == [10, 14] and frame["cue"].iloc[1] is None

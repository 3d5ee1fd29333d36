"""Sentence rows with the model's predictions, chunk by chunk, and the labelling priority of a batch, with the shipped
model's compiled predictor."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from annotator.classifier.artefacts import load_predictor
from annotator.classifier.inference import Compiled
from annotator.io.articles import Article
from annotator.prelabel.priority import priority, rarity_weights
from annotator.prelabel.rows import (
    COLUMNS,
    PREDICTION_COLUMNS,
    arrow_types,
    frame,
    iter_prelabel,
    iter_prelabel_rows,
    prelabel_rows,
    ranked_rows,
)
from annotator.text.split import COLUMNS as SPLIT_COLUMNS
from annotator.text.split import article_rows

ARTICLES = [
    Article(id="p1", text="The pier will reopen in May, the council said. Critics denied that repairs were finished."),
    Article(id="p2", text="Fares rose again. Officials said the ferry was late because of the weather."),
]


@pytest.fixture(scope="module")
def predictor() -> Compiled:
    return load_predictor()


def test_prediction_columns_are_added_to_split_rows(predictor: Compiled) -> None:
    rows = prelabel_rows(article_rows(ARTICLES[0]), predictor)
    assert rows
    expected = predictor.predict([r["text"] for r in rows])
    for row, p in zip(rows, expected, strict=True):
        assert set(row) == set(SPLIT_COLUMNS) | set(PREDICTION_COLUMNS)
        assert (row["label"], row["score"], row["scores"]) == (p.label, p.score, p.scores)
        assert row["model_version"] == predictor.model_version
        for start, end in row["source_spans"] + row["cue_spans"]:
            assert 0 <= start < end <= len(row["text"])
    assert prelabel_rows([], predictor) == []


def test_ranked_rows_count_labels_and_give_a_priority(predictor: Compiled) -> None:
    rows, counts = ranked_rows(ARTICLES, predictor)
    assert counts == Counter(r["label"] for r in rows)
    assert sum(counts.values()) == sum(len(article_rows(a)) for a in ARTICLES)
    weights = rarity_weights(counts, predictor.classes)  # the batch's own label distribution
    assert [r["priority"] for r in rows] == [priority(r["score"], weights[r["label"]]) for r in rows]
    assert all(r["priority"] > 0 for r in rows)


def test_chunks_hold_at_most_chunk_size_rows_in_order(predictor: Compiled) -> None:
    chunks = list(iter_prelabel_rows(ARTICLES, predictor, chunk_size=2))
    assert all(1 <= len(c) <= 2 for c in chunks)
    flat = [r["sentence_id"] for c in chunks for r in c]
    assert flat == [r["sentence_id"] for a in ARTICLES for r in article_rows(a)]


def test_files_to_frames_with_the_columns(predictor: Compiled, tmp_path: Path) -> None:
    for article in ARTICLES:
        (tmp_path / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
    frames = list(iter_prelabel([tmp_path], model=predictor, chunk_size=3))
    assert all(list(f.columns) == list(COLUMNS) for f in frames)
    assert sum(len(f) for f in frames) == sum(len(article_rows(a)) for a in ARTICLES)
    assert list(frame(prelabel_rows(article_rows(ARTICLES[1]), predictor)).columns) == list(COLUMNS)


def test_parquet_types_name_every_class(predictor: Compiled) -> None:
    types = arrow_types(predictor)
    assert [f.name for f in types["scores"]] == list(predictor.classes)
    assert set(types) <= set(PREDICTION_COLUMNS)

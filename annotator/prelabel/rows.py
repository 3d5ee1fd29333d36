"""Model + sentences -> predictions, chunk by chunk (a corpus larger than memory streams through).

Each output row is a ``split`` row (``schemas/sentence.schema.json``) plus:

- ``label``: the predicted label; ``score``: its calibrated probability; ``scores``: one probability per label;
- ``model_version``: the version on the model's card;
- ``source_spans`` / ``cue_spans``: ``[[start, end], ...]``, end-exclusive character offsets into the sentence
  ``text`` (add the row's ``start`` for offsets into the article) of the source and the cue that drove the label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.io.articles import DEFAULT_COLUMNS, Article, Columns, ReadReport, read_articles
from annotator.predictions import Predictor
from annotator.prelabel.priority import priority, rarity_weights
from annotator.text.boilerplate import BoilerplateRules
from annotator.text.split import COLUMNS as SPLIT_COLUMNS
from annotator.text.split import Row, article_rows, chunked, iter_rows, to_frame

if TYPE_CHECKING:
    import pandas as pd

PREDICTION_COLUMNS = ("label", "score", "scores", "model_version", "source_spans", "cue_spans")
COLUMNS = (*SPLIT_COLUMNS, *PREDICTION_COLUMNS)


def prelabel_rows(rows: list[Row], model: Predictor) -> list[Row]:
    """Add the prediction columns to sentence rows (in place) and return them."""
    if not rows:
        return rows
    version = model.model_version
    for row, p in zip(rows, model.predict([r["text"] for r in rows]), strict=True):
        row["label"] = p.label
        row["score"] = p.score
        row["scores"] = p.scores
        row["model_version"] = version
        row["source_spans"] = [list(s) for s in p.source_spans] if p.source_spans else []
        row["cue_spans"] = [list(s) for s in p.cue_spans] if p.cue_spans else []
    return rows


def ranked_rows(articles: Sequence[Article], model: Predictor) -> tuple[list[Row], dict[str, int]]:
    """The sentence rows of ``articles`` with the model's prediction and each sentence's labelling ``priority``
    (:mod:`annotator.prelabel.priority`, on these rows' own predicted label distribution), and how often each label was
    predicted."""
    rows = prelabel_rows([row for article in articles for row in article_rows(article)], model)
    counts: dict[str, int] = {}
    for row in rows:
        label = row["label"]
        counts[label] = counts.get(label, 0) + 1
    weights = rarity_weights(counts, model.classes)
    for row in rows:
        row["priority"] = priority(row["score"], weights[row["label"]])
    return rows, counts


def iter_prelabel_rows(
    articles: Iterable[Article], model: Predictor, *, chunk_size: int = 10_000, rules: BoilerplateRules | None = None
) -> Iterator[list[Row]]:
    """Predicted sentence rows of articles, in chunks of at most ``chunk_size``."""
    for chunk in chunked(iter_rows(articles, rules=rules), chunk_size):
        yield prelabel_rows(chunk, model)


def frame(rows: list[Row]) -> pd.DataFrame:
    """A chunk of predicted rows as a DataFrame with :data:`COLUMNS`."""
    base = to_frame(rows)
    for column in PREDICTION_COLUMNS:
        base[column] = [r.get(column) for r in rows]
    return base[list(COLUMNS)]


def iter_prelabel(
    inputs: Iterable[str | Path],
    *,
    model: Predictor | None = None,
    chunk_size: int = 10_000,
    columns: Columns = DEFAULT_COLUMNS,
    rules: BoilerplateRules | None = None,
    report: ReadReport | None = None,
) -> Iterator[pd.DataFrame]:
    """Read, split and predict files chunk by chunk: DataFrames of at most ``chunk_size`` rows with :data:`COLUMNS`.

    ``model`` defaults to the shipped model (:func:`annotator.classifier.artefacts.load_predictor`). Unreadable inputs
    are recorded in ``report`` (see :func:`~annotator.io.articles.read_articles`).

    Examples
    --------
    >>> chunk = next(iter_prelabel(["data/articles"]))
    >>> row = chunk[chunk["text"] == "The company denied that any safety work had been delayed."].iloc[0]
    >>> row["label"], round(float(row["score"]), 2)
    ('contested', 0.99)
    """
    if model is None:
        from annotator.classifier.artefacts import load_predictor

        model = load_predictor()
    articles = read_articles(inputs, columns=columns, report=report)
    for rows in iter_prelabel_rows(articles, model, chunk_size=chunk_size, rules=rules):
        yield frame(rows)


def arrow_types(model: Predictor) -> dict[str, Any]:
    """pyarrow types of the prediction columns (for Parquet output)."""
    import pyarrow as pa

    span = pa.list_(pa.list_(pa.int64()))
    return {
        "score": pa.float64(),
        "scores": pa.struct([(label, pa.float64()) for label in model.classes]),
        "source_spans": span,
        "cue_spans": span,
    }

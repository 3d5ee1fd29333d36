"""Model + sentences -> predictions, chunk by chunk (a corpus larger than memory streams through).

Each output row is a ``split`` row (``schemas/sentence.schema.json``) plus:

- ``label``: the predicted label; ``score``: its calibrated probability; ``scores``: one probability per label;
- ``model_version``: the version on the model's card;
- ``source_spans`` / ``cue_spans``: ``[[start, end], ...]``, end-exclusive character offsets into the sentence
  ``text`` (add the row's ``start`` for offsets into the article) of the source and the cue that drove the label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.errors import InputError
from annotator.io import Row
from annotator.io.articles import DEFAULT_COLUMNS, Article, Columns, ReadReport, read_articles
from annotator.predictions import Predictor
from annotator.prelabel.priority import rank
from annotator.text.boilerplate import BoilerplateRules, load_rules
from annotator.text.split import COLUMNS as SPLIT_COLUMNS
from annotator.text.split import article_rows, chunked, sentence_id, to_frame

if TYPE_CHECKING:
    import pandas as pd

PREDICTION_COLUMNS = ("label", "score", "scores", "model_version", "source_spans", "cue_spans")
#: the split columns, the prediction and ``priority``, the labelling order (lower: label sooner; see
#: :mod:`annotator.prelabel.priority`): what ``annotator prelabel`` writes and :func:`iter_prelabel` yields
COLUMNS = (*SPLIT_COLUMNS, *PREDICTION_COLUMNS, "priority")
#: articles per partition, the unit the priority is ranked on (``annotator prelabel --chunk-size``)
PARTITION_SIZE = 256
#: ``Article.meta`` key of a part of a huge article (:func:`article_parts`): where the part starts in the article
PART_OFFSET = "part_offset"


def prelabel_rows(rows: list[Row], model: Predictor) -> list[Row]:
    """Add the prediction columns to sentence rows (in place) and return them."""
    if not rows:
        return rows
    version = model.model_version
    predictions = model.predict([r["text"] for r in rows], articles=[r["article_id"] for r in rows])
    for row, p in zip(rows, predictions, strict=True):
        row["label"] = p.label
        row["score"] = p.score
        row["scores"] = p.scores
        row["model_version"] = version
        row["source_spans"] = [list(s) for s in p.source_spans] if p.source_spans else []
        row["cue_spans"] = [list(s) for s in p.cue_spans] if p.cue_spans else []
    return rows


def ranked_rows(
    articles: Sequence[Article], model: Predictor, *, rules: BoilerplateRules | None = None
) -> tuple[list[Row], dict[str, int]]:
    """The sentence rows of ``articles`` with the model's prediction and each sentence's labelling ``priority``
    (:func:`annotator.prelabel.priority.rank`, on these rows' own predicted label distribution), and how often each
    label was predicted."""
    rules = rules if rules is not None else load_rules()
    rows = prelabel_rows([row for article in articles for row in part_rows(article, rules)], model)
    priorities, counts = rank([r["label"] for r in rows], [r["score"] for r in rows], model.classes)
    for row, value in zip(rows, priorities, strict=True):
        row["priority"] = value
    return rows, counts


def partitions(articles: Iterable[Article], size: int, *, max_chars: int | None = None) -> Iterator[list[Article]]:
    """Lists of at most ``size`` articles (the last may be shorter) and, if ``max_chars`` is given, of at most that
    many characters of text: an article longer than that is cut into parts (:func:`article_parts`), and a partition
    ends before the article that would take it past the limit."""
    if size < 1:
        raise InputError("partition size", f"must be at least 1; got {size}")
    if max_chars is None:
        it = iter(articles)
        while whole := list(islice(it, size)):
            yield whole
        return
    if max_chars < 1:
        raise InputError("partition characters", f"must be at least 1; got {max_chars}")
    chunk: list[Article] = []
    chars = 0
    for article in articles:
        for part in article_parts(article, max_chars):
            if chunk and (len(chunk) >= size or chars + len(part.text) > max_chars):
                yield chunk
                chunk, chars = [], 0
            chunk.append(part)
            chars += len(part.text)
    if chunk:
        yield chunk


def article_parts(article: Article, max_chars: int) -> Iterator[Article]:
    """``article`` itself if its text has at most ``max_chars`` characters, else its parts, cut at paragraph
    boundaries (after a blank line, else after a line break; a longer paragraph is a part of its own). Each part is
    an article with the same id and the offset of its text in the article in ``meta[PART_OFFSET]``: its rows
    (:func:`part_rows`) keep the whole article's sentence ids and offsets."""
    text = article.text
    if len(text) <= max_chars:
        yield article
        return
    pos = 0
    while pos < len(text):
        end = len(text) if len(text) - pos <= max_chars else _cut(text, pos, max_chars)
        yield replace(article, text=text[pos:end], meta={**article.meta, PART_OFFSET: pos})
        pos = end


def _cut(text: str, pos: int, max_chars: int) -> int:
    """Where the part of ``text`` that starts at ``pos`` ends: after the last paragraph break within ``max_chars``
    (a blank line, else a line break), else after the next line break, else at the end."""
    limit = pos + max_chars
    for sep in ("\n\n", "\n"):
        at = text.rfind(sep, pos + 1, limit)
        if at > pos:
            return at + len(sep)
    at = text.find("\n", limit)
    return len(text) if at < 0 else at + 1


def part_rows(article: Article, rules: BoilerplateRules) -> list[Row]:
    """The sentence rows of an article or of a part of one (:func:`article_parts`): offsets, sentence ids and
    quotation ids are those of the whole article (a quotation is not followed across parts); ``index`` counts from
    the part's first sentence and the title of a later part is the article's title field."""
    rows = article_rows(article, rules=rules)
    offset = article.meta.get(PART_OFFSET)
    if not offset:
        return rows
    for row in rows:
        row["start"] += offset
        row["end"] += offset
        row["sentence_id"] = sentence_id(article.id, row["start"], row["end"])
        row["title"] = article.title
        if row["quote_id"] is not None:
            row["quote_id"] = f"{row['quote_id']}@{offset}"
    return rows


def iter_prelabel_rows(
    articles: Iterable[Article],
    model: Predictor,
    *,
    chunk_size: int = 10_000,
    partition_size: int = PARTITION_SIZE,
    rules: BoilerplateRules | None = None,
) -> Iterator[list[Row]]:
    """Ranked sentence rows of articles (:func:`ranked_rows`, partition by partition of ``partition_size``
    articles), in chunks of at most ``chunk_size``."""
    rules = rules if rules is not None else load_rules()
    ranked = (row for part in partitions(articles, partition_size) for row in ranked_rows(part, model, rules=rules)[0])
    yield from chunked(ranked, chunk_size)


def frame(rows: list[Row]) -> pd.DataFrame:
    """A chunk of predicted rows as a DataFrame with :data:`COLUMNS`."""
    base = to_frame(rows)
    for column in (*PREDICTION_COLUMNS, "priority"):
        base[column] = [r.get(column) for r in rows]
    return base[list(COLUMNS)]


def iter_prelabel(
    inputs: Iterable[str | Path],
    *,
    model: Predictor | None = None,
    chunk_size: int = 10_000,
    partition_size: int = PARTITION_SIZE,
    columns: Columns = DEFAULT_COLUMNS,
    rules: BoilerplateRules | None = None,
    report: ReadReport | None = None,
) -> Iterator[pd.DataFrame]:
    """Read, split, predict and rank files chunk by chunk: DataFrames of at most ``chunk_size`` rows with
    :data:`COLUMNS`, the rows and values ``annotator prelabel`` writes.

    ``model`` defaults to the shipped model (:func:`annotator.classifier.artefacts.load_predictor`). The priority is
    ranked on partitions of ``partition_size`` articles, as ``annotator prelabel --chunk-size`` does. Unreadable
    inputs are recorded in ``report`` (see :func:`~annotator.io.articles.read_articles`).

    Examples
    --------
    >>> chunk = next(iter_prelabel(["data/articles"]))
    >>> row = chunk[chunk["text"] == "The company denied that any safety work had been delayed."].iloc[0]
    >>> row["label"], round(float(row["score"]), 2), "priority" in chunk.columns
    ('contested', 1.0, True)
    """
    if model is None:
        from annotator.classifier.artefacts import load_predictor

        model = load_predictor()
    articles = read_articles(inputs, columns=columns, report=report)
    for rows in iter_prelabel_rows(articles, model, chunk_size=chunk_size, partition_size=partition_size, rules=rules):
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

"""Articles -> the sentence table (rows, pandas DataFrames, or a stream of DataFrame chunks).

One row per sentence, as documented in ``schemas/sentence.schema.json``: ``article_id``,
``sentence_id``, ``index``, ``start``, ``end`` (end-exclusive character offsets into the article
text as ingested), ``text``, ``kind``, ``quote_id``, and the article's ``title``, ``source``, ``url``
and ``published``. With ``keep_boilerplate`` the dropped lines come too, with ``kind ==
"boilerplate"``, ``index`` None and the rule's name in ``boilerplate_rule``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.io import Row
from annotator.io.articles import DEFAULT_COLUMNS, Article, Columns, ReadReport, read_articles
from annotator.text.boilerplate import BoilerplateRules, load_rules
from annotator.text.segment import BOILERPLATE, HEADLINE, iter_segment

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = (
    "article_id",
    "sentence_id",
    "index",
    "start",
    "end",
    "text",
    "kind",
    "quote_id",
    "title",
    "source",
    "url",
    "published",
)
BOILERPLATE_COLUMN = "boilerplate_rule"
_DTYPES = {"index": "Int64", "start": "int64", "end": "int64"}


def sentence_id(article_id: str, start: int, end: int) -> str:
    """Stable id of a sentence: the article id and its offsets (``"a17:120-245"``)."""
    return f"{article_id}:{start}-{end}"


def article_rows(
    article: Article, *, rules: BoilerplateRules | None = None, keep_boilerplate: bool = False
) -> list[Row]:
    """The sentence rows of one article."""
    rules = rules if rules is not None else load_rules()
    aid = article.id
    title = article.title
    rows: list[Row] = []
    index = 0
    for s in iter_segment(article.text, rules=rules, title=title, keep_boilerplate=keep_boilerplate):
        if title is None and s.kind == HEADLINE:
            title = s.text
            for earlier in rows:
                earlier["title"] = title
        row: Row = {
            "article_id": aid,
            "sentence_id": sentence_id(aid, s.start, s.end),
            "index": None if s.kind == BOILERPLATE else index,
            "start": s.start,
            "end": s.end,
            "text": s.text,
            "kind": s.kind,
            "quote_id": None if s.quote_id is None else f"{aid}:q{s.quote_id}",
            "title": title,
            "source": article.source,
            "url": article.url,
            "published": article.published,
        }
        if keep_boilerplate:
            row[BOILERPLATE_COLUMN] = s.rule
        if s.kind != BOILERPLATE:
            index += 1
        rows.append(row)
    return rows


def iter_rows(
    articles: Iterable[Article], *, rules: BoilerplateRules | None = None, keep_boilerplate: bool = False
) -> Iterator[Row]:
    """Sentence rows of many articles, streaming."""
    rules = rules if rules is not None else load_rules()
    for article in articles:
        yield from article_rows(article, rules=rules, keep_boilerplate=keep_boilerplate)


def chunked(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Group rows into lists of at most ``size``."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1; got {size}")
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def to_frame(rows: list[Row], *, keep_boilerplate: bool = False) -> pd.DataFrame:
    """A DataFrame with the table's columns and dtypes (nullable ``index``)."""
    import pandas as pd  # not at import time: commands that never make a DataFrame start faster

    columns = list(COLUMNS) + ([BOILERPLATE_COLUMN] if keep_boilerplate else [])
    return pd.DataFrame.from_records(rows, columns=columns).astype(_DTYPES)


def iter_split(
    inputs: Iterable[str | Path],
    *,
    chunk_size: int = 10_000,
    keep_boilerplate: bool = False,
    columns: Columns = DEFAULT_COLUMNS,
    rules: BoilerplateRules | None = None,
    report: ReadReport | None = None,
) -> Iterator[pd.DataFrame]:
    """Split files into sentence tables of at most ``chunk_size`` rows, for corpora larger than
    memory. Unreadable inputs are recorded in ``report`` (see :func:`~annotator.io.articles.read_articles`)."""
    articles = read_articles(inputs, columns=columns, report=report)
    rows = iter_rows(articles, rules=rules, keep_boilerplate=keep_boilerplate)
    for chunk in chunked(rows, chunk_size):
        yield to_frame(chunk, keep_boilerplate=keep_boilerplate)


def split(
    inputs: Iterable[str | Path],
    *,
    keep_boilerplate: bool = False,
    columns: Columns = DEFAULT_COLUMNS,
    rules: BoilerplateRules | None = None,
    report: ReadReport | None = None,
) -> pd.DataFrame:
    """Split files into one sentence table.

    Examples
    --------
    >>> df = split(["data/articles"])  # doctest: +SKIP
    >>> df[["article_id", "kind", "text"]].head()  # doctest: +SKIP
    """
    articles = read_articles(inputs, columns=columns, report=report)
    rows = list(iter_rows(articles, rules=rules, keep_boilerplate=keep_boilerplate))
    return to_frame(rows, keep_boilerplate=keep_boilerplate)

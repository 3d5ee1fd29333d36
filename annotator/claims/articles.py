"""Articles -> the sentence table and the per-article inputs of the source finder, and pulled labels -> one label
per sentence: the I/O edge shared by ``annotator drift``, ``annotator ledger`` and ``annotator report``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.attribution.sources import ArticleInput, infer_outlet
from annotator.errors import InputError
from annotator.io import Row
from annotator.io.articles import DEFAULT_COLUMNS, Article, Columns, ErrorHandler, ReadReport, read_articles
from annotator.io.labelled import CorpusReport, read_labelled
from annotator.io.parse import web_url
from annotator.text.boilerplate import BoilerplateRules, load_rules
from annotator.text.split import article_rows


@dataclass
class Corpus:
    """Sentence rows (``schemas/sentence.schema.json``, boilerplate left out) and one :class:`ArticleInput` per
    article, with its outlet: the input's ``source`` field, else :func:`~annotator.attribution.sources.infer_outlet`."""

    rows: list[Row] = field(default_factory=list)
    articles: list[ArticleInput] = field(default_factory=list)
    titles: dict[str, str | None] = field(default_factory=dict)
    urls: dict[str, str | None] = field(default_factory=dict)
    published: dict[str, str | None] = field(default_factory=dict)

    def add(self, article: Article, *, rules: BoilerplateRules) -> None:
        rows = article_rows(article, rules=rules)
        outlet = article.source or infer_outlet(article.text)
        for row in rows:
            row["source"] = outlet
        self.rows.extend(rows)
        self.articles.append(ArticleInput(article.id, [(r["sentence_id"], r["text"]) for r in rows], outlet))
        self.titles[article.id] = rows[0]["title"] if rows else article.title
        self.urls[article.id] = web_url(article.url)
        self.published[article.id] = article.published

    @property
    def outlets(self) -> dict[str, str | None]:
        return {a.article_id: a.outlet for a in self.articles}


def read_corpus(
    inputs: Iterable[str | Path],
    *,
    columns: Columns = DEFAULT_COLUMNS,
    report: ReadReport | None = None,
    on_error: ErrorHandler | None = None,
    rules: BoilerplateRules | None = None,
) -> Corpus:
    """Read and split every article of ``inputs``; unreadable inputs go to ``report`` / ``on_error``."""
    return corpus_of(read_articles(inputs, columns=columns, report=report, on_error=on_error), rules=rules)


def corpus_of(articles: Iterable[Article], *, rules: BoilerplateRules | None = None) -> Corpus:
    """The :class:`Corpus` of already-read articles (the CLI reads them with its progress bar)."""
    rules = rules if rules is not None else load_rules()
    corpus = Corpus()
    for article in articles:  # ids are unique: read_articles reports a repeated id as an error
        corpus.add(article, rules=rules)
    return corpus


def read_pulled_labels(
    paths: Iterable[str | Path],
    *,
    report: CorpusReport | None = None,
    on_error: ErrorHandler | None = None,
) -> dict[str, str]:
    """``{sentence_id: label}`` from ``annotator pull`` output (JSONL, CSV or Parquet; one row per annotation or
    ``--resolved``), read with :func:`annotator.io.labelled.read_labelled`: several annotations of a sentence resolve to
    their majority label, a tie is left out (and counted in ``report``), a bad line is reported and skipped."""
    paths = list(paths)
    frame = read_labelled(paths, report=report, on_error=on_error)
    frame = frame[frame["sentence_id"].notna()]
    if frame.empty:
        raise InputError(
            ", ".join(str(p) for p in paths), "no rows with a sentence_id and a label; pass `annotator pull` output"
        )
    return dict(zip(frame["sentence_id"].astype(str), frame["label"].astype(str), strict=True))

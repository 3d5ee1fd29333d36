"""Commands ``annotator drift``, ``annotator ledger`` and ``annotator report``: argument parsing only; the work is in
:mod:`annotator.drift`, :mod:`annotator.ledger` and :mod:`annotator.report`. Registered in :mod:`annotator.cli`."""

from __future__ import annotations

from typing import Any

import click

from annotator.articles import Corpus, corpus_of
from annotator.cli import CONTEXT, columns_from, finish, input_options, reading
from annotator.output import write_rows


def _read(paths: tuple[str, ...], stdin_format: str | None, kwargs: dict[str, Any]) -> tuple[Corpus, Any]:
    columns = columns_from(kwargs)
    with reading(paths, columns, stdin_format) as (articles, report):
        corpus = corpus_of(articles)
    return corpus, report


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _where(path: str | None) -> str:
    return f" to {path}" if path and path != "-" else ""


@click.command("drift", context_settings=CONTEXT)
@input_options
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Output JSONL (default: stdout)."
)
@click.option("--anchor", default=0.5, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Similarity of a near-duplicate that makes two articles a re-report pair.")  # fmt: skip
@click.option("--min-anchors", default=2, show_default=True, type=click.IntRange(min=1),
              help="Near-duplicates two articles must share to be a re-report pair.")  # fmt: skip
@click.option("--min-similarity", default=0.2, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Similarity of a sentence pair reported within a re-report pair.")  # fmt: skip
@click.option("--relative", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Share of either sentence's best match a pair must reach.")  # fmt: skip
def drift(
    paths: tuple[str, ...],
    output: str | None,
    anchor: float,
    min_anchors: int,
    min_similarity: float,
    relative: float,
    stdin_format: str | None,
    **kwargs: Any,
) -> None:
    """Find sentences in different articles that report the same claim, and what changed between them.

    One JSONL row per pair (schemas/drift.schema.json): both articles and outlets, both sentences with
    offsets, their similarity, and the changes from the original to the re-report: number_changed,
    hedge_added, hedge_dropped, attribution_stripped/added/replaced, title_changed, citation. Near-duplicates
    are found by prefix filtering over TF-IDF vectors, not by comparing every sentence with every other.

    Example: annotator drift data/articles ../shared/seeds -o drift.jsonl
    """
    from annotator.drift import DriftOptions, drift_rows

    try:
        options = DriftOptions(anchor=anchor, min_anchors=min_anchors, min_similarity=min_similarity, relative=relative)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    corpus, report = _read(paths, stdin_format, kwargs)
    rows = drift_rows(corpus, options)
    n = write_rows(
        [rows], output, fmt="jsonl", columns=[], commit_if=lambda _n: report.articles > 0 or not report.failed
    )
    pairs = len({(r["article_a"], r["article_b"]) for r in rows})
    finish(report, f"{_plural(n, 'sentence pair')} from {_plural(pairs, 're-report pair')} written{_where(output)}")


# declared types: annotator.cli imports this module while it is itself being imported
drift_cmd: click.Command = drift

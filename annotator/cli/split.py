"""``annotator split``: articles -> sentence rows."""

from __future__ import annotations

from typing import Any

import click

from annotator.cli._util import (
    CONTEXT,
    columns_from,
    csv_raw_option,
    finish,
    input_options,
    output_format,
    reading,
)


@click.command("split", context_settings=CONTEXT)
@input_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Output file (default: stdout).")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), help="Default: from -o's suffix, else jsonl."
)
@csv_raw_option
@click.option(
    "--keep-boilerplate", is_flag=True, help="Also emit dropped lines, with kind 'boilerplate', for auditing."
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Boilerplate rules file (default: the shipped schemas/boilerplate.json).",
)
@click.option("--chunk-size", default=10_000, show_default=True, type=click.IntRange(min=1), help="Rows per write.")
def split_cmd(
    paths: tuple[str, ...],
    output: str | None,
    fmt: str | None,
    csv_raw: bool,
    keep_boilerplate: bool,
    rules_path: str | None,
    chunk_size: int,
    stdin_format: str | None,
    **kwargs: Any,
) -> None:
    """Split articles (txt, md, html, jsonl, csv; files, directories or '-') into sentences.

    One row per sentence: article_id, sentence_id, index, start, end, text, kind, quote_id, title,
    source, url, published (schemas/sentence.schema.json). Offsets are end-exclusive character
    offsets into the article text as ingested. Unreadable inputs are named on stderr, the rest is
    still written, and the exit status is 1.

    Example: annotator split data/articles -o sentences.parquet
    """
    from annotator.io.write import write_rows
    from annotator.text.boilerplate import load_rules
    from annotator.text.split import BOILERPLATE_COLUMN, COLUMNS, chunked, iter_rows

    columns = columns_from(kwargs)
    fmt = output_format(output, fmt)
    rules = load_rules(rules_path)
    out_columns = list(COLUMNS) + ([BOILERPLATE_COLUMN] if keep_boilerplate else [])
    with reading(paths, columns, stdin_format) as (articles, report):
        rows = iter_rows(articles, rules=rules, keep_boilerplate=keep_boilerplate)
        # if every input failed, an existing output file is left as it was
        n = write_rows(
            chunked(rows, chunk_size),
            output,
            fmt=fmt,
            columns=out_columns,
            commit_if=lambda _n: report.articles > 0 or not report.failed,
            csv_raw=csv_raw,
        )
    where = f" to {output}" if output and output != "-" and (report.articles or not report.failed) else ""
    finish(report, f"{n} sentence{'s' if n != 1 else ''} written{where}")

"""Command line: parses arguments and calls the library; turns AnnotatorError into a one-line
message and exit status 1."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from annotator import __version__
from annotator.errors import AnnotatorError, InputError
from annotator.ingest import Columns, ReadReport, expand_inputs, read_articles

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="annotator")
def cli() -> None:
    """Split scraped news articles into sentences and label who stands behind each claim.

    Example: annotator split data/articles -o sentences.jsonl
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``annotator`` command."""
    try:
        cli.main(args=argv, prog_name="annotator", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AnnotatorError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        # stdout closed early (``annotator split ... | head``): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


# -- shared options ----------------------------------------------------------------------------


def input_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options for reading articles, shared by every command that reads them."""
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True)),
        click.option("--text-column", default="text", show_default=True, help="JSONL/CSV field with the article text."),
        click.option("--html-column", default="html", show_default=True, help="JSONL/CSV field with article HTML."),
        click.option("--id-column", default="id", show_default=True, help="JSONL/CSV field with the article id."),
        click.option("--title-column", default="title", show_default=True, help="JSONL/CSV field with the title."),
        click.option("--source-column", default="source", show_default=True, help="JSONL/CSV field with the outlet."),
        click.option("--url-column", default="url", show_default=True, help="JSONL/CSV field with the URL."),
        click.option("--published-column", default="published", show_default=True, help="JSONL/CSV publication date."),
        click.option(
            "--stdin-format",
            type=click.Choice(["txt", "html", "jsonl", "csv"]),
            help="Format of standard input ('-'); default: guessed from the first bytes.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def columns_from(kwargs: dict[str, Any]) -> Columns:
    return Columns(
        id=kwargs.pop("id_column"),
        text=kwargs.pop("text_column"),
        html=kwargs.pop("html_column"),
        title=kwargs.pop("title_column"),
        source=kwargs.pop("source_column"),
        url=kwargs.pop("url_column"),
        published=kwargs.pop("published_column"),
    )


@contextmanager
def reading(
    paths: tuple[str, ...], columns: Columns, stdin_format: str | None
) -> Iterator[tuple[Iterator[Any], ReadReport]]:
    """Read articles with errors on stderr as they happen and a progress bar (on a terminal only)."""
    report = ReadReport()
    bar: Any = None
    if sys.stderr.isatty():  # else tqdm is not even imported
        from tqdm import tqdm

        # the total walks the inputs once more: only worth it when the bar is shown
        total = sum(os.path.getsize(p) for p in expand_inputs(paths) if p != "-" and os.path.isfile(p))
        bar = tqdm(total=total or None, unit="B", unit_scale=True, desc="reading", leave=False)

    def on_error(err: InputError) -> None:
        if bar is not None:
            bar.write(f"error: {err}", file=sys.stderr)
        else:
            click.echo(f"error: {err}", err=True)

    def on_file(_name: str, size: int) -> None:
        if bar is not None:
            bar.update(size)

    articles = read_articles(
        paths, columns=columns, stdin_format=stdin_format, report=report, on_error=on_error, on_file=on_file
    )
    try:
        yield articles, report
    finally:
        if bar is not None:
            bar.close()


def finish(report: ReadReport, what: str) -> None:
    """Print the summary line; exit 1 if any input failed."""
    failed = len(report.errors)
    skipped = f", {report.skipped} other file{'s' if report.skipped != 1 else ''} skipped" if report.skipped else ""
    status = f"; {failed} input{'s' if failed != 1 else ''} failed" if failed else ""
    click.echo(
        f"read {report.articles} article{'s' if report.articles != 1 else ''} from {report.files} "
        f"file{'s' if report.files != 1 else ''}{skipped}: {what}{status}",
        err=True,
    )
    if failed:
        sys.exit(1)


# -- commands ----------------------------------------------------------------------------------


@cli.command("split", context_settings=CONTEXT)
@input_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Output file (default: stdout).")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), help="Default: from -o's suffix, else jsonl."
)
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
    from annotator.boilerplate import load_rules
    from annotator.output import format_for, write_rows
    from annotator.split import BOILERPLATE_COLUMN, COLUMNS, chunked, iter_rows

    columns = columns_from(kwargs)
    fmt = format_for(output, fmt)
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
        )
    where = f" to {output}" if output and output != "-" and (report.articles or not report.failed) else ""
    finish(report, f"{n} sentence{'s' if n != 1 else ''} written{where}")


# -- commands defined in their own modules (one line each, to keep merges easy) -----------------------------------

from annotator.cli_model import evaluate_cmd, train_cmd  # noqa: E402  (they use the options above)
from annotator.live_cli import connect_cmd, prelabel_cmd, serve_cmd  # noqa: E402
from annotator.studio_cli import agreement_cmd, pull_cmd, push_cmd, studio_cmd  # noqa: E402

cli.add_command(train_cmd)
cli.add_command(evaluate_cmd)
cli.add_command(prelabel_cmd)
cli.add_command(studio_cmd)
cli.add_command(push_cmd)
cli.add_command(pull_cmd)
cli.add_command(agreement_cmd)
cli.add_command(serve_cmd)
cli.add_command(connect_cmd)

from annotator import claims_cli  # noqa: E402  (drift, ledger, report)

cli.add_command(claims_cli.drift_cmd)
cli.add_command(claims_cli.ledger_cmd)
cli.add_command(claims_cli.report_cmd)

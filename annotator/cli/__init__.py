"""The ``annotator`` command: parses arguments and calls the library; turns AnnotatorError into a one-line message
and exit status 1. This module only defines the group and registers the commands, one module per command group;
what commands share lives in :mod:`annotator.cli._util`."""

from __future__ import annotations

import os
import sys

import click

from annotator import __version__
from annotator.cli._util import CONTEXT
from annotator.cli.claims import drift_cmd, ledger_cmd, report_cmd
from annotator.cli.live import connect_cmd, prelabel_cmd, serve_cmd
from annotator.cli.model import evaluate_cmd, train_cmd
from annotator.cli.split import split_cmd
from annotator.cli.studio import agreement_cmd, pull_cmd, push_cmd, studio_cmd
from annotator.errors import AnnotatorError


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


for command in (
    split_cmd,
    train_cmd,
    evaluate_cmd,
    prelabel_cmd,
    studio_cmd,
    push_cmd,
    pull_cmd,
    agreement_cmd,
    serve_cmd,
    connect_cmd,
    drift_cmd,
    ledger_cmd,
    report_cmd,
):
    cli.add_command(command)

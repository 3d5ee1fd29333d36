"""The ``annotator`` command: parses arguments and calls the library; turns AnnotatorError into a one-line message
and exit status 1. This module only defines the group and registers the commands, one module per command group;
what commands share lives in :mod:`annotator.cli._util`."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

import click

from annotator import __version__
from annotator.cli._util import CONTEXT
from annotator.cli.claims import drift_cmd, ledger_cmd, report_cmd
from annotator.cli.live import connect_cmd, prelabel_cmd, serve_cmd
from annotator.cli.model import audit_cmd, evaluate_cmd, train_cmd
from annotator.cli.review import review_cmd
from annotator.cli.split import split_cmd
from annotator.cli.studio import agreement_cmd, pull_cmd, push_cmd, studio_cmd
from annotator.errors import AnnotatorError


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="annotator")
def cli() -> None:
    """Split scraped news articles into sentences and label who stands behind each claim.

    Example: annotator split data/articles -o sentences.jsonl
    """


def _terminate_as_interrupt() -> bool:
    """Make SIGTERM (``kill``, ``timeout``, a container's stop) end a command as Ctrl-C does: a KeyboardInterrupt,
    so that the same cleanup runs (the previous output kept, temporary files and the spool removed, worker and
    training processes stopped). A second SIGTERM during that cleanup is ignored; SIGKILL still ends it at once.
    Left alone where SIGTERM is ignored or handled, and outside the main thread (where no handler can be set);
    True if the handler was set."""

    def interrupt(signum: int, _frame: object) -> None:
        signal.signal(signum, signal.SIG_IGN)
        _received.append(signum)
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, interrupt)
            return True
    return False


_received: list[int] = []


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``annotator`` command."""
    _received.clear()
    installed = _terminate_as_interrupt()
    try:
        _run(argv)
    finally:
        if installed:  # a caller that runs commands in its own process gets its SIGTERM back
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(argv: list[str] | None) -> None:
    try:
        cli.main(args=argv, prog_name="annotator", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("terminated" if _received else "aborted", err=True)
        sys.exit(128 + (_received[0] if _received else signal.SIGINT))
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
    if _received:  # a command that stopped by itself on the signal (serve: uvicorn's shutdown)
        click.echo("terminated", err=True)
        sys.exit(128 + _received[0])


for command in (
    split_cmd,
    train_cmd,
    evaluate_cmd,
    audit_cmd,
    prelabel_cmd,
    studio_cmd,
    push_cmd,
    pull_cmd,
    agreement_cmd,
    review_cmd,
    serve_cmd,
    connect_cmd,
    drift_cmd,
    ledger_cmd,
    report_cmd,
):
    cli.add_command(command)

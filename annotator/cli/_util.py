"""What the commands share: the context settings, the options for reading articles and for reaching Label Studio,
the progress display, the closing summary line and the check for an optional extra. Commands import this module; it
imports no command.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from annotator.errors import AnnotatorError, InputError, StudioError
from annotator.io.articles import Columns, ReadReport, expand_inputs, read_articles
from annotator.studio.client import TOKEN_ENV, URL_ENV, Studio
from annotator.studio.local import CREDENTIALS, DEFAULT_DIR, DEFAULT_PORT, credentials, running

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# -- optional extras -------------------------------------------------------------------------------

#: the optional modules commands import, and the extra of pyproject.toml that installs each
EXTRAS = {
    "label_studio": "studio",  # the Label Studio server `annotator studio` runs
    "label_studio_sdk": "studio",  # the client of push, pull, connect, agreement --project and serve's retraining
    "starlette": "serve",
    "uvicorn": "serve",
    "dask": "dask",
    "distributed": "dask",
}


class MissingExtraError(AnnotatorError):
    """A command needs an optional extra that is not installed."""


def require(*modules: str, command: str | None = None) -> None:
    """Import ``modules`` (names in :data:`EXTRAS`); if one is not installed, raise :class:`MissingExtraError` with the
    one line that says which extra to install, e.g. "annotator serve needs the 'serve' extra (starlette is
    missing): pip install 'annotator[serve]'". ``command`` defaults to the running command's name."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            extra = EXTRAS[module]
            if command is None:
                ctx = click.get_current_context(silent=True)
                command = ctx.command_path if ctx is not None else "this command"
            raise MissingExtraError(
                f"{command} needs the {extra!r} extra ({exc.name or module} is missing): "
                f"pip install 'annotator[{extra}]'"
            ) from exc


# -- reading articles ----------------------------------------------------------------------------


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


def output_format(output: str | None, fmt: str | None) -> str:
    """The format of a command's output: ``--format``, else ``-o``'s suffix, else JSONL; what the library finds
    wrong, with the option that fixes it."""
    from annotator.io.write import format_for

    try:
        chosen = fmt or format_for(output, None)
    except InputError as err:
        raise InputError(err.where, f"{err.reason}; pass --format") from None
    if chosen == "parquet" and (output is None or output == "-"):
        raise InputError("--format parquet", "Parquet needs an output file; pass -o FILE")
    return chosen


def csv_raw_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--csv-raw``, on every command that can write CSV: write text cells as they are, formulas included."""
    return click.option(
        "--csv-raw",
        is_flag=True,
        help="CSV: write cells that start with = + - @ (or a tab or CR) as they are; by default they get a ' in "
        "front, so that a spreadsheet shows them instead of running them as formulas.",
    )(fn)


# -- reaching Label Studio ------------------------------------------------------------------


#: the environment variable with the path of a file that holds the API token (as ``--token-file``)
TOKEN_FILE_ENV = "LABEL_STUDIO_API_KEY_FILE"


def connection_options(fn: Any) -> Any:
    """``--url``, ``--token-file`` and ``--token`` (or their environment variables), shared by every command that
    talks to a server. The command receives ``url`` and ``token``: a token file is read here (its line end
    dropped), so that the token never has to be on a command line, where every user of the machine sees it in
    ``ps``."""

    @functools.wraps(fn)
    def with_token(*args: Any, token_file: str | None, **kwargs: Any) -> Any:
        if token_file:
            ctx = click.get_current_context()
            if ctx.get_parameter_source("token") == click.core.ParameterSource.COMMANDLINE:
                raise InputError("--token", "give --token or --token-file, not both")
            kwargs["token"] = read_token(token_file)
        return fn(*args, **kwargs)

    wrapped: Any = click.option(
        "--token",
        envvar=TOKEN_ENV,
        show_envvar=True,
        help="API token (legacy or personal access token); visible to every user of the machine in `ps`: prefer "
        f"--token-file or ${TOKEN_ENV}. Default: the local studio's, from {DEFAULT_DIR}/.",
    )(with_token)
    wrapped = click.option(
        "--token-file",
        envvar=TOKEN_FILE_ENV,
        show_envvar=True,
        type=click.Path(dir_okay=False),
        help="Read the API token from this file (one line).",
    )(wrapped)
    return click.option(
        "--url",
        envvar=URL_ENV,
        show_envvar=True,
        help=f"Label Studio URL. Default: the local studio's, else http://127.0.0.1:{DEFAULT_PORT}.",
    )(wrapped)


def read_token(path: str) -> str:
    """The API token in the file ``path`` (surrounding whitespace dropped); never shown in an error."""
    try:
        with open(path, encoding="utf-8") as fh:
            token = fh.read(4096).strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            path,
            f"cannot read the token file ({exc.__class__.__name__}: {getattr(exc, 'strerror', '') or 'not UTF-8'})",
        ) from None
    if not token:
        raise InputError(path, "the token file is empty")
    return token


def connect(url: str | None, token: str | None) -> Studio:
    """A checked connection. Without a token: the local studio's credentials in ./.studio; without a URL: the
    local studio started from ./.studio if it runs, else port 8080 on this machine. Raises
    :class:`MissingExtraError` without the studio extra, before asking for a token."""
    require("label_studio_sdk")
    if not token:
        local = Path(DEFAULT_DIR) / CREDENTIALS
        if not local.exists():
            raise StudioError(f"no API token: pass --token-file or set ${TOKEN_ENV} (or start `annotator studio` here)")
        token = credentials(DEFAULT_DIR).token
    if not url:
        found = running(DEFAULT_DIR)
        url = found[1] if found else f"http://127.0.0.1:{DEFAULT_PORT}"
    studio = Studio(url, token)
    studio.check()
    return studio


def parse_auth(value: str | None, option: str = "--basic-auth") -> tuple[str, str] | None:
    """``USER:PASS`` as a pair (None: no authentication)."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError(option, "expected USER:PASSWORD")
    return user, password


def seed_frame(seed_paths: tuple[str, ...], no_seed: bool) -> Any:
    """The labelled sentences of ``--seed`` (default: the seed corpus shipped with annotator), None with
    ``--no-seed``."""
    from annotator.io.labelled import read_labelled
    from annotator.resources import seed_files

    if no_seed:
        return None
    return read_labelled(seed_paths or [str(p) for p in seed_files()])


def read_labels(path: str) -> Any:
    """Labelled rows from a file `annotator pull` wrote (jsonl, csv or parquet), as a DataFrame."""
    import pandas as pd

    suffix = os.path.splitext(path)[1].lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".csv":
            from annotator.io.write import unescape_cell

            # what `pull` escaped (cells a spreadsheet would run as formulas) is read back as it was
            frame = pd.read_csv(path)
            for column in frame.columns:  # text columns: object (pandas 2) or str (pandas 3)
                if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype):
                    frame[column] = frame[column].map(unescape_cell)
            return frame
        return pd.read_json(path, lines=True)
    except (ValueError, OSError) as exc:
        raise InputError(path, f"cannot read labels ({exc})") from exc

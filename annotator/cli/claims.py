"""Commands ``annotator drift``, ``annotator ledger`` and ``annotator report``: argument parsing only; the work is in
:mod:`annotator.claims.drift`, :mod:`annotator.claims.ledger` and :mod:`annotator.claims.html_report`. Registered in
:mod:`annotator.cli`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from annotator.cli._util import CONTEXT, columns_from, csv_raw_option, finish, input_options, reading
from annotator.io.write import write_rows

if TYPE_CHECKING:
    from annotator.claims.articles import Corpus


def _read(paths: tuple[str, ...], stdin_format: str | None, kwargs: dict[str, Any]) -> tuple[Corpus, Any]:
    columns = columns_from(kwargs)
    with reading(paths, columns, stdin_format) as (articles, report):
        from annotator.claims.articles import corpus_of

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
    from annotator.claims.drift import DriftOptions, drift_rows

    try:
        options = DriftOptions(anchor=anchor, min_anchors=min_anchors, min_similarity=min_similarity, relative=relative)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    corpus, report = _read(paths, stdin_format, kwargs)
    copies: dict[str, str] = {}
    rows = drift_rows(corpus, options, copies=copies)
    n = write_rows(
        [rows], output, fmt="jsonl", columns=[], commit_if=lambda _n: report.articles > 0 or not report.failed
    )
    pairs = len({(r["article_a"], r["article_b"]) for r in rows})
    found = f"{_plural(n, 'sentence pair')} from {_plural(pairs, 're-report pair')} written{_where(output)}"
    if copies:
        originals = len(set(copies.values()))
        found += f"; {len(copies)} cop{'y' if len(copies) == 1 else 'ies'} of {_plural(originals, 'article')} left out"
    finish(report, found)


def _profile_path(output: str | None, profile: str | None) -> str | None:
    if profile:
        return profile
    if output and output != "-":
        path = Path(output)
        return str(path.with_name(f"{path.stem}.profile{path.suffix or '.jsonl'}"))
    return None


def _labels(corpus: Corpus, labels_paths: tuple[str, ...], model_dir: str | None) -> tuple[dict[str, str], str]:
    """The labels and where they came from (for the summary line)."""
    from annotator.claims.articles import read_pulled_labels
    from annotator.io.labelled import CorpusReport

    if labels_paths:
        report = CorpusReport()
        found = read_pulled_labels(labels_paths, report=report, on_error=_echo_error)
        known = {r["sentence_id"] for r in corpus.rows}
        matched = {sid: label for sid, label in found.items() if sid in known}
        ties = f", {_plural(report.ties, 'tied sentence')} left out" if report.ties else ""
        return (
            matched,
            f"labels from {', '.join(labels_paths)}: {len(matched)} of {len(found)} match these articles{ties}",
        )
    from annotator.claims.ledger import labels_from_model
    from annotator.classifier.artefacts import load_predictor

    model = load_predictor(model_dir)
    return labels_from_model(corpus, model), f"labels from model {model.model_version}"


def _annotation(labels_paths: tuple[str, ...]) -> Any:
    """The agreement figures of the per-annotation rows (files with an ``annotator`` column) among ``labels_paths``;
    None when there are none (``--resolved`` output, or labels from the model)."""
    from annotator.cli._util import read_labels
    from annotator.io.labelled import expand

    frames = [read_labels(str(path)) for path in expand(labels_paths)]
    frames = [f for f in frames if "annotator" in f.columns and f["annotator"].notna().any()]
    if not frames:
        return None
    import pandas as pd

    from annotator.studio.agreement import agreement

    return agreement(pd.concat(frames, ignore_index=True))


def _echo_error(err: Exception) -> None:
    click.echo(f"error: {err}", err=True)


@click.command("ledger", context_settings=CONTEXT)
@input_options
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Ledger JSONL (default: stdout)."
)
@click.option("--profile", "profile", type=click.Path(dir_okay=False),
              help="Per-article profile JSONL (default: next to -o, as NAME.profile.jsonl).")  # fmt: skip
@click.option("--labels", "labels_paths", multiple=True, type=click.Path(exists=True),
              help="`annotator pull` output (repeatable); default: labels from the model.")  # fmt: skip
@click.option("--model", "model_dir", type=click.Path(file_okay=False),
              help="Model directory (default: the shipped models/default).")  # fmt: skip
def ledger(
    paths: tuple[str, ...],
    output: str | None,
    profile: str | None,
    labels_paths: tuple[str, ...],
    model_dir: str | None,
    stdin_format: str | None,
    **kwargs: Any,
) -> None:
    """Build the source-credibility ledger: claims per quoted source, across outlets.

    One JSONL row per canonical source (schemas/ledger.schema.json): source, type, aliases, n_attributed,
    n_unverified, n_contested of the claims credited to it, the outlets and articles that quote it,
    contested_by and contests. The per-article profile (share of each label, share of claims resting on
    anonymous sources; schemas/profile.schema.json) is written next to -o as NAME.profile.jsonl, or to
    --profile. Labels come from --labels (annotator pull output) when given, else from the model.

    Example: annotator ledger data/articles ../shared/seeds -o ledger.jsonl
    """
    from annotator.claims.ledger import build

    corpus, report = _read(paths, stdin_format, kwargs)
    sentence_labels, origin = _labels(corpus, labels_paths, model_dir)
    result = build(corpus, sentence_labels)
    keep = lambda _n: report.articles > 0 or not report.failed  # noqa: E731
    n = write_rows([result.ledger], output, fmt="jsonl", columns=[], commit_if=keep)
    profile_path = _profile_path(output, profile)
    what = f"{_plural(n, 'source')} written{_where(output)}"
    if profile_path:
        m = write_rows([result.profiles], profile_path, fmt="jsonl", columns=[], commit_if=keep)
        what += f", {_plural(m, 'article profile')} to {profile_path}"
    finish(report, f"{what} ({origin})")


@click.command("report", context_settings=CONTEXT)
@input_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.option("--labels", "labels_paths", multiple=True, type=click.Path(exists=True),
              help="`annotator pull` output (repeatable); default: labels from the model.")  # fmt: skip
@click.option("--model", "model_dir", type=click.Path(file_okay=False),
              help="Model directory (default: the shipped models/default).")  # fmt: skip
@click.option("--title", default="Sources and claim drift", show_default=True, help="Title of the page.")
@csv_raw_option
def report(
    paths: tuple[str, ...],
    output: str,
    labels_paths: tuple[str, ...],
    model_dir: str | None,
    title: str,
    csv_raw: bool,
    stdin_format: str | None,
    **kwargs: Any,
) -> None:
    """Write a self-contained HTML report: label mix, source ledger, claim drift, contested claims, and
    with per-annotation --labels the annotation figures.

    One static page (inline CSS, JS and SVG: nothing is fetched when it is opened): the label mix per
    article as a chart, the ledger as a sortable table, drift pairs side by side with the changes
    highlighted, and the contested claims with who contests them. Every table is also written as CSV next
    to it (NAME.label_mix.csv, NAME.ledger.csv, NAME.drift.csv, NAME.contested.csv), with a ClaimReview-style
    JSON export of the contested claims (NAME.claimreview.json, schemas/claimreview.schema.json). When
    --labels holds `annotator pull` rows of several annotations (not --resolved), an Annotation section
    shows the per-annotator figures of `annotator agreement` (NAME.annotators.csv), the confusion between
    annotators, kappa per pair and alpha per label over guideline versions.

    Example: annotator report data/articles ../shared/seeds -o out/report.html
    """
    from annotator.claims.drift import drift_rows
    from annotator.claims.html_report import build_report, write_report
    from annotator.claims.ledger import build

    corpus, read_report = _read(paths, stdin_format, kwargs)
    if read_report.articles == 0:
        finish(read_report, "no report written")
        return
    sentence_labels, origin = _labels(corpus, labels_paths, model_dir)
    annotation = _annotation(labels_paths)
    page = build_report(
        corpus, build(corpus, sentence_labels), drift_rows(corpus), origin=origin, title=title, annotation=annotation
    )
    written = write_report(page, output, csv_raw=csv_raw)
    csvs = sum(1 for p in written if p.suffix == ".csv")
    section = f", an Annotation section ({annotation.annotators} annotators)" if annotation is not None else ""
    finish(
        read_report,
        f"{output} written{section}, with {csvs} CSV tables and a ClaimReview export next to it ({origin})",
    )


# declared types: annotator.cli imports this module while it is itself being imported
drift_cmd: click.Command = drift
ledger_cmd: click.Command = ledger
report_cmd: click.Command = report

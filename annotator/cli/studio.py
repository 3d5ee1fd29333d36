"""Commands for Label Studio: ``studio``, ``push``, ``pull``, ``agreement``. Parse arguments, call the library."""

from __future__ import annotations

import signal
from typing import Any

import click

from annotator.cli._util import (
    CONTEXT,
    columns_from,
    connect,
    connection_options,
    csv_raw_option,
    finish,
    input_options,
    output_format,
    read_labels,
    reading,
    require,
)
from annotator.errors import InputError, StudioError
from annotator.studio.local import (
    CREDENTIALS,
    DEFAULT_DIR,
    DEFAULT_PORT,
    LOOPBACK_WEBHOOKS_WARNING,
    LocalStudio,
    Postgres,
    healthy,
)


@click.command("studio", context_settings=CONTEXT)
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="Port (127.0.0.1)."
)
@click.option(
    "--data-dir", default=DEFAULT_DIR, show_default=True, type=click.Path(file_okay=False), help="Label Studio's data."
)
@click.option("--postgres-host", help="Use PostgreSQL on this host instead of SQLite (for teams).")
@click.option("--postgres-port", default=5432, show_default=True, type=int, help="PostgreSQL port.")
@click.option("--postgres-db", default="labelstudio", show_default=True, help="PostgreSQL database name.")
@click.option("--postgres-user", default="labelstudio", show_default=True, help="PostgreSQL user.")
@click.option(
    "--postgres-password",
    envvar="POSTGRE_PASSWORD",
    show_envvar=True,
    help="PostgreSQL password (visible in `ps` when given as an option: prefer the environment variable).",
)
@click.option(
    "--allow-loopback-webhooks",
    is_flag=True,
    help="Turn Label Studio's SSRF protection off, so that it posts webhooks to a backend on this machine; it then "
    "also fetches any URL a user gives it from this machine's network. Not needed: `annotator serve` polls.",
)
def studio_cmd(
    port: int,
    data_dir: str,
    postgres_host: str | None,
    postgres_port: int,
    postgres_db: str,
    postgres_user: str,
    postgres_password: str | None,
    allow_loopback_webhooks: bool,
) -> None:
    """Start a local Label Studio (SQLite in --data-dir, or PostgreSQL) and keep it running until Ctrl-C.

    The admin login and an API token are generated on first start and stored in DATA_DIR/credentials.json;
    DATA_DIR (with the database, which holds the token too) is readable by you only. Other commands on this
    machine use them when no token is given. Analytics, version checks and error reporting to outside services
    are off; Label Studio's SSRF protection stays on (`annotator serve` polls it for new annotations).

    Example: annotator studio --port 8080 --data-dir .studio
    """
    require("label_studio")
    postgres = None
    if postgres_host:
        postgres = Postgres(postgres_host, postgres_port, postgres_db, postgres_user, postgres_password or "")
    local = LocalStudio(data_dir, port=port, postgres=postgres, allow_loopback_webhooks=allow_loopback_webhooks)
    if allow_loopback_webhooks:
        click.echo(LOOPBACK_WEBHOOKS_WARNING, err=True)
    if healthy(local.url, timeout=0.5):
        raise StudioError(f"something already answers on {local.url}; choose another --port")
    click.echo(f"starting Label Studio on {local.url} (log: {local.log_path}) ...", err=True)
    local.start()

    def _terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # kill (SIGTERM) stops the server as cleanly as Ctrl-C

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)  # even when started as a background job, which ignores SIGINT
    click.echo(f"Label Studio is running at {local.url}", err=True)
    click.echo(f"login and API token: {local.data_dir / CREDENTIALS}; Ctrl-C stops it", err=True)
    try:
        status = local.wait()
    except KeyboardInterrupt:
        click.echo("stopping Label Studio ...", err=True)
        local.stop()
        click.echo("stopped", err=True)
        return
    raise StudioError(f"Label Studio exited with status {status}; see {local.log_path}")


@click.command("push", context_settings=CONTEXT)
@input_options
@click.option("--project", "title", required=True, help="Project title (created if missing).")
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="Model directory (default: the shipped).")
@click.option("--no-model", is_flag=True, help="Push without pre-annotations.")
@click.option("--overlap", type=click.IntRange(min=1), help="Annotators per task (maximum_annotations).")
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(min=1), help="Tasks per request.")
@click.option(
    "--gold",
    "gold_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Labelled sentences (a training corpus or a pulled file) to mix in as gold tasks; repeatable.",
)
@click.option("--gold-seed", default=0, show_default=True, type=int, help="Seed of the gold tasks' positions.")
@connection_options
def push_cmd(
    paths: tuple[str, ...],
    title: str,
    model: str | None,
    no_model: bool,
    overlap: int | None,
    batch_size: int,
    gold_paths: tuple[str, ...],
    gold_seed: int,
    url: str | None,
    token: str | None,
    stdin_format: str | None,
    **kwargs: Any,
) -> None:
    """Split articles into sentences and import them as tasks into a Label Studio project.

    One import request per batch. Sentences already in the project (by sentence_id) are not imported
    again, and annotations are never touched, so re-running is safe. With a model, every task carries
    its prediction (label, score, model_version), tasks already there get the new model's prediction,
    and the project's model_version is set to the model's. To have a running `annotator serve` predict
    as tasks are opened, attach it with `annotator connect`. With --gold, labelled sentences are mixed
    in between articles (seeded positions) as gold tasks: like any other task to annotators, `gold`
    true in the task data for reviewers, the known label in the task's meta (pull's gold_label).

    Example: annotator push data/articles --project "News claims" --overlap 2
    """
    from annotator.classifier.artefacts import load_predictor
    from annotator.studio.sync import push
    from annotator.text.split import iter_rows

    columns = columns_from(kwargs)
    gold = _gold(gold_paths) if gold_paths else None
    predictor = None if no_model else load_predictor(model)
    studio = connect(url, token)
    with reading(paths, columns, stdin_format) as (articles, read_report):
        options: dict[str, Any] = {"overlap": overlap, "batch_size": batch_size, "gold": gold, "gold_seed": gold_seed}
        report = push(studio, iter_rows(articles), title=title, predictor=predictor, **options)
    p = report.project
    if p is None:
        finish(read_report, f"no sentences to push; project {title!r} left as it was")
        raise InputError(", ".join(paths) or "standard input", "no sentences to push")
    preds = f" with predictions of {report.model_version}" if report.model_version else " without predictions"
    added = f"; {report.predictions_added} existing tasks got predictions" if report.predictions_added else ""
    repeated = f", {report.repeated} repeated in the input" if report.repeated else ""
    added += f"; {len(gold)} gold sentences mixed in (counted above)" if gold else ""
    finish(
        read_report,
        f"{report.sentences} sentences, {report.imported} new tasks{preds} in {report.batches} "
        f"request{'s' if report.batches != 1 else ''}, {report.already} already there{repeated}{added}; "
        f"project {p.title!r} (id {p.id}) has {p.task_count} tasks: {studio.url}/projects/{p.id}",
    )


def _gold(paths: tuple[str, ...]) -> list[dict[str, Any]]:
    """Gold tasks from labelled files; the first bad line is an error (a gold label must be right)."""
    from annotator.guideline import guideline
    from annotator.io.labelled import CorpusReport, read_labelled
    from annotator.studio.gold import gold_tasks

    report = CorpusReport()
    frame = read_labelled(paths, report=report)
    if report.errors:
        raise report.errors[0]
    if frame.empty:
        raise InputError(", ".join(paths), "no labelled sentences for --gold")
    return gold_tasks(frame.to_dict("records"), guideline_version=guideline().version)


@click.command("pull", context_settings=CONTEXT)
@click.option("--project", "title", required=True, help="Project title.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Output file (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), help="Default: from -o, else jsonl.")
@csv_raw_option
@click.option(
    "--resolved", is_flag=True, help="One row per sentence: the reviewer's label, else the majority, and its origin."
)
@click.option(
    "--review-project", "review_title", help='Review project to read decisions from (default: "TITLE — review").'
)
@connection_options
def pull_cmd(
    title: str,
    output: str | None,
    fmt: str | None,
    csv_raw: bool,
    resolved: bool,
    review_title: str | None,
    url: str | None,
    token: str | None,
) -> None:
    """Export the labels of a project: one row per annotation (or per sentence with --resolved).

    Columns: sentence_id, text, label, annotator, created_at, updated_at, lead_time, source_span,
    cue_span, note, guideline_version, and the prediction shown (predicted_label, predicted_score,
    model_version), task_id, annotation_id, article_id, gold_label (the known label of a gold task) and
    review_label (the decision in the review project, see `annotator review`). With --resolved, the
    label is the reviewer's when there is one, else the majority; origin says which (review,
    majority, unanimous, tie: no label). Skipped annotations are reported, not counted as labels. Uses
    an export snapshot; the output file is written atomically.

    Example: annotator pull --project "News claims" -o labels.parquet
    """
    from annotator.io.write import write_rows
    from annotator.studio.sync import pull
    from annotator.studio.tasks import ANNOTATION_COLUMNS, COLUMN_TYPES, RESOLVED_COLUMNS

    fmt = output_format(output, fmt)
    result = pull(connect(url, token), title, resolved=resolved, review_title=review_title)
    columns = RESOLVED_COLUMNS if resolved else ANNOTATION_COLUMNS
    import pyarrow as pa

    types = {name: pa.type_for_alias(alias) for name, alias in COLUMN_TYPES.items()}
    n = write_rows([result.rows], output, fmt=fmt, columns=columns, types=types, csv_raw=csv_raw)
    r = result.report
    where = f" to {output}" if output and output != "-" else ""
    what = "sentences" if resolved else "annotations"
    skipped = f"; {r.cancelled} skipped annotation{'s' if r.cancelled != 1 else ''} not counted" if r.cancelled else ""
    unlabelled = f"; {r.unlabelled} without a label" if r.unlabelled else ""
    n_dec = result.decided
    decided = f"; {n_dec} decision{'s' if n_dec != 1 else ''} in {result.review.title!r}" if result.review else ""
    click.echo(
        f"{r.tasks} annotated tasks, {r.annotations} annotations: {n} {what} written{where}{skipped}{unlabelled}"
        f"{decided}",
        err=True,
    )
    if result.orphaned:
        kept = "kept with n_annotations 0" if resolved else "not in this output (use --resolved to keep them)"
        click.echo(
            f"warning: {len(result.orphaned)} decision{'s are' if len(result.orphaned) != 1 else ' is'} for "
            f"sentences no longer annotated in {title!r} "
            f"(task deleted?): {kept}",
            err=True,
        )


@click.command("agreement", context_settings=CONTEXT)
@click.option("--project", "title", help="Project title (pulls its labels).")
@click.argument("labels_file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--disagreements", type=click.Path(dir_okay=False), help="Write every disagreement here (csv/jsonl).")
@click.option(
    "--annotators",
    "annotators_path",
    type=click.Path(dir_okay=False),
    help="Write the per-annotator table here (csv/jsonl/parquet; schemas/annotators.schema.json).",
)
@csv_raw_option
@connection_options
def agreement_cmd(
    title: str | None,
    labels_file: str | None,
    disagreements: str | None,
    annotators_path: str | None,
    csv_raw: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Agreement between annotators: Krippendorff's alpha overall, per label and per guideline version,
    Cohen's kappa per pair, per-annotator quality, the confusion between annotators, and the sentences to
    adjudicate.

    Reads a project (--project) or a file written by `annotator pull` (jsonl, csv or parquet). Per
    annotator: annotations, skipped (with --project), kappa against the other annotators (pooled over
    shared sentences), agreement with the reviewed decision (review_label), with the model's label shown
    (predicted_label) and with gold tasks (gold_label), and the median lead_time; n/a where the rows lack
    the column.

    Example: annotator agreement --project "News claims" --disagreements adjudicate.csv --annotators annotators.csv
    """
    import pandas as pd

    from annotator.io.write import format_for, write_rows
    from annotator.studio.agreement import agreement, summary
    from annotator.studio.annotators import ANNOTATOR_COLUMNS, ANNOTATOR_TYPES, records

    if bool(title) == bool(labels_file):
        raise InputError("agreement", "give either --project TITLE or a labels file, not both or neither")
    skipped = None
    if title:
        require("label_studio_sdk", command="annotator agreement --project")
        from annotator.studio.sync import pull

        pulled = pull(connect(url, token), title)
        rows, skipped = pd.DataFrame(pulled.rows), dict(pulled.report.skipped_by)
    else:
        rows = read_labels(str(labels_file))
    result = agreement(rows, skipped=skipped)
    click.echo(summary(result, more=" (use --disagreements FILE for all)"))
    if disagreements:
        out = result.disagreements.astype(object).where(result.disagreements.notna(), None)
        records_ = [{str(k): v for k, v in row.items()} for row in out.to_dict("records")]
        columns = [str(c) for c in out.columns]
        write_rows([records_], disagreements, fmt=format_for(disagreements, None), columns=columns, csv_raw=csv_raw)
        click.echo(f"{len(out)} disagreements written to {disagreements}", err=True)
    if annotators_path:
        table = records(result.per_annotator)
        fmt = format_for(annotators_path, None)
        write_rows([table], annotators_path, fmt=fmt, columns=ANNOTATOR_COLUMNS, csv_raw=csv_raw, types=ANNOTATOR_TYPES)
        click.echo(f"{len(table)} annotator{'s' if len(table) != 1 else ''} written to {annotators_path}", err=True)


__all__ = ["agreement_cmd", "pull_cmd", "push_cmd", "studio_cmd"]

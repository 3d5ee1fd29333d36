"""Commands for live pre-annotation: ``serve`` (the ML backend) and ``connect`` (attach it to a project).
Parse arguments, call the library.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from annotator.cli._serve import (
    credentials,
    hosts_for,
    log_to_stderr,
    poller_for,
    project_check,
    retrainer_for,
    studio_to_retrain_from,
)
from annotator.cli._util import (
    CONTEXT,
    columns_from,
    connect,
    connection_options,
    csv_raw_option,
    finish,
    input_options,
    output_format,
    parse_auth,
    reading,
    require,
)
from annotator.errors import InputError, StudioError

DEFAULT_MODELS_DIR = "models/live"
UNCERTAINTY_SAMPLING = "Uncertainty sampling"  # Label Studio's name: next task = lowest prediction score
#: thread-count variables of the BLAS libraries numpy may be built with (as Dask sets them for its workers)
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@click.command("serve", context_settings=CONTEXT)
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="Model directory (default: the shipped).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=9090, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--basic-auth",
    envvar="ANNOTATOR_BACKEND_AUTH",
    show_envvar=True,
    metavar="USER:PASS",
    help="Require these credentials instead of the generated secret (--models-dir/backend-token).",
)
@click.option("--no-auth", is_flag=True, help="Require no credentials (only with --host 127.0.0.1).")
@click.option(
    "--allow-host", "allowed_hosts", multiple=True, metavar="NAME", help="Another Host to accept (repeatable)."
)
@connection_options
@click.option(
    "--seed",
    "seed_paths",
    multiple=True,
    type=click.Path(),
    help="Labelled sentences always trained on, with the project's labels (repeatable). Default: the seed corpus "
    "shipped with annotator (data/train).",
)
@click.option(
    "--models-dir",
    default=DEFAULT_MODELS_DIR,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where retrained models are saved, one directory per version.",
)
@click.option(
    "--retrain-every",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="Retrain after this many new or updated annotations.",
)
@click.option("--no-retrain", is_flag=True, help="Only predict; ignore annotation events and START_TRAINING.")
@click.option(
    "--poll-seconds",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Ask Label Studio this often for new annotations of the served projects (0: rely on webhooks only; "
    "Label Studio's SSRF guard keeps it from posting webhooks to a backend on this machine).",
)
@click.option(
    "--refresh/--no-refresh",
    default=True,
    show_default=True,
    help="After a retraining, re-predict the project's tasks that lack the new model's prediction.",
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
def serve_cmd(
    model: str | None,
    host: str,
    port: int,
    basic_auth: str | None,
    no_auth: bool,
    allowed_hosts: tuple[str, ...],
    url: str | None,
    token: str | None,
    seed_paths: tuple[str, ...],
    models_dir: str,
    retrain_every: int,
    no_retrain: bool,
    poll_seconds: float,
    refresh: bool,
    log_level: str,
) -> None:
    """Run the ML backend Label Studio asks for predictions and sends annotations to.

    Predicts the label, Source and Cue spans of each task's sentence (POST /predict), and retrains in the
    background as annotations arrive (POST /webhook), on the project's labels plus the seed corpus; each new model
    is saved under --models-dir/<version> and swapped in without stopping predictions, and the project's
    model_version is set to it (and the project's other tasks are predicted again, unless --no-refresh).
    Retraining reads the project's labels from Label Studio (--url/--token, or the local `annotator studio`);
    with none to reach, or with --no-retrain, the backend only predicts. Attach it to a project with
    `annotator connect`.

    Every endpoint but /health needs user "annotator" and the secret in --models-dir/backend-token (made on the
    first start, 0600, never printed; `annotator connect` enters them). Requests must name 127.0.0.1 or --host.

    Example: annotator serve --port 9090 --url http://127.0.0.1:8080 --token-file ~/.label-studio-token
    """
    require("starlette", "uvicorn")
    from annotator.backend.app import ModelHolder, Settings, create_app, serve
    from annotator.classifier.artefacts import load_predictor

    log_to_stderr(log_level)
    models = Path(models_dir)
    auth, note = credentials(basic_auth, no_auth, host, models)
    predictor = load_predictor(model)
    holder = ModelHolder(predictor)
    studio = None if no_retrain else studio_to_retrain_from(url, token)
    with contextlib.ExitStack() as stack:  # once started, the training process stops however serve ends
        retrainer = studio and retrainer_for(
            holder, studio, seed_paths, models, retrain_every, auth=auth, refresh=refresh
        )
        if retrainer is not None:
            stack.callback(retrainer.close)
        settings = Settings(basic_auth=auth, hosts=hosts_for(host, allowed_hosts), port=port)
        app = create_app(holder, settings, trainer=retrainer, project_exists=studio and project_check(studio))
        poller = poller_for(studio, retrainer, app, poll_seconds)
        if poller is not None:
            stack.callback(poller.close)  # before the retrainer it feeds
        mode = f"retraining every {retrain_every} annotations" if retrainer else "predicting only"
        how = f" (polling for them every {poll_seconds:g} s)" if poller else ""
        click.echo(f"serving model {predictor.model_version} on http://{host}:{port}, {mode}{how}\n{note}", err=True)
        serve(app, host=host, port=port, log_level=log_level)


@click.command("connect", context_settings=CONTEXT)
@click.option("--project", "title", required=True, help="Project title.")
@click.option("--backend", "backend_url", required=True, help="URL of the running `annotator serve`.")
@click.option(
    "--basic-auth", envvar="ANNOTATOR_BACKEND_AUTH", show_envvar=True, metavar="USER:PASS", help="If serve has it."
)
@click.option(
    "--backend-token-file",
    type=click.Path(dir_okay=False),
    default=f"{DEFAULT_MODELS_DIR}/backend-token",
    show_default=True,
    help="The backend's secret (serve's --models-dir/backend-token); not used with --basic-auth or when missing.",
)
@click.option(
    "--uncertainty-sampling",
    is_flag=True,
    help="Also set the project's task sampling to uncertainty sampling: lowest prediction score (priority) first.",
)
@connection_options
def connect_cmd(
    title: str,
    backend_url: str,
    basic_auth: str | None,
    backend_token_file: str,
    uncertainty_sampling: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Attach a running backend to a project: Label Studio then asks it for a prediction when a task is opened and
    sends it annotation events. The backend is titled with its model version, which becomes the project's
    model_version too (Label Studio shows only the predictions of the project's version).

    Example: annotator connect --project "News sentences" --backend http://127.0.0.1:9090
    """
    studio = connect(url, token)
    project = studio.find_project(title)
    if project is None:
        raise StudioError(f"no project titled {title!r}; create it with `annotator push`")
    from annotator.backend.guard import read_credentials

    auth = parse_auth(basic_auth) or read_credentials(backend_token_file)
    version = studio.connect_backend(project.id, backend_url, basic_auth=auth)
    if uncertainty_sampling:
        studio.update_project(project.id, sampling=UNCERTAINTY_SAMPLING)
    click.echo(f"project {title!r} (id {project.id}) now uses the backend at {backend_url}, model {version}", err=True)


@click.command("prelabel", context_settings=CONTEXT)
@input_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Output file (default: stdout).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet", "label-studio"]),
    help="Default: from -o's suffix, else jsonl. label-studio: a JSON list of tasks with predictions to import.",
)
@csv_raw_option
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="Model directory (default: the shipped).")
@click.option(
    "--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True, help="Where to run."
)
@click.option(
    "--workers", type=click.IntRange(min=1), help="Processes (local: default all cores; dask LocalCluster: default 2)."
)
@click.option("--scheduler", metavar="ADDRESS", help="Use the Dask cluster at this scheduler (tcp://host:8786).")
@click.option(
    "--chunk-size", default=256, show_default=True, type=click.IntRange(min=1), help="Articles per partition."
)
@click.option("--memory-budget", "memory_mb", default=2048, show_default=True, type=click.IntRange(min=64),
              help="MB for all workers: partitions are cut by size too (a huge article at paragraphs).")  # fmt: skip
def prelabel_cmd(
    paths: tuple[str, ...],
    output: str | None,
    fmt: str | None,
    csv_raw: bool,
    model: str | None,
    engine: str,
    workers: int | None,
    scheduler: str | None,
    chunk_size: int,
    memory_mb: int,
    stdin_format: str | None,
    **kwargs: Any,
) -> None:
    """Split articles into sentences and predict each one's label, Source and Cue spans, streaming.

    One row per sentence: the split columns, then label, score (calibrated confidence), scores (per label),
    model_version, source_spans and cue_spans (end-exclusive character offsets into the sentence) and priority
    (the labelling order: sort ascending). With --format label-studio, a JSON list of tasks with predictions
    (score = priority) that Label Studio imports as it is. Memory stays flat however large the corpus; the output
    file appears only once complete.

    Example: annotator prelabel corpus/ -o predictions.parquet --engine dask --workers 2
    """
    import gc
    import time

    _one_blas_thread()
    from annotator.prelabel.engines import run

    chosen = _engine(engine, workers, scheduler)
    job = _job(output, fmt, csv_raw=csv_raw)
    columns = columns_from(kwargs)
    started = time.perf_counter()
    with reading(paths, columns, stdin_format) as (articles, report):
        parts, predictor = run(
            articles,
            engine=chosen,
            job=job,
            model_dir=model,
            chunk_size=chunk_size,
            memory_budget=memory_mb << 20,
        )
        # what is loaded by now (modules, the model) lives until the end: the cycle collector need not scan it
        # again and again (undone below, for a caller that runs commands in its own process)
        gc.freeze()
        try:
            summary = _write(parts, output, job.fmt, predictor, commit=lambda: report.articles > 0 or not report.failed)
        finally:
            parts.close()
            gc.unfreeze()
    seconds = time.perf_counter() - started
    where = f" to {output}" if output and output != "-" and (report.articles or not report.failed) else ""
    name = Path(model).name if model else "default"
    finish(
        report,
        f"{summary.sentences} sentence{'s' if summary.sentences != 1 else ''} labelled by model {name} "
        f"{predictor.model_version} in {seconds:.1f} s{where}",
    )


def _engine(engine: str, workers: int | None, scheduler: str | None) -> Any:
    """The engine ``--engine``, ``--workers`` and ``--scheduler`` ask for, checked."""
    from annotator.prelabel.engines import Engine

    if scheduler and engine != "dask":
        raise InputError("--scheduler", "needs --engine dask")
    if engine == "dask":
        require("dask", "distributed", command="annotator prelabel --engine dask")
    return Engine(engine, workers, scheduler)


def _one_blas_thread() -> None:
    """Parallel by processes, one per core: a BLAS thread pool per process only oversubscribes the cores, and
    starting one costs every process (and every worker it spawns) 70 ms of CPU. Before numpy is imported."""
    import os

    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def _job(output: str | None, fmt: str | None, *, csv_raw: bool) -> Any:
    """The prelabel job for ``--format`` (default: from the output's suffix) and ``--csv-raw``."""
    from annotator.prelabel.engines import Job

    fmt = output_format(output, fmt)
    if fmt == "label-studio":
        from annotator.guideline import guideline

        return Job(fmt=fmt, guideline_version=guideline().version)
    return Job(fmt=fmt, csv_raw=csv_raw)


def _write(parts: Any, output: str | None, fmt: str, predictor: Any, *, commit: Callable[[], bool]) -> Any:
    """Write the predicted parts as they come, with a progress bar on a terminal; the summary."""
    from annotator.prelabel.engines import write

    bar = _progress_bar()

    def progress() -> Any:
        for part in parts:
            if bar is not None:
                bar.update(part.sentences)
            yield part

    try:
        return write(progress(), output, fmt=fmt, model=predictor, commit_if=lambda _s: commit())
    finally:
        if bar is not None:
            bar.close()


def _progress_bar() -> Any:
    """A tqdm bar in sentences per second on a terminal's standard error; None elsewhere (tqdm is not imported)."""
    import sys

    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(unit=" sentences", unit_scale=True, desc="prelabel", leave=False)

"""Commands for the classifier: ``train``, ``evaluate``, ``audit`` (registered in :mod:`annotator.cli`;
``prelabel`` is in :mod:`annotator.cli.live`)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from annotator.cli._util import CONTEXT, connection_options, csv_raw_option, output_format, seed_frame
from annotator.errors import InputError, ModelError
from annotator.io.labelled import HELD_OUT_TOPICS


def _echo_error(err: InputError) -> None:
    click.echo(f"error: {err}", err=True)


def _read(data: tuple[str, ...]) -> tuple[Any, Any]:
    from annotator.io.labelled import CorpusReport, read_labelled

    report = CorpusReport()
    frame = read_labelled(data, report=report, on_error=_echo_error)
    if frame.empty:
        raise ModelError(f"no labelled sentences in {', '.join(data)}" + ("" if report.errors else " (no rows)"))
    return frame, report


def _read_summary(report: Any) -> str:
    parts = [f"{report.rows} labelled sentences from {report.files} file{'s' if report.files != 1 else ''}"]
    if report.annotations:
        by = f"{report.reviewed} by a reviewer's decision, the rest by majority" if report.reviewed else "by majority"
        parts.append(f"{report.annotations} annotations resolved {by}")
    if report.ties:
        parts.append(f"{report.ties} tied sentences left out")
    if report.skipped:
        parts.append(f"{report.skipped} skipped annotations")
    if report.errors:
        parts.append(f"{len(report.errors)} bad line{'s' if len(report.errors) != 1 else ''} left out")
    return ", ".join(parts)


@click.command("train", context_settings=CONTEXT)
@click.argument("data", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out",
    default="models/default",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Model directory to write (model.skops and card.json).",
)
@click.option(
    "--hold-out",
    default=",".join(HELD_OUT_TOPICS),
    show_default=True,
    help="Comma-separated topics held out of training and evaluated on the card; 'none' trains on everything.",
)
@click.option(
    "--c",
    "c",
    type=click.FloatRange(min=0, min_open=True),
    help="Inverse regularisation strength of the logistic regression (default: annotator.classifier.training.C, 10).",
)
@click.option("--char-ngrams", is_flag=True, help="Add character 3- to 5-grams to the features (slower, see README).")
def train_cmd(data: tuple[str, ...], out: str, hold_out: str, c: float | None, char_ngrams: bool) -> None:
    """Train the classifier on labelled sentences and save it with its model card.

    DATA: the seed corpus (JSONL/CSV rows with text, label, topic, article_id; schemas/train.schema.json) or
    `annotator pull` output (one row per annotation, resolved by majority), files or directories. The held-out
    topics are never trained on; their metrics go on the card. Bad lines are named on stderr and left out,
    the rest is trained on, and the exit status is 1.

    Example: annotator train data/train --out models/default
    """
    from annotator.classifier import artefacts
    from annotator.classifier.training import C, train_corpus
    from annotator.io.labelled import expand

    frame, report = _read(data)
    topics = [] if hold_out.strip().lower() in ("", "none") else [t.strip() for t in hold_out.split(",") if t.strip()]
    result = train_corpus(
        frame, held_out_topics=topics, c=c or C, chars=char_ngrams, sources=[str(p) for p in expand(data)]
    )
    card = artefacts.save(result.pipeline, out, result.card)
    held = card["held_out"]
    if held["metrics"]:
        m = held["metrics"]
        per_label = ", ".join(f"{k} {v['f1']:.3f}" for k, v in m["per_label"].items())
        scores = (
            f"held-out topics {', '.join(held['topics'])} ({held['rows']} sentences): macro-F1 {m['macro_f1']:.3f} "
            f"({per_label}), ECE {m['ece']:.3f}"
        )
    else:
        scores = "no held-out rows (nothing evaluated)"
    click.echo(f"read {_read_summary(report)}", err=True)
    click.echo(
        f"trained on {card['training_data']['rows']} sentences; {scores}; saved {out} (version {card['version']})",
        err=True,
    )
    if report.errors:
        sys.exit(1)


def _table(metrics: dict[str, Any]) -> str:
    lines = [f"{'label':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}"]
    for label, m in metrics["per_label"].items():
        lines.append(f"{label:<12} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>7.3f} {m['support']:>8}")
    lines.append(
        f"macro-F1 {metrics['macro_f1']:.3f}   accuracy {metrics['accuracy']:.3f}   "
        f"expected calibration error {metrics['ece']:.3f}   n {metrics['n']}"
    )
    labels = metrics["confusion"]["labels"]
    width = max(12, *(len(x) + 1 for x in labels))
    lines.append("confusion (rows: true label, columns: predicted)")
    lines.append(" " * width + "".join(f"{x:>{width}}" for x in labels))
    for label, row in zip(labels, metrics["confusion"]["matrix"], strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{v:>{width}}" for v in row))
    return "\n".join(lines)


def _errors(model: Any, texts: list[str], y: list[str], articles: list[Any], proba: Any) -> dict[str, Any]:
    """The wrong labels by kind (:func:`annotator.classifier.error_kinds.error_summary`)."""
    from annotator.classifier.error_kinds import error_summary

    predicted = [model.classes[i] for i in proba.argmax(axis=1).tolist()]
    return error_summary(y, predicted, model.compiled.analyse(texts, articles), texts)


@click.command("evaluate", context_settings=CONTEXT)
@click.argument("data", nargs=-1, required=True, type=click.Path())
@click.option("--model", "model_dir", type=click.Path(), help="Model directory (default: the shipped model).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Also write the results as JSON.")
@click.option(
    "--folds",
    default=5,
    show_default=True,
    type=click.IntRange(min=0),
    help="Cross-validation folds grouped by article_id (retraining the model's pipeline); 0: none.",
)
@click.option(
    "--errors",
    "show_errors",
    is_flag=True,
    help="Also count the wrong labels by kind (such as 'dispute cue outweighed'): kind, count, share of errors.",
)
def evaluate_cmd(
    data: tuple[str, ...], model_dir: str | None, report_path: str | None, folds: int, show_errors: bool
) -> None:
    """Evaluate a model on labelled sentences: per-label precision/recall/F1, macro-F1, confusion matrix,
    expected calibration error, and cross-validation grouped by article. Each sentence is read in its article
    (the rows' article_id, in file order). With --errors, the wrong labels counted by kind.

    Example: annotator evaluate data/train --model models/default --report evaluation.json
    """
    from annotator.classifier.artefacts import load_model
    from annotator.classifier.error_kinds import format_summary
    from annotator.classifier.training import cross_validate, metrics
    from annotator.io.atomic import atomic_path
    from annotator.io.labelled import data_hash, expand

    model = load_model(model_dir)
    frame, report = _read(data)
    texts, y, articles = frame["text"].tolist(), frame["label"].tolist(), frame["article_id"].tolist()
    proba = model.predict_proba(texts, articles=articles)
    result: dict[str, Any] = {
        "model": {"path": str(model_dir or "default"), "version": model.model_version},
        "data": {"files": [str(p) for p in expand(data)], "rows": len(frame), "sha256": data_hash(frame)},
        "metrics": metrics(y, proba, list(model.classes)),
        "cross_validation": None,
    }
    out = [f"model {model.model_version} on {len(frame)} sentences", _table(result["metrics"])]
    if show_errors:
        result["errors"] = _errors(model, texts, y, articles, proba)
        out.append(format_summary(result["errors"]))
    if folds >= 2:
        cv = cross_validate(texts, y, frame["article_id"].tolist(), pipeline=model.pipeline, folds=folds)
        result["cross_validation"] = cv
        out.append(
            f"cross-validation, {cv['folds']} folds grouped by article_id (the model's pipeline retrained): "
            f"macro-F1 {cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f}, ECE {cv['ece_mean']:.3f}"
        )
    click.echo("\n".join(out))
    if report_path:
        with atomic_path(report_path) as tmp:
            tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(
        f"read {_read_summary(report)}" + (f"; report written to {report_path}" if report_path else ""), err=True
    )
    if report.errors:
        sys.exit(1)


def _audit_studio(data: tuple[str, ...], title: str | None, review: bool, url: str | None, token: str | None) -> Any:
    """The connection ``audit --project`` needs (None for files), after checking the options go together."""
    if bool(title) == bool(data):
        raise InputError("audit", "give either labelled files or --project TITLE, not both or neither")
    if review and not title:
        raise InputError("--review", "needs --project TITLE (review tasks are made from a project's tasks)")
    if not title:
        return None
    from annotator.cli._util import connect, require

    require("label_studio_sdk", command="annotator audit --project")
    return connect(url, token)


def _audit_rows(data: tuple[str, ...], title: str | None, studio: Any) -> tuple[Any, Any]:
    """The annotations to audit (one row each) and the read report (None for a project)."""
    import pandas as pd

    from annotator.io.labelled import CorpusReport, read_annotations

    if title:
        from annotator.studio.sync import pull

        rows = pd.DataFrame(pull(studio, title).rows)
        if rows.empty:
            raise InputError(title, "the project has no annotations to audit")
        return rows, None
    report = CorpusReport()
    rows = read_annotations(data, report=report, on_error=_echo_error)
    if rows.empty:
        raise ModelError(f"no labelled sentences in {', '.join(data)}" + ("" if report.errors else " (no rows)"))
    return rows, report


def _audit_read_summary(report: Any) -> str:
    parts = [f"{report.rows} labelled rows from {report.files} file{'s' if report.files != 1 else ''}"]
    if report.skipped:
        parts.append(f"{report.skipped} skipped annotations")
    if report.errors:
        parts.append(f"{len(report.errors)} bad line{'s' if len(report.errors) != 1 else ''} left out")
    return ", ".join(parts)


def _audit_summary(oof: Any, flagged: Any, top: int, where: str) -> str:
    what = "annotations" if "annotator" in flagged.columns else "labels"
    groups = "groups of sentences" if oof.grouped_by.startswith("sentence") else "groups of articles"
    lines = [
        f"audited {len(oof.rows)} {what} of {oof.sentences} sentences in {oof.groups} {groups} ({oof.folds} folds "
        f"grouped by {oof.grouped_by}): {len(flagged)} probably wrong ({len(flagged) / len(oof.rows):.1%}){where}"
        + (f"; {oof.unlabelled} without a label left out" if oof.unlabelled else "")
    ]
    for row in flagged.head(top).to_dict("records"):
        by = f" by {row['annotator']}" if row.get("annotator") else ""
        text = row["text"] if len(row["text"]) <= 70 else row["text"][:69] + "…"
        lines.append(f"{row['rank']:>4}. {row['reason']}{by}: {text}")
    return "\n".join(lines)


@click.command("audit", context_settings=CONTEXT)
@click.argument("data", nargs=-1, type=click.Path())
@click.option("--project", "title", help="Audit the annotations of this Label Studio project instead of files.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Output file (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), help="Default: from -o, else jsonl.")
@csv_raw_option
@click.option(
    "--folds", default=5, show_default=True, type=click.IntRange(min=2), help="Cross-validation folds (by article)."
)
@click.option(
    "--random-state", default=0, show_default=True, type=int, help="Seed of the assignment of articles to folds."
)
@click.option(
    "--seed",
    "seed_paths",
    multiple=True,
    type=click.Path(),
    help="Labelled sentences added to every fold's training, never audited (repeatable). Default: the seed corpus "
    "shipped with annotator (data/train); its sentences that are also audited are left out of it.",
)
@click.option("--no-seed", is_flag=True, help="Train the folds on the audited rows only.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(min=0), help="Flagged rows shown on stderr.")
@click.option("--review", is_flag=True, help="With --project: add the flagged sentences to its review project.")
@click.option("--review-project", "review_title", help='Review project title (default: "TITLE — review").')
@connection_options
def audit_cmd(
    data: tuple[str, ...],
    title: str | None,
    output: str | None,
    fmt: str | None,
    csv_raw: bool,
    folds: int,
    random_state: int,
    seed_paths: tuple[str, ...],
    no_seed: bool,
    top: int,
    review: bool,
    review_title: str | None,
    url: str | None,
    token: str | None,
) -> None:
    """Find labels that are probably wrong, with confident learning on out-of-fold probabilities.

    DATA: `annotator pull` output (one row per annotation: each annotator's label is judged) or labelled
    sentences (the seed corpus format), files or directories; or --project TITLE. A cross-validation grouped
    by article trains the `annotator train` pipeline on the other articles and predicts each sentence; the
    labels the predictions confidently contradict are flagged, most probably wrong first: rank, sentence_id,
    annotator, article_id, text, label, suggested_label, self_confidence (the model's probability of the
    given label), suggested_score and reason (schemas/audit.schema.json). Written to -o (atomically) or stdout.

    With --project and --review, the flagged sentences also become tasks of the project's review project
    (`annotator review`), beside its disagreements, with the reason as the task's `reason`.

    Example: annotator audit labels.jsonl -o audit.csv
    """
    import pyarrow as pa

    from annotator.classifier.audit import COLUMN_TYPES, flagged, out_of_fold
    from annotator.io.write import write_rows

    fmt = output_format(output, fmt)
    studio = _audit_studio(data, title, bool(review or review_title), url, token)
    rows, report = _audit_rows(data, title, studio)
    oof = out_of_fold(rows, folds=folds, seed=random_state, extra=seed_frame(seed_paths, no_seed))
    found = flagged(oof)
    columns = [str(c) for c in found.columns]
    records = [{str(k): v for k, v in row.items()} for row in found.to_dict("records")]
    types = {name: pa.type_for_alias(alias) for name, alias in COLUMN_TYPES.items()}
    write_rows([records], output, fmt=fmt, columns=columns, types=types, csv_raw=csv_raw)
    where = f", written to {output}" if output and output != "-" else ""
    if report is not None:
        click.echo(f"read {_audit_read_summary(report)}", err=True)
    click.echo(_audit_summary(oof, found, top, where), err=True)
    if review or review_title:
        from annotator.cli.review import run_review

        run_review(studio, str(title), review_title=review_title, model=None, no_model=False, flagged=found)
    if report is not None and report.errors:
        sys.exit(1)

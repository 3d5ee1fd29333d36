"""Commands for the classifier: ``train``, ``evaluate`` (registered in :mod:`annotator.cli`; ``prelabel`` is in
:mod:`annotator.cli.live`)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from annotator.cli._util import CONTEXT
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

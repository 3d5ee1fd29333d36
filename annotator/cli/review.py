"""The ``review`` command: build a project's review project for adjudication. Parses arguments, calls the library."""

from __future__ import annotations

from typing import Any

import click

from annotator.cli._util import CONTEXT, connect, connection_options, seed_frame


@click.command("review", context_settings=CONTEXT)
@click.option("--project", "title", required=True, help="Title of the labelled project.")
@click.option("--review-project", "review_title", help='Review project title (default: "TITLE — review").')
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="Model directory (default: the shipped).")
@click.option("--no-model", is_flag=True, help="Review tasks without the model's prediction.")
@click.option(
    "--include-flagged",
    is_flag=True,
    help="Also review the annotations `annotator audit` finds probably wrong (a cross-validation on the project's "
    "labels plus the shipped seed corpus: a minute on a large project).",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2), help="With --include-flagged.")
@click.option("--random-state", default=0, show_default=True, type=int, help="With --include-flagged.")
@connection_options
def review_cmd(
    title: str,
    review_title: str | None,
    model: str | None,
    no_model: bool,
    include_flagged: bool,
    folds: int,
    random_state: int,
    url: str | None,
    token: str | None,
) -> None:
    """Create or update a review project holding every sentence whose annotators disagree.

    Each review task shows the sentence with its context and, as pre-annotations named by annotator
    (one tab each in the editor opened from the Data Manager), every annotator's label and spans, plus
    the model's prediction. The reviewer's annotation is the decision, which `annotator pull --resolved`
    uses. The review project has the project's label config and guideline (same hotkeys). Re-running
    adds new disagreements only: a review task with an annotation is never changed, none is deleted.
    With one annotator only, or no disagreement, nothing is created (exit status 0). With
    --include-flagged, the sentences of annotations that `annotator audit` flags are reviewed too, their
    reason in the task's `reason` field.

    Example: annotator review --project "News claims"
    """
    studio = connect(url, token)
    flagged = _flagged(studio, title, folds, random_state) if include_flagged else None
    run_review(studio, title, review_title=review_title, model=model, no_model=no_model, flagged=flagged)


def _flagged(studio: Any, title: str, folds: int, random_state: int) -> Any:
    """The project's annotations that confident learning flags (``annotator audit --project``)."""
    import pandas as pd

    from annotator.classifier.audit import audit
    from annotator.studio.sync import pull

    rows = pd.DataFrame(pull(studio, title).rows)
    if rows.empty:
        return None  # review() says the project has no annotations
    found = audit(rows, folds=folds, seed=random_state, extra=seed_frame((), False))
    click.echo(f"audit: {len(found)} of {len(rows)} annotations probably wrong", err=True)
    return found


def run_review(
    studio: Any, title: str, *, review_title: str | None, model: str | None, no_model: bool, flagged: Any
) -> None:
    """Build or update the review project and say what was done (``review`` and ``audit --review``)."""
    from annotator.classifier.artefacts import load_predictor
    from annotator.studio.review import review

    predictor = None if no_model else load_predictor(model)
    report = review(studio, title, review_title=review_title, predictor=predictor, flagged=flagged)
    n = len(report.annotators)
    who = f"{n} annotator{'s' if n != 1 else ''}"
    head = f"{report.annotated} annotated sentences by {who}, {report.disagreements} with disagreements"
    if flagged is not None:
        head += f", {report.flagged} flagged by the audit"
        if report.flagged_unknown:
            head += f" ({report.flagged_unknown} flagged ids not in the project)"
    if report.review_project is None:
        why = f"only one annotator ({report.annotators[0]})" if n == 1 else "no disagreement"
        why += " and nothing flagged" if flagged is not None else ""
        click.echo(f"{head}: nothing to review ({why}); no review project created", err=True)
        return
    p = report.review_project
    for count, warning in (
        (report.foreign, "of the review project not made by `annotator review` (left alone)"),
        (report.orphaned, "for sentences no longer annotated in the project (kept as they are)"),
    ):
        if count:
            click.echo(f"warning: {count} review task{'s' if count != 1 else ''} {warning}", err=True)
    made = "created" if report.created_project else "updated"
    added = f"; {report.predictions_added} predictions added to undecided tasks" if report.predictions_added else ""
    added += f"; {report.refreshed} undecided tasks got the votes of now" if report.refreshed else ""
    click.echo(
        f"{head}: {report.added} new review tasks, {report.already} already there ({report.decided} decided)"
        f"{added}; review project {p.title!r} (id {p.id}) {made}, {p.task_count} tasks: {studio.url}/projects/{p.id}",
        err=True,
    )

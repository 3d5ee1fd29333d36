"""The ``review`` command: build a project's review project for adjudication. Parses arguments, calls the library."""

from __future__ import annotations

import click

from annotator.cli._util import CONTEXT, connect, connection_options


@click.command("review", context_settings=CONTEXT)
@click.option("--project", "title", required=True, help="Title of the labelled project.")
@click.option("--review-project", "review_title", help='Review project title (default: "TITLE — review").')
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="Model directory (default: the shipped).")
@click.option("--no-model", is_flag=True, help="Review tasks without the model's prediction.")
@connection_options
def review_cmd(
    title: str,
    review_title: str | None,
    model: str | None,
    no_model: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Create or update a review project holding every sentence whose annotators disagree.

    Each review task shows the sentence with its context and, as pre-annotations named by annotator
    (one tab each in the editor opened from the Data Manager), every annotator's label and spans, plus
    the model's prediction. The reviewer's annotation is the decision, which `annotator pull --resolved`
    uses. The review project has the project's label config and guideline (same hotkeys). Re-running
    adds new disagreements only: a review task with an annotation is never changed, none is deleted.
    With one annotator only, or no disagreement, nothing is created (exit status 0).

    Example: annotator review --project "News claims"
    """
    from annotator.classifier.artefacts import load_predictor
    from annotator.studio.review import review

    predictor = None if no_model else load_predictor(model)
    studio = connect(url, token)
    report = review(studio, title, review_title=review_title, predictor=predictor)
    n = len(report.annotators)
    who = f"{n} annotator{'s' if n != 1 else ''}"
    head = f"{report.annotated} annotated sentences by {who}, {report.disagreements} with disagreements"
    if report.review_project is None:
        why = f"only one annotator ({report.annotators[0]})" if n == 1 else "no disagreement"
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

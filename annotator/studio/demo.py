"""``make demo``: a local Label Studio with the sample articles as tasks, ready to label in the browser.

Starts the local studio in the background (data in ``.studio/``; reused if it already runs), pushes the articles into
the project "annotator demo" (with the shipped model's pre-annotations when there is a model), prints the URL and how
to log in, and leaves the server running: ``make demo-stop`` (``python -m annotator.studio.demo --stop``) stops it.
"""

from __future__ import annotations

import argparse
import sys

from annotator.errors import AnnotatorError
from annotator.io.articles import ReadReport, read_articles
from annotator.labels import labels
from annotator.studio.client import Studio
from annotator.studio.local import CREDENTIALS, DEFAULT_DIR, DEFAULT_PORT, LocalStudio, running, stop_running
from annotator.studio.sync import push
from annotator.text.split import iter_rows

PROJECT = "annotator demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotator.studio.demo", description=__doc__)
    parser.add_argument("paths", nargs="*", default=["data/articles"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--data-dir", default=DEFAULT_DIR)
    parser.add_argument("--stop", action="store_true", help="stop the demo's Label Studio")
    args = parser.parse_args(argv)
    try:
        if args.stop:
            print("stopped Label Studio" if stop_running(args.data_dir) else "no demo Label Studio was running")
            return 0
        return _demo(args.paths, args.port, args.data_dir)
    except AnnotatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _demo(paths: list[str], port: int, data_dir: str) -> int:
    local = LocalStudio(data_dir, port=port)
    found = running(data_dir)
    if found is not None:
        url = found[1]
        print(f"Label Studio already runs at {url} (from {local.data_dir})")
    else:
        print(f"starting Label Studio at {local.url} (first start sets up its database: about a minute) ...")
        local.start()
        url = local.url
    from annotator.classifier.artefacts import load_predictor

    predictor = load_predictor()
    report = ReadReport()
    rows = iter_rows(read_articles(paths, report=report))
    pushed = push(Studio(url, local.credentials.token), rows, title=PROJECT, predictor=predictor)
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    project = pushed.project
    assert project is not None
    hotkeys = ", ".join(f"{i} {label}" for i, label in enumerate(labels(), 1))
    preds = f"pre-annotated by model {pushed.model_version}" if pushed.model_version else "no model: no pre-annotations"
    print(
        f"{report.articles} articles -> {pushed.sentences} sentences: {pushed.imported} new tasks, "
        f"{pushed.already} already there ({preds})\n"
        f"\n  open      {url}/projects/{project.id}/data\n"
        f"  log in as {local.credentials.username}; the password is in {local.data_dir / CREDENTIALS}\n"
        f"  label     {hotkeys}; Ctrl+Enter submits\n"
        f"  then      annotator pull --project '{PROJECT}' -o labels.csv   (finds this server and its credentials)\n"
        f"\nLabel Studio keeps running in the background; stop it with: make demo-stop"
    )
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

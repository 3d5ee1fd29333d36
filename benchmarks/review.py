"""Adjudication at scale: ``annotator review`` and ``annotator pull --resolved`` on a project of N tasks with two
annotations each, against one real local Label Studio, with Label Studio's own JSON export of the same project as
the named baseline in the same run (the least any tool that reads the labels must do).

Setup (not measured): two real users; N tasks (data/articles and the seeds in ../shared/seeds, repeated under new
article ids up to N) imported WITH both users' annotations, one import request per 5,000 tasks; a seeded share of
them (``--disagree``, default 20%) get different labels from the two. Measured, each step in its own process (peak
RSS is its own, imports and inputs included):

- export (baseline): ``exports.create`` + wait + ``download`` + ``json.load`` of the labelled project;
- review: ``annotator.studio.review.review`` (export, find the disagreements, create the review project, import one
  review task per disagreement with both annotators' predictions), without a model (``--no-model``: the model's own
  time is not the workflow's);
- review again: the idempotent re-run (exports both projects, adds nothing);
- pull --resolved: after a reviewer decided half of the review tasks (two bulk requests, not measured), both exports
  and one resolved row per sentence.

Usage: python benchmarks/review.py [--tasks 20000] [--disagree 0.2] [--url URL --token TOKEN]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent))  # benchmarks/studio.py
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # for shared_data: where ../shared lives
import shared_data
from studio import TEMPLATE, client, peak_rss_mib, run_script_step, sentence_rows

IMPORT_BATCH = 5000


def setup(url: str, token: str, n: int, disagree: float, title: str) -> dict[str, Any]:
    """The labelled project: N tasks, two annotations each, a seeded share of disagreements."""
    from annotator.guideline import guideline
    from annotator.labels import label_set, labels
    from annotator.studio.tasks import iter_tasks

    sdk = client(url, token)
    tag = f"{int(time.time())}"
    users = [sdk.users.create(username=f"{u}-{tag}", email=f"{u}-{tag}@bench.local") for u in ("alice", "bob")]
    pid = int(sdk.projects.create(title=title, label_config=label_set().config, maximum_annotations=2).id)
    names, rng = labels(), random.Random(15)
    tasks = list(iter_tasks(sentence_rows(n), guideline_version=guideline().version))
    differ = 0
    for task in tasks:
        a = rng.choice(names)
        b = rng.choice([x for x in names if x != a]) if rng.random() < disagree else a
        differ += a != b
        task["annotations"] = [
            {"completed_by": int(u.id), "lead_time": 5.0, "result": [choice(label)]}
            for u, label in zip(users, (a, b), strict=True)
        ]
    for i in range(0, len(tasks), IMPORT_BATCH):
        sdk.projects.import_tasks(id=pid, request=tasks[i : i + IMPORT_BATCH], commit_to_project=True)
    return {"tasks": len(tasks), "disagreements": differ}


def choice(label: str) -> dict[str, Any]:
    return {"from_name": "label", "to_name": "sentence", "type": "choices", "value": {"choices": [label]}}


def decide_half(url: str, token: str, review_title: str) -> int:
    """The admin decides every other review task, one request each (Label Studio's bulk annotation API is not in
    the free edition), four at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from annotator.labels import labels

    sdk = client(url, token)
    pid = next(p.id for p in sdk.projects.list(title=review_title) if p.title == review_title)
    ids = sorted(int(t.id) for t in sdk.tasks.list(project=pid, fields="task_only", include="id", page_size=5000))
    chosen = ids[::2]
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda k: sdk.annotations.create(id=chosen[k], result=[choice(labels()[k % 2])]), range(len(chosen))
            )
        )
    return len(chosen)


def step(name: str, url: str, token: str, title: str) -> dict[str, Any]:
    from annotator.studio.client import Studio

    result: dict[str, Any] = {}
    studio = Studio(url, token)
    t0 = time.perf_counter()
    if name == "export":
        project = studio.find_project(title)
        assert project is not None
        tasks = studio.export_snapshot(project.id)
        result["count"] = sum(len(t.get("annotations") or []) for t in tasks)
    elif name in ("review", "review-again"):
        from annotator.studio.review import review

        report = review(studio, title)
        result["count"] = report.added if name == "review" else report.already
        result["annotated"] = report.annotated
    elif name == "pull-resolved":
        from annotator.studio.sync import pull

        pulled = pull(studio, title, resolved=True)
        result["count"] = len(pulled.rows)
        result["origins"] = {o: sum(r["origin"] == o for r in pulled.rows) for o in ("review", "unanimous", "tie")}
    result["seconds"] = time.perf_counter() - t0
    result["peak_mib"] = peak_rss_mib()
    return result


def run_step(name: str, url: str, token: str, title: str) -> dict[str, Any]:
    return run_script_step(__file__, token, ["--step", name, "--url", url, "--title", title])


def measure(url: str, token: str, n: int, disagree: float) -> None:
    from annotator.studio.sync import review_title_for

    title = f"bench review {int(time.time())}"
    t0 = time.perf_counter()
    made = setup(url, token, n, disagree, title)
    print(f"setup: {made['tasks']} tasks x 2 annotations, {made['disagreements']} disagreements, "
          f"imported in {time.perf_counter() - t0:.1f} s", file=sys.stderr)  # fmt: skip
    export = run_step("export", url, token, title)
    first = run_step("review", url, token, title)
    again = run_step("review-again", url, token, title)
    decided = decide_half(url, token, review_title_for(title))
    resolved = run_step("pull-resolved", url, token, title)

    def line(what: str, r: dict[str, Any]) -> str:
        ratio = r["seconds"] / export["seconds"]
        return f"{what:<46} {r['seconds']:8.2f} {ratio:8.2f}x {r['peak_mib']:9.0f}"

    print(f"{'step (' + str(n) + ' tasks, 2 annotations each)':<46} {'seconds':>8} {'vs export':>9} {'peak MiB':>9}")
    print(line("Label Studio JSON export (baseline)", export))
    print(line(f"annotator review ({first['count']} review tasks)", first))
    print(line("annotator review again (nothing new)", again))
    print(line(f"annotator pull --resolved ({decided} decided)", resolved))
    print(f"origins: {resolved['origins']}")
    assert export["count"] == 2 * n and first["count"] == made["disagreements"] == again["count"], (export, first)
    assert resolved["count"] == n and resolved["origins"]["review"] == decided, resolved
    assert resolved["origins"]["tie"] == made["disagreements"] - decided, resolved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--disagree", type=float, default=0.2, help="Share of tasks whose annotators disagree.")
    parser.add_argument("--url")
    parser.add_argument("--token", default=os.environ.get("LABEL_STUDIO_API_KEY"))
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--title", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.url, args.token, args.title)))
        return
    shared_data.need_or_exit(shared_data.SEEDS, pattern="*.txt")
    from annotator.studio.local import LocalStudio, free_port

    local = None
    url, token = args.url, args.token
    if not url:
        data = Path(tempfile.mkdtemp(prefix="annotator-bench-")) / "studio"
        if TEMPLATE.exists():
            shutil.copytree(TEMPLATE, data)
        local = LocalStudio(data, port=free_port())
        print(f"starting Label Studio {version('label-studio')} on {local.url} ...", file=sys.stderr)
        local.start()
        url, token = local.url, local.credentials.token
    try:
        measure(url, token, args.tasks, args.disagree)
    finally:
        if local is not None:
            local.stop()
            shutil.rmtree(local.data_dir.parent, ignore_errors=True)


if __name__ == "__main__":
    main()

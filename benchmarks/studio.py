"""Label Studio round trip: annotator's push and pull vs the raw SDK, against one real local server, in the same run.

- push: ``annotator.studio.sync.push`` of N sentences with pre-annotations (project lookup and creation, tasks with
  context, predictions checked with ``LabelInterface.validate_prediction``, one import request per batch, the
  project's model_version) vs ONE raw ``projects.import_tasks`` request with the same task JSON, built beforehand.
  Target (issue 3): our overhead <= 20%. The predictions are the shipped model's, computed before the clock starts
  for both (the model's own time is printed separately).
- push again: the idempotent re-run over the same N sentences (reads the ids already there, imports nothing).
- pull: ``annotator.studio.sync.pull`` of a project with N annotated tasks (export snapshot -> one row per
  annotation) vs reading the same tasks with ``tasks.list(fields="all", page_size=1000)``; ratio of times.

Each measured step runs in its own process, so its peak memory (peak RSS, inputs and imported libraries included)
is its own. Sentences: data/articles and the scraped seeds in ../shared/seeds (read from there, never copied),
repeated under new article ids up to N.

Usage: python benchmarks/studio.py [--n 20000] [--batch-size 2000] [--url URL --token TOKEN]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # for shared_data: where ../shared lives
import shared_data

ROOT = Path(__file__).resolve().parents[1]
SEEDS = shared_data.SEEDS
TEMPLATE = ROOT / ".cache" / f"label-studio-{version('label-studio')}-template"  # made by the test suite


def sentence_rows(n: int) -> list[dict[str, Any]]:
    from annotator.text.split import split

    base = split([ROOT / "data" / "articles", *sorted(SEEDS.glob("*.txt"))]).to_dict("records")
    rows: list[dict[str, Any]] = []
    copy = 0
    while len(rows) < n:
        for row in base[: n - len(rows)]:
            aid = f"{row['article_id']}~{copy}"
            rows.append({**row, "article_id": aid, "sentence_id": f"{aid}:{row['start']}-{row['end']}"})
        copy += 1
    return rows


class FrozenPredictor:
    """The shipped model's predictions, computed once per distinct sentence before any clock starts."""

    def __init__(self, texts: list[str]) -> None:
        from annotator.classifier.artefacts import load_model

        model = load_model()
        unique = sorted(set(texts))
        self._by_text = dict(zip(unique, model.predict(unique), strict=True))
        self.model_version = model.model_version
        self.classes = model.classes

    def predict(self, texts: list[str]) -> list[Any]:
        return [self._by_text[t] for t in texts]


def tasks_json(rows: list[dict[str, Any]], predictor: FrozenPredictor) -> list[dict[str, Any]]:
    from annotator.guideline import guideline
    from annotator.studio.tasks import iter_tasks, prediction_json

    tasks = list(iter_tasks(rows, guideline_version=guideline().version))
    for task, pred in zip(tasks, predictor.predict([t["data"]["text"] for t in tasks]), strict=True):
        task["predictions"] = [prediction_json(pred, task["data"]["text"], model_version=predictor.model_version)]
    return tasks


def client(url: str, token: str) -> Any:
    from label_studio_sdk.client import LabelStudio

    return LabelStudio(base_url=url, api_key=token, timeout=3600)


def new_project(url: str, token: str, title: str) -> int:
    from annotator.labels import label_set

    return int(client(url, token).projects.create(title=title, label_config=label_set().config).id)


# -- steps, each in its own process ----------------------------------------------------------------


def step(name: str, url: str, token: str, n: int, batch_size: int, title: str) -> dict[str, Any]:
    from annotator.studio.client import Studio
    from annotator.studio.sync import pull, push

    result: dict[str, Any] = {}
    if name in ("push-ours", "push-again", "push-raw"):
        rows = sentence_rows(n)
        predictor = FrozenPredictor([r["text"] for r in rows])
    if name == "push-raw":
        tasks = tasks_json(rows, predictor)
        pid = new_project(url, token, title)
        sdk = client(url, token)
        t0 = time.perf_counter()
        response = sdk.projects.import_tasks(id=pid, request=tasks, commit_to_project=True)
        result["seconds"] = time.perf_counter() - t0
        result["count"] = int(response.task_count or 0)
    elif name in ("push-ours", "push-again"):
        studio = Studio(url, token)
        t0 = time.perf_counter()
        report = push(studio, rows, title=title, predictor=predictor, batch_size=batch_size)  # type: ignore[arg-type]
        result["seconds"] = time.perf_counter() - t0
        result["count"] = report.imported if name == "push-ours" else report.already
        result["requests"] = report.batches
    elif name == "pull-ours":
        studio = Studio(url, token)
        t0 = time.perf_counter()
        pulled = pull(studio, title)
        result["seconds"] = time.perf_counter() - t0
        result["count"] = len(pulled.rows)
    elif name == "pull-list":
        sdk = client(url, token)
        pid = next(p.id for p in sdk.projects.list(title=title) if p.title == title)
        t0 = time.perf_counter()
        tasks = list(sdk.tasks.list(project=pid, fields="all", page_size=1000))
        result["seconds"] = time.perf_counter() - t0
        result["count"] = sum(len(t.annotations or []) for t in tasks)
    result["peak_mib"] = peak_rss_mib()
    return result


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss would carry the parent's peak across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_script_step(script: str, token: str, argv: list[str]) -> dict[str, Any]:
    """Run ``script --step ...`` in a process of its own (its peak memory its own), the API token in its environment
    only; the JSON object on its last line of output."""
    proc = subprocess.run(
        [sys.executable, script, *argv],
        env={**os.environ, "LABEL_STUDIO_API_KEY": token},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"step {argv[1] if len(argv) > 1 else argv} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run_step(name: str, url: str, token: str, n: int, batch_size: int, title: str) -> dict[str, Any]:
    argv = ["--step", name, "--url", url, "--n", str(n), "--batch-size", str(batch_size), "--title", title]
    return run_script_step(__file__, token, argv)


def annotated_project(url: str, token: str, n: int, title: str) -> None:
    """N tasks, each with one annotation by the admin, imported in one request (setup, not measured)."""
    from annotator.guideline import guideline
    from annotator.labels import labels
    from annotator.studio.tasks import iter_tasks

    sdk = client(url, token)
    me = int(sdk.users.whoami().id)
    names = labels()
    tasks = list(iter_tasks(sentence_rows(n), guideline_version=guideline().version))
    for i, task in enumerate(tasks):
        choice = {"from_name": "label", "to_name": "sentence", "type": "choices"}
        task["annotations"] = [{"completed_by": me, "result": [{**choice, "value": {"choices": [names[i % 3]]}}]}]
    sdk.projects.import_tasks(id=new_project(url, token, title), request=tasks, commit_to_project=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--url")
    parser.add_argument("--token", default=os.environ.get("LABEL_STUDIO_API_KEY"))
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--title", help=argparse.SUPPRESS)
    args = parser.parse_args()
    shared_data.need_or_exit(SEEDS, pattern="*.txt")
    if args.step:
        print(json.dumps(step(args.step, args.url, args.token, args.n, args.batch_size, args.title)))
        return

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
        n, tag = args.n, f"{int(time.time())}"
        from annotator.classifier.artefacts import load_model

        model, texts = load_model(), [r["text"] for r in sentence_rows(n)]
        t0 = time.perf_counter()
        model.predict(texts)
        model_seconds = time.perf_counter() - t0

        raw = run_step("push-raw", url, token, n, args.batch_size, f"bench raw {tag}")
        ours = run_step("push-ours", url, token, n, args.batch_size, f"bench ours {tag}")
        again = run_step("push-again", url, token, n, args.batch_size, f"bench ours {tag}")
        annotated_project(url, token, n, f"bench annotated {tag}")
        pulled = run_step("pull-ours", url, token, n, args.batch_size, f"bench annotated {tag}")
        listed = run_step("pull-list", url, token, n, args.batch_size, f"bench annotated {tag}")
    finally:
        if local is not None:
            local.stop()
            shutil.rmtree(local.data_dir.parent, ignore_errors=True)

    def line(what: str, r: dict[str, Any], unit: str) -> str:
        return f"{what:<44} {r['seconds']:8.2f} {r['count'] / r['seconds']:10.0f} {unit:<12} {r['peak_mib']:8.0f}"

    print(f"{'step (' + str(n) + ' sentences)':<44} {'seconds':>8} {'rate':>10} {'':<12} {'peak MiB':>8}")
    print(line("raw SDK: one import_tasks request", raw, "tasks/s"))
    print(line(f"annotator push ({ours['requests']} requests)", ours, "tasks/s"))
    print(line("annotator push again (nothing new)", again, "checked/s"))
    print(line("SDK tasks.list(fields=all, page_size=1000)", listed, "annots/s"))
    print(line("annotator pull (export snapshot)", pulled, "annots/s"))
    overhead = 100 * (ours["seconds"] / raw["seconds"] - 1)
    print(f"push overhead vs one raw import: {overhead:+.1f}% (target <= +20%)")
    print(f"pull: {listed['seconds'] / pulled['seconds']:.2f}x the speed of tasks.list")
    print(f"(the shipped model itself took {model_seconds:.2f} s on the {n} sentences; in neither push figure)")
    assert raw["count"] == ours["count"] == again["count"] == n, (raw, ours, again)
    assert pulled["count"] == listed["count"] == n, (pulled, listed)


if __name__ == "__main__":
    main()

"""The old shipped model run by the code it shipped with, for benchmarks/quality.py.

The package at :data:`OLD_COMMIT` (``git archive OLD_COMMIT annotator schemas``) is extracted into a temporary
directory and runs in a subprocess with ``PYTHONPATH`` set to it (and ``ANNOTATOR_PURE_PYTHON=1``), with the current
interpreter; it pre-labels files end to end through its own ``annotator prelabel`` API and predicts rows as they
are, and writes its predictions as JSONL, which ``quality.py`` scores with the same scorer as the other systems. The
main code's feature analysis changes, so the old model would no longer load with new code: this keeps it comparable.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "31b97f861bf1b2b6dc346113bb4bd21d382c5f04"  # `git rev-parse 31b97f8`: the code of model f485338fefb27e29
OLD_MODEL = ROOT / "models" / "f485338fefb27e29"
Row = dict[str, Any]

# run by the old code in its own process: pre-label files end to end (its `annotator prelabel` API) and predict rows
_OLD_SCRIPT = """
import json, sys
from annotator.classifier.artefacts import load_predictor
from annotator.prelabel.rows import iter_prelabel
spec = json.load(open(sys.argv[1], encoding="utf-8"))
model = load_predictor(spec["model"])
with open(sys.argv[2], "w", encoding="utf-8") as out:
    def emit(name, article_id, text, p_label, scores):
        row = {"set": name, "article_id": article_id, "text": text, "label": p_label, "scores": scores}
        out.write(json.dumps(row, ensure_ascii=False) + "\\n")
    for name, files in spec["files"].items():
        for frame in iter_prelabel(files, model=model):
            for r in frame.to_dict("records"):
                emit(name, r["article_id"], r["text"], r["label"], r["scores"])
    for name, rows in spec["rows"].items():
        texts, articles = [r["text"] for r in rows], [r["article_id"] for r in rows]
        try:
            predictions = model.predict(texts, articles=articles)
        except TypeError:  # code from before articles=
            predictions = model.predict(texts)
        for r, p in zip(rows, predictions):
            emit(name, r["article_id"], r["text"], p.label, p.scores)
print(model.model_version)
"""


def extract_old(tmp: Path) -> str | None:
    """The package at :data:`OLD_COMMIT` extracted into ``tmp``; None, or why not."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", OLD_COMMIT, "annotator", "schemas"],
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        return f"git is not available ({exc.strerror})"
    if archive.returncode != 0:
        return f"commit {OLD_COMMIT[:7]} is not available ({archive.stderr.decode(errors='replace').strip()})"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tmp, filter="data")
    return None


def predict_old(files: dict[str, list[str]], rows: dict[str, list[Row]]) -> tuple[str, dict[str, list[Row]]] | str:
    """(the old model's version, its predicted rows per set), run by the code at :data:`OLD_COMMIT`: ``files`` (set
    name -> files) pre-labelled end to end, ``rows`` (set name -> rows with ``article_id`` and ``text``) predicted
    as they are. Or why it could not run."""
    with tempfile.TemporaryDirectory(prefix="quality-old-") as name:
        tmp = Path(name)
        why = extract_old(tmp)
        if why:
            return why
        spec = {"model": str(OLD_MODEL), "files": files, "rows": rows}
        (tmp / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        (tmp / "predict_old.py").write_text(_OLD_SCRIPT, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(tmp), "ANNOTATOR_PURE_PYTHON": "1"}
        proc = subprocess.run(
            [sys.executable, "predict_old.py", "spec.json", "out.jsonl"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            return f"the code at {OLD_COMMIT[:7]} failed: {proc.stderr.strip().splitlines()[-1:]}"
        out: dict[str, list[Row]] = {name: [] for name in [*files, *rows]}
        for line in (tmp / "out.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            out[row.pop("set")].append(row)
        return proc.stdout.strip(), out

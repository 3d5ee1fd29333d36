"""A command whose optional extra is not installed says which extra to install, in one line, with exit status 1.

Each case runs the command in a fresh interpreter whose import system hides the extra's modules (as if they were not
installed), so that nothing imported by an earlier test makes them importable. Every case fails fast without the
check as well (a traceback, never a server started): the Label Studio URLs point at a closed port and the studio's
data folder cannot be created.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = str(ROOT / "data" / "articles" / "harbour-ammonia-leak.txt")
NOWHERE = ["--url", "http://127.0.0.1:9", "--token", "not-a-token"]  # port 9 (discard): nothing listens there

#: installs a finder that makes the named top-level modules unimportable, then runs the annotator command
RUN_HIDDEN = """
import sys

hidden = set(sys.argv[1].split(","))


class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Hide())
from annotator.cli import main

main(sys.argv[2:])
"""


def run_hidden(hidden: list[str], argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_HIDDEN, ",".join(hidden), *argv],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def message(command: str, extra: str, module: str) -> str:
    return f"error: {command} needs the {extra!r} extra ({module} is missing): pip install 'annotator[{extra}]'"


CASES = [
    (["starlette"], ["serve", "--no-retrain"], message("annotator serve", "serve", "starlette")),
    (["uvicorn"], ["serve", "--no-retrain"], message("annotator serve", "serve", "uvicorn")),
    # serve predicts without Label Studio; asked to reach one (--url/--token), it needs the client
    (["label_studio_sdk"], ["serve", *NOWHERE], message("annotator serve", "studio", "label_studio_sdk")),
    (
        ["label_studio"],
        ["studio", "--data-dir", "a-file/studio"],
        message("annotator studio", "studio", "label_studio"),
    ),
    (
        ["label_studio_sdk"],
        ["push", ARTICLES, "--project", "p", *NOWHERE],
        message("annotator push", "studio", "label_studio_sdk"),
    ),
    (
        ["label_studio_sdk"],
        ["pull", "--project", "p", *NOWHERE],
        message("annotator pull", "studio", "label_studio_sdk"),
    ),
    (
        ["label_studio_sdk"],
        ["agreement", "--project", "p", *NOWHERE],
        message("annotator agreement --project", "studio", "label_studio_sdk"),
    ),
    (
        ["label_studio_sdk"],
        ["connect", "--project", "p", "--backend", "http://127.0.0.1:9", *NOWHERE],
        message("annotator connect", "studio", "label_studio_sdk"),
    ),
    (
        ["dask", "distributed"],
        ["prelabel", ARTICLES, "--engine", "dask", "-o", "out.jsonl"],
        message("annotator prelabel --engine dask", "dask", "dask"),
    ),
]


@pytest.mark.parametrize("hidden,argv,expected", CASES, ids=[" ".join(c[1][:1] + c[0]) for c in CASES])
def test_a_missing_extra_is_named_in_one_line(tmp_path, hidden, argv, expected):
    (tmp_path / "a-file").write_text("not a folder\n")
    result = run_hidden(hidden, argv, tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [expected]
    assert not (tmp_path / "out.jsonl").exists()

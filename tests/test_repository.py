"""The repository itself: no absolute path of any machine in a tracked file (tests, benchmarks, docs, help texts),
so that a clone anywhere behaves the same."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# a home or work folder of some machine: /home/me/..., /Users/me/..., /root/..., /work/..., C:\Users\...
MACHINE_PATH = re.compile(r"(?<![\w.~$-])(?:/(?:home|Users|root|work)/[\w.-]+|[A-Z]:\\\\?Users\\)")
BINARY = {".npz", ".skops", ".png", ".parquet", ".ico"}


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"{REPO} is not a git checkout (git ls-files failed): the tracked files are unknown")
    return [REPO / name for name in out.decode("utf-8").split("\0") if name]


def machine_paths(text: str) -> list[str]:
    return MACHINE_PATH.findall(text)


def test_the_pattern_finds_machine_paths_and_nothing_else():
    assert machine_paths('SEEDS = Path("/work/shared/seeds")') == ["/work/shared"]
    assert machine_paths("see /home/me/annotator/.studio/credentials.json") == ["/home/me"]
    assert machine_paths(r"C:\Users\me\annotator") == ["C:\\Users\\"]
    assert machine_paths("/root/.cache and /Users/ann/x") == ["/root/.cache", "/Users/ann"]
    ok = "/usr/bin/chromium, ../shared/seeds, http://127.0.0.1:8080/work/x, $HOME/work/x, ~/work/x, data/work/a"
    assert machine_paths(ok) == []


def test_no_tracked_file_names_a_machine_path():
    found = []
    for path in tracked_files():
        if path.suffix in BINARY or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if machine_paths(line) and path.name != Path(__file__).name:
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert found == []

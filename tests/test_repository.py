"""The repository itself: no absolute path of any machine in a tracked file (tests, benchmarks, docs, help texts),
so that a clone anywhere behaves the same."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# a home or work folder of some machine (home, Users, root or work at the root of the file system; C: Users)
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


def absolute(*parts: str) -> str:
    """A path from the root, built here so that this file holds no machine path itself."""
    return "/" + "/".join(parts)


def test_the_pattern_finds_machine_paths_and_nothing_else():
    work, home, root, users = (
        absolute("work", "shared"),
        absolute("home", "me"),
        absolute("root", ".cache"),
        absolute("Users", "ann"),
    )
    assert machine_paths(f'SEEDS = Path("{work}/seeds")') == [work]
    assert machine_paths(f"see {home}/annotator/.studio/credentials.json") == [home]
    windows = "C:" + "\\" + "Users" + "\\"
    assert machine_paths(windows + "me") == [windows]
    assert machine_paths(f"{root} and {users}/x") == [root, users]
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
            if machine_paths(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert found == []

"""What ships: the licences of every runtime dependency (core and each extra) fit the MIT licence, the optional modules
the commands check for belong to their extras, and the wheel installed without extras in a fresh venv runs the core
commands.

The licence walk reads ``pyproject.toml``'s requirements and follows the installed distributions' requirements
(``importlib.metadata``), so it needs the project's environment (`make install`: every extra installed).
Run ``pytest tests/test_packaging.py -k licences -s`` to see the list.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from annotator.cli._util import EXTRAS

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME_EXTRAS = ("studio", "serve", "dask")  # `dev` is for working on annotator: nothing shipped imports it

#: copyleft licences, strong and weak (file- or library-level), by SPDX id or by the name classifiers use: each such
#: dependency must be declared and justified in README.md's "Licences" section
COPYLEFT = re.compile(
    r"\b(?:A|L)?GPL|General Public Licen[cs]e|\bMPL\b|Mozilla Public|\bEPL\b|Eclipse Public|\bEUPL\b|\bCDDL\b"
    r"|Common Development and Distribution|\bCPL\b|Common Public Licen|\bOSL\b|Open Software Licen|\bSSPL\b"
    r"|Server Side Public|CC-BY-SA|ShareAlike",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str
    licence: str
    via: str  # the chain of requirements that brings it in, from annotator's own


def licence_of(dist: md.Distribution) -> str:
    """PEP 639's License-Expression when there is one, else the License field's first line and the classifiers, else
    the first words of the licence file in the distribution's metadata."""
    meta = dist.metadata
    if meta.get("License-Expression"):
        return str(meta["License-Expression"])
    parts = [line.strip() for line in (meta.get("License") or "").splitlines()[:1] if line.strip() != "UNKNOWN"]
    parts += [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if not any(parts):
        for file in dist.files or []:
            if file.name.upper().startswith(("LICENSE", "LICENCE", "COPYING")) and ".dist-info" in str(file):
                text = " ".join((file.read_text() if hasattr(file, "read_text") else "").split()[:8])
                parts.append(f"licence file: {text}")
                break
    return "; ".join(dict.fromkeys(p for p in parts if p)) or "UNKNOWN"


def walk(requirements: list[str]) -> tuple[dict[str, Dependency], list[str]]:
    """Every distribution ``requirements`` bring in, transitively (markers evaluated here, extras followed), and the
    requirements that are not installed."""
    found: dict[str, Dependency] = {}
    missing: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    stack = [(Requirement(r), "annotator") for r in requirements]
    while stack:
        req, via = stack.pop()
        name = canonicalize_name(req.name)
        if (name, frozenset(req.extras)) in seen:
            continue
        seen.add((name, frozenset(req.extras)))
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            missing.append(f"{req} (via {via})")
            continue
        chain = f"{via} > {name}"
        found.setdefault(name, Dependency(name, dist.version, licence_of(dist), chain))
        for line in dist.requires or []:
            sub = Requirement(line)
            # a requirement applies without an extra, or under one of the extras asked for
            if any(sub.marker is None or sub.marker.evaluate({"extra": e}) for e in ["", *req.extras]):
                stack.append((sub, chain))
    return found, missing


def runtime_dependencies() -> dict[str, dict[str, Dependency]]:
    """Per group (core, then each runtime extra): the distributions it brings in beyond the core."""
    core, missing = walk(PROJECT["dependencies"])
    groups = {"core": core}
    for extra in RUNTIME_EXTRAS:
        found, more = walk(PROJECT["optional-dependencies"][extra])
        groups[extra] = {n: d for n, d in found.items() if n not in core}
        missing += more
    if missing:
        pytest.fail(f"not installed (run `make install`): {sorted(set(missing))}")
    return groups


def declared_in_readme() -> dict[str, str]:
    """The dependencies README.md's "## Licences" section declares, each with its list item's first line: names in
    backquotes head the item, before the licence and the group in parentheses:
    "- `psycopg`, `psycopg-binary` (LGPL-3.0-only; `studio` extra): why"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Licences\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Licences' section"
    declared = {}
    for item in re.findall(r"^- (.*)$", match.group(1), flags=re.MULTILINE):
        for name in re.findall(r"`([A-Za-z0-9_.-]+)`", item.partition("(")[0]):
            declared[canonicalize_name(name)] = item
    return declared


def test_licences_of_runtime_dependencies_are_permissive_or_declared():
    groups = runtime_dependencies()
    declared = declared_in_readme()
    undeclared, copyleft = [], set()
    for group, deps in groups.items():
        print(f"\n{group}: {len(deps)} distributions")
        where = "core" if group == "core" else f"`{group}` extra"
        for dep in sorted(deps.values(), key=lambda d: d.name):
            flag = dep.licence == "UNKNOWN" or bool(COPYLEFT.search(dep.licence))
            print(f"  {'*' if flag else ' '} {dep.name} {dep.version}: {dep.licence}")
            if flag:
                copyleft.add(dep.name)
                # declared, and for the group that brings it in (a dev-only one must not reach the core)
                if where not in declared.get(dep.name, ""):
                    undeclared.append(f"{dep.name} ({dep.licence}; {group}: {dep.via})")
    assert not undeclared, f"copyleft or unknown licences not declared in README.md's Licences section: {undeclared}"
    # and the section lists no dependency that is gone or no longer copyleft (the dev extra's, which nothing shipped
    # imports, may be named too)
    dev, _ = walk(PROJECT["optional-dependencies"]["dev"])
    stale = set(declared) - copyleft - {n for n, d in dev.items() if COPYLEFT.search(d.licence)}
    assert not stale, f"README.md's Licences section names dependencies that are not copyleft ones: {sorted(stale)}"


def test_copyleft_pattern():
    for licence in ["GPL-3.0-or-later", "LGPL-3.0-only", "MPL-2.0 AND MIT", "GNU Affero General Public License v3",
                    "Mozilla Public License 2.0 (MPL 2.0)", "EPL-2.0", "CDDL-1.0", "CC-BY-SA-4.0"]:  # fmt: skip
        assert COPYLEFT.search(licence), licence
    for licence in ["MIT", "BSD-3-Clause", "Apache-2.0", "Apache Software License", "ISC", "PSF-2.0", "0BSD"]:
        assert not COPYLEFT.search(licence), licence


def test_optional_modules_belong_to_their_extra_and_not_to_the_core():
    """cli._util.EXTRAS (the modules a command checks before it runs) agrees with pyproject's extras: each module's
    distribution comes with its extra, and none comes with the core (`split`, `prelabel`, `train`, `evaluate`,
    `ledger`, `drift` and `report` run without them)."""
    groups = runtime_dependencies()
    providers = md.packages_distributions()
    for module, extra in EXTRAS.items():
        names = {canonicalize_name(d) for d in providers.get(module, [])}
        assert names, f"{module} is not installed (run `make install`)"
        assert names & set(groups[extra]), f"{module} ({names}) does not come with the {extra!r} extra"
        assert not names & set(groups["core"]), f"{module} ({names}) comes with the core dependencies"
    assert "krippendorff" not in groups["core"]


# -- the wheel, installed without extras ------------------------------------------------------------------------

#: what the build reads (pyproject's package-dir and package-data), copied so the build leaves no build/ behind here
SOURCES = ["pyproject.toml", "setup.py", "README.md", "annotator", "schemas", "models/default", "data/train"]
NOT_IN_CORE = ["label_studio_sdk", "label_studio", "starlette", "uvicorn", "dask", "distributed", "krippendorff"]


@pytest.mark.slow
def test_wheel_without_extras_runs_the_core_commands(tmp_path):
    timings: dict[str, float] = {}
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def step(name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        started = time.perf_counter()
        run_env = {**env, **(extra_env or {})}
        result = subprocess.run(argv, cwd=tmp_path, env=run_env, capture_output=True, text=True, check=False)
        timings[name] = time.perf_counter() - started
        return result

    def ok(name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> str:
        result = step(name, argv, extra_env)
        assert result.returncode == 0, f"{name}: {result.stderr[-2000:]}"
        return result.stdout

    src = tmp_path / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip"]
    ok("build", [*pip, "wheel", "--no-deps", "-q", "-w", "dist", str(src)], {"ANNOTATOR_PURE_PYTHON": "1"})
    (wheel,) = (tmp_path / "dist").glob("annotator-*.whl")
    # no pip inside the venv: this interpreter's pip installs into it (--python), which saves seeding one
    ok("venv", [sys.executable, "-m", "venv", "--without-pip", "venv"])
    python = str(tmp_path / "venv" / "bin" / "python")
    ok("install", [*pip, "--python", python, "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)])

    found = ok(
        "imports", [python, "-c", f"import importlib.util as u; print([m for m in {NOT_IN_CORE} if u.find_spec(m)])"]
    )
    assert found.strip() == "[]", f"installed without extras: {found}"

    annotator = str(tmp_path / "venv" / "bin" / "annotator")
    articles, train = str(ROOT / "data" / "articles"), ROOT / "data" / "train"
    ok("split", [annotator, "split", articles, "-o", "sentences.jsonl"])
    ok("prelabel", [annotator, "prelabel", articles, "-o", "predictions.jsonl", "--workers", "1"])
    ok("train", [annotator, "train", str(train / "science.jsonl"), str(train / "crime.jsonl"), "--out", "model"])
    evaluate = [annotator, "evaluate", str(train / "sport.jsonl"), "--model", "model", "--folds", "2"]
    ok("evaluate", [*evaluate, "--report", "eval.json"])
    ok("ledger", [annotator, "ledger", articles, "-o", "ledger.jsonl"])
    ok("drift", [annotator, "drift", articles, "-o", "drift.jsonl"])
    ok("report", [annotator, "report", articles, "-o", "report/report.html"])
    # agreement on a labels file needs no extra either: Krippendorff's alpha is our own
    votes = [("s1", "a", "attributed"), ("s1", "b", "attributed"), ("s2", "a", "contested"), ("s2", "b", "unverified")]
    votes += [("s3", "a", "unverified"), ("s3", "b", "unverified")]
    (tmp_path / "labels.csv").write_text(
        "sentence_id,annotator,label\n" + "".join(f"{s},{a},{v}\n" for s, a, v in votes)
    )
    assert "Krippendorff's alpha (nominal): " in ok("agreement", [annotator, "agreement", "labels.csv"])
    for output in ["sentences.jsonl", "predictions.jsonl", "model/card.json", "eval.json", "ledger.jsonl",
                   "drift.jsonl", "report/report.html"]:  # fmt: skip
        assert (tmp_path / output).stat().st_size > 0, output

    # serve --seed's default ships: the seed corpus inside the installed package, every row readable
    seed = "from annotator.resources import seed_files; from annotator.backend.retrain import read_seed; "
    seed += "f = seed_files(); print(len(f), all('site-packages' in str(p) for p in f), len(read_seed(f)))"
    n_files, installed, n_rows = ok("seed", [python, "-c", seed]).split()
    assert (int(n_files), installed) == (len(list(train.glob("*.jsonl"))), "True") and int(n_rows) > 2000

    # and the commands that need an extra say which, in one line
    for argv, extra in [
        (["serve"], "serve"),
        (["studio"], "studio"),
        (["prelabel", articles, "--engine", "dask"], "dask"),
    ]:
        result = step(argv[0] + " (no extra)", [annotator, *argv])
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
        assert f"pip install 'annotator[{extra}]'" in result.stderr

    total = sum(timings.values())
    print("\n" + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()) + f"; total {total:.0f} s")

"""The documentation is executable: every ``console`` example in README.md and docs/*.md is run and compared with the
output it shows, and every ``>>>`` example in a docstring of the package runs as a doctest.

How a ``console`` block is read (the way a user reads it):

- a line starting with ``$ `` is a command; a command line ending in ``\\`` continues on the next line;
- the lines after it, up to the next ``$ `` or the end of the block, are what the user sees (stdout and stderr
  together);
- ``echo $?`` shows the exit status of the command before it.

The blocks of one page run in order in one temporary directory, like a user following the page: a copy of ``data/``
is there, and a file written by one example is read by the next. ``annotator`` is the console script next to the
running Python. Output that changes from run to run is masked in the docs with a placeholder:

- ``<n>``: a number (a timing, a count that depends on the machine, a project id);
- ``…``: any text within one line (a date, a path, the rest of a long JSON row).

A step the docs describe but that a person does in the browser (labelling tasks) is a comment in the page,
``<!-- docs-test: NAME -->``, before the block that needs it; :data:`STEPS` maps NAME to what the test does there.

A page with a command that talks to Label Studio (``push``, ``pull``, ``connect``, ``--project``) runs against the
session's real server (marked ``studio``), with ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY`` set; its URL is shown
in the docs as ``http://127.0.0.1:8080``, the default of ``annotator studio``.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHOWN_URL = "http://127.0.0.1:8080"
NEEDS_STUDIO = re.compile(r"\bannotator\s+(push|pull|connect)\b|--project\b")
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)
STEP = re.compile(r"<!-- docs-test: ([\w-]+) -->")
NUMBER = r"\d+(?:[.,]\d+)*"


@dataclass(frozen=True)
class Example:
    command: str
    expected: str
    line: int  # 1-based line of the command in the page
    step: str | None = None  # a ``<!-- docs-test: NAME -->`` step to take before this command


def examples(page: Path) -> list[Example]:
    """The commands of every ``console`` block of ``page``, in order, with the output each shows."""
    text = page.read_text(encoding="utf-8")
    found: list[Example] = []
    previous_end = 0
    for block in BLOCK.finditer(text):
        steps = STEP.findall(text, previous_end, block.start())
        assert len(steps) <= 1, f"{page.name}: more than one docs-test step before one block: {steps}"
        step = steps[0] if steps else None
        previous_end = block.end()
        first_line = text.count("\n", 0, block.start(1)) + 1
        lines = block.group(1).splitlines()
        i = 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                raise AssertionError(f"{page.name}:{first_line + i}: output without a command: {lines[i]!r}")
            line = first_line + i
            command = [lines[i][2:]]
            while command[-1].endswith("\\"):
                i += 1
                command.append(lines[i])
            i += 1
            output = []
            while i < len(lines) and not lines[i].startswith("$ "):
                output.append(lines[i])
                i += 1
            found.append(Example("\n".join(command), "\n".join(output), line, step))
            step = None
    return found


def pattern(expected: str) -> re.Pattern[str]:
    """``expected`` as a regular expression: placeholders become wildcards, everything else is literal."""
    parts = re.split(r"(<n>|…)", expected)
    regex = "".join({"<n>": NUMBER, "…": r"[^\n]*?"}.get(part, re.escape(part)) for part in parts)
    return re.compile(regex + r"\Z")


def normalise(output: str, url: str | None) -> str:
    if url:
        output = output.replace(url, SHOWN_URL)
    return "\n".join(line.rstrip() for line in output.rstrip("\n").splitlines())


# -- steps a person takes in the browser, taken here through the SDK -----------------------------------------------

LABELS = ("attributed", "unverified", "contested")


def two_annotators_label_20_tasks(request: pytest.FixtureRequest) -> None:
    """The admin and maria@newsroom.example label the first 20 tasks of "News claims": the admin takes the model's
    label; maria takes it too, except on every fourth task, where she takes the next label of :data:`LABELS`."""
    sdk = request.getfixturevalue("sdk")
    (project,) = [p for p in sdk.projects.list(title="News claims") if p.title == "News claims"]
    users = {u.email: u.id for u in sdk.users.list()}
    maria = (
        users.get("maria@newsroom.example")
        or sdk.users.create(username="maria", email="maria@newsroom.example", password="not-a-real-secret-2").id
    )
    tasks = sorted(sdk.tasks.list(project=project.id, fields="all", page_size=100), key=lambda t: t.id)[:20]
    for i, task in enumerate(tasks):
        prediction = task.predictions[0]
        result = (prediction if isinstance(prediction, dict) else prediction.dict())["result"]
        predicted = next(r["value"]["choices"][0] for r in result if r["type"] == "choices")
        other = LABELS[(LABELS.index(predicted) + 1) % len(LABELS)]
        for user, label in ((None, predicted), (maria, other if i % 4 == 3 else predicted)):
            choice = {"from_name": "label", "to_name": "sentence", "type": "choices", "value": {"choices": [label]}}
            sdk.annotations.create(id=task.id, result=[choice], **({"completed_by": user} if user else {}))


def a_reviewer_decides_the_first_review_task(request: pytest.FixtureRequest) -> None:
    """The admin, as reviewer, takes maria's label on the first task of "News claims — review"."""
    sdk = request.getfixturevalue("sdk")
    (project,) = [p for p in sdk.projects.list(title="News claims — review") if p.title == "News claims — review"]
    task = min(sdk.tasks.list(project=project.id, fields="all", page_size=100), key=lambda t: t.id)
    predictions = [p if isinstance(p, dict) else p.dict() for p in task.predictions]
    (maria,) = [p for p in predictions if p["model_version"] == "maria@newsroom.example"]
    sdk.annotations.create(id=task.id, result=[r for r in maria["result"] if r["type"] == "choices"])


STEPS = {
    "two-annotators-label-20-tasks": two_annotators_label_20_tasks,
    "a-reviewer-decides-the-first-review-task": a_reviewer_decides_the_first_review_task,
}


def page_params() -> list[object]:
    params = []
    for page in PAGES:
        found = examples(page)
        if not found:
            continue
        studio = any(NEEDS_STUDIO.search(e.command) for e in found)
        marks = [pytest.mark.studio] if studio else []
        params.append(pytest.param(page, studio, marks=marks, id=str(page.relative_to(REPO))))
    return params


def test_placeholders_are_wildcards_and_the_rest_is_literal():
    assert pattern("done in <n> s (x.y)").match("done in 0.6 s (x.y)")
    assert pattern("done in <n> s").match("done in 12,034.5 s")
    assert not pattern("done in <n> s (x.y)").match("done in 0.6 s (xzy)")
    assert not pattern("done in <n> s").match("done in fast s")
    assert pattern('{"a": 1,…"z": 2}').match('{"a": 1, "b": [3], "z": 2}')
    assert not pattern("a…b").match("a\nb")
    assert not pattern("299 sentences").match("299 sentences\nand more")


def test_examples_are_read_as_a_user_reads_them(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "text\n<!-- docs-test: a-step -->\n```console\n$ printf 'a\\n' \\\n    | cat\na\n$ false\n$ echo $?\n1\n```\n"
        "```python\n$ not a console block\n```\n",
        encoding="utf-8",
    )
    assert examples(page) == [
        Example("printf 'a\\n' \\\n    | cat", "a", 4, "a-step"),
        Example("false", "", 7),
        Example("echo $?", "1", 8),
    ]


@pytest.mark.slow  # runs every command of a page (up to 15 s a page)
@pytest.mark.parametrize(("page", "studio"), page_params())
def test_console_examples(page: Path, studio: bool, tmp_path: Path, request: pytest.FixtureRequest):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("LABEL_STUDIO_URL", None)
    env.pop("LABEL_STUDIO_API_KEY", None)
    url = None
    if studio:
        server = request.getfixturevalue("studio_server")
        url = server.url
        env.update(LABEL_STUDIO_URL=server.url, LABEL_STUDIO_API_KEY=server.token)
    shutil.copytree(REPO / "data", tmp_path / "data")
    status = 0
    for example in examples(page):
        if example.step:
            STEPS[example.step](request)
        proc = subprocess.run(
            ["bash", "-c", f"(exit {status}); {example.command}"],
            check=False,  # the exit status is part of what the docs show (``echo $?``)
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        status = proc.returncode
        shown = normalise(example.expected, None)
        got = normalise(proc.stdout, url)
        assert pattern(shown).match(got), (
            f"{page.relative_to(REPO)}:{example.line}: $ {example.command}\n"
            f"--- shown in the docs\n{shown}\n--- printed (exit status {status})\n{got}"
        )


# -- Python examples in the docs (``pycon`` blocks) ---------------------------------------------------------------

PYCON = re.compile(r"^```pycon\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def pycon_pages() -> list[Path]:
    return [page for page in PAGES if PYCON.search(page.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", pycon_pages(), ids=lambda page: str(page.relative_to(REPO)))
def test_pycon_examples(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The ``pycon`` blocks of a page run as one doctest session (names carry over from block to block), in a
    folder with a copy of ``data/``."""
    text = page.read_text(encoding="utf-8")
    source = "\n".join(block.group(1) for block in PYCON.finditer(text))
    shutil.copytree(REPO / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(source, {}, str(page.relative_to(REPO)), str(page), 0)
    assert test.examples, f"{page.name}: pycon blocks without a >>> example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {page.name} failed (see above)"


# -- docstring examples ------------------------------------------------------------------------------------------


def modules_with_examples() -> list[str]:
    names = []
    for path in sorted((REPO / "annotator").rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(REPO).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_docstring_examples_exist():
    assert modules_with_examples(), "no >>> example found: is the package where this test looks?"


def docstrings(path: Path) -> list[tuple[str, str, int]]:
    """(qualified name, docstring, line) of the module, class and function docstrings of a source file. Read from the
    source, not from the imported module: in the built wheel, mypyc-compiled functions carry no docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(child)
                if doc:
                    found.append((f"{prefix}{child.name}", doc, child.lineno))
                visit(child, f"{prefix}{child.name}.")

    doc = ast.get_docstring(tree)
    if doc:
        found.append(("", doc, 1))
    visit(tree, "")
    return found


@pytest.mark.parametrize("name", modules_with_examples())
def test_doctests(name: str, monkeypatch: pytest.MonkeyPatch):
    """The module's examples run in its namespace (as doctest would run them), from the repository's root."""
    monkeypatch.chdir(REPO)  # the examples read data/ as a user in the repository would
    module = importlib.import_module(name)
    path = REPO / Path(*name.split(".")).with_suffix(".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [
        parser.get_doctest(doc, dict(vars(module)), f"{name}.{qualname}".rstrip("."), str(path), line)
        for qualname, doc, line in docstrings(path)
    ]
    tests = [t for t in tests if t.examples]
    assert tests, f"{name} has '>>>' but no docstring example"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"


# -- docs/architecture.md says what the package says ----------------------------------------------------------------

SUBPACKAGES = ("io", "text", "attribution", "classifier", "prelabel", "studio", "backend", "claims", "cli")


def mentioned(text: str) -> set[str]:
    """Subpackages named in ``text`` (``io``, :mod:`annotator.io`, `studio.tasks`, ...)."""
    names = re.findall(r"`(?:annotator\.)?(\w+)[\w.]*`", text)
    return {n for n in names if n in SUBPACKAGES}


def test_architecture_page_lists_what_each_subpackage_may_import():
    rows = {}
    for line in (REPO / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`annotator."):
            rows[cells[0].strip("`").removeprefix("annotator.")] = cells[2]
    assert set(rows) == set(SUBPACKAGES), f"docs/architecture.md's table lists {sorted(rows)}"
    for name in SUBPACKAGES:
        if name == "cli":
            continue  # the top: it may import everything, and its docstring says what it does instead
        doc = importlib.import_module(f"annotator.{name}").__doc__ or ""
        allowed = next((line for line in doc.splitlines() if line.startswith("May import:")), None)
        assert allowed, f"annotator/{name}/__init__.py does not say what it may import"
        assert mentioned(rows[name]) == mentioned(allowed), (
            f"{name}: docs/architecture.md says it may import {sorted(mentioned(rows[name]))}, "
            f"its __init__ says {sorted(mentioned(allowed))}"
        )


# -- every command is documented with an example -----------------------------------------------------------------

#: Commands that run until stopped (a server) or need one running (``connect`` needs ``serve``): shown in a ``shell``
#: block, without output, since the docs test cannot run them to completion.
NOT_RUN = {"studio", "serve", "connect"}
SHELL = re.compile(r"^```shell\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def test_every_command_has_an_example_in_the_docs():
    from annotator.cli import cli

    run = {m for page in PAGES for e in examples(page) for m in re.findall(r"\bannotator ([a-z]+)", e.command)}
    shown = {
        m
        for page in PAGES
        for block in SHELL.finditer(page.read_text(encoding="utf-8"))
        for m in re.findall(r"^\$ annotator ([a-z]+)", block.group(1), re.MULTILINE)
    }
    for name in cli.commands:
        if name in NOT_RUN:
            assert name in shown, f"`annotator {name}` has no example (a shell block) in README.md or docs/"
        else:
            assert name in run, f"`annotator {name}` has no console example (run by this test) in README.md or docs/"


# -- links between the pages ---------------------------------------------------------------------------------------

LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```$", "", page.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return {slug(m) for m in re.findall(r"^#+ (.*)$", text, re.MULTILINE)}


def test_slug_is_githubs():
    assert slug("Labelling order (active learning)") == "labelling-order-active-learning"
    assert slug("A local Label Studio: `annotator studio`") == "a-local-label-studio-annotator-studio"


@pytest.mark.parametrize("page", [*PAGES, REPO / "benchmarks" / "README.md"], ids=lambda p: str(p.relative_to(REPO)))
def test_links_point_at_files_and_headings_that_exist(page: Path):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.relative_to(REPO)} links to {target}: no such file"
        if anchor:
            assert anchor in anchors(linked), f"{page.relative_to(REPO)} links to {target}: no such heading"


# -- the names and paths the docs mention exist --------------------------------------------------------------------

DOTTED = re.compile(r"(?<![@\w.])annotator(?:\.\w+)+")
SOURCE_PATH = re.compile(r"(?<![\w/.])((?:annotator|schemas|tests|benchmarks|data|models)/[\w./-]*\w)")
#: Packages the wheel makes of data folders (pyproject's package-dir); in a checkout they are folders.
DATA_PACKAGES = {"annotator.schemas": "schemas", "annotator.models": "models"}


def resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for k in range(len(parts), 1, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[k:]:
            if not hasattr(obj, attribute):
                return False
            obj = getattr(obj, attribute)
        return True
    return False


@pytest.mark.parametrize("page", [*PAGES, REPO / "benchmarks" / "README.md"], ids=lambda p: str(p.relative_to(REPO)))
def test_names_and_paths_in_the_docs_exist(page: Path):
    text = page.read_text(encoding="utf-8")
    for dotted in sorted(set(DOTTED.findall(text))):
        if dotted in DATA_PACKAGES:
            assert (REPO / DATA_PACKAGES[dotted]).is_dir(), dotted
            continue
        assert resolves(dotted), f"{page.relative_to(REPO)} mentions {dotted}, which does not import"
    for path in sorted(set(SOURCE_PATH.findall(text))):
        if "NAME" in path or path.startswith("models/live") or path.startswith("models/mine"):
            continue  # a placeholder, or a folder the examples create
        assert (REPO / path).exists(), f"{page.relative_to(REPO)} mentions {path}, which does not exist"

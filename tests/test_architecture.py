"""The package's architecture, read from its source with ``ast``: no import cycle inside ``annotator`` (at module
level or inside functions), and each subpackage imports only what its ``__init__`` docstring allows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "annotator"
KERNEL = ("errors", "resources", "labels", "predictions", "guideline")
SUBPACKAGES = ("io", "text", "attribution", "classifier", "prelabel", "studio", "backend", "claims", "cli")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> set[str]:
    """Every ``annotator`` module this file imports, wherever the import statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path, root)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "annotator")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                package = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base]) if base else ".".join(package)
            if base.split(".")[0] != "annotator":
                continue
            for alias in node.names:  # ``from annotator.x import y``: y may be a module
                found.add(f"{base}.{alias.name}")
            found.add(base)
    return found


def graph(root: Path) -> dict[str, set[str]]:
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {m for m in imports_of(path, root) if m in modules and m != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), plus self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in SUBPACKAGES else "kernel"


def allowed(package: Path, name: str) -> set[str]:
    """The areas a subpackage's docstring says it may import (its ``May import:`` line)."""
    doc = ast.get_docstring(ast.parse((package / name / "__init__.py").read_text(encoding="utf-8"))) or ""
    match = re.search(r"May import:(.*?)(?:\n\s*\n|Never imports:|$)", doc, re.S)
    assert match, f"annotator/{name}/__init__.py: its docstring must say what it may import ('May import: ...')"
    text = match.group(1)
    return {"kernel", name} | {s for s in SUBPACKAGES if re.search(rf"\b{s}\b", text)}


def test_cycle_finder_finds_a_cycle(tmp_path):
    # the checker itself: a package whose two modules import each other is reported
    pkg = tmp_path / "annotator"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "a.py").write_text("def f():\n    from annotator.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from annotator.sub.a import f\n")
    (pkg / "c.py").write_text("from .sub import a\n")
    assert cycles(graph(pkg)) == [["annotator.sub.a", "annotator.sub.b"]]
    assert "annotator.sub.a" in graph(pkg)["annotator.c"]


def test_no_import_cycle():
    assert cycles(graph(SOURCE)) == []


def test_every_subpackage_says_what_it_owns():
    for name in SUBPACKAGES:
        doc = ast.get_docstring(ast.parse((SOURCE / name / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, f"annotator/{name}/__init__.py needs a docstring saying what it owns"
        if name != "cli":
            assert "Never imports:" in doc, name


@pytest.mark.parametrize("name", [s for s in SUBPACKAGES if s != "cli"])
def test_subpackage_imports_only_what_it_declares(name):
    edges = graph(SOURCE)
    may = allowed(SOURCE, name)
    # a submodule named in the docstring (``annotator.studio.tasks``) is allowed on its own
    doc = ast.get_docstring(ast.parse((SOURCE / name / "__init__.py").read_text(encoding="utf-8"))) or ""
    named = set(re.findall(r"annotator\.([a-z_]+\.[a-z_]+)", doc.split("Never imports:")[0]))
    wrong = sorted(
        f"{src} -> {dst}"
        for src, targets in edges.items()
        if area(src) == name
        for dst in targets
        if area(dst) not in may and ".".join(dst.split(".")[1:3]) not in named
    )
    assert wrong == []


def test_kernel_imports_no_subpackage():
    edges = graph(SOURCE)
    wrong = sorted(f"{s} -> {d}" for s, ts in edges.items() if area(s) == "kernel" for d in ts if area(d) != "kernel")
    assert wrong == []


#: dev-only reference implementations the tests compare against: never imported by the package (copyleft licences,
#: or simply not a runtime dependency; see the comments of pyproject's dev extra)
TEST_ONLY = ("cleanlab", "krippendorff")


def third_party_imports(root: Path) -> dict[str, set[str]]:
    """Each module's imported top-level packages that are not ``annotator``, wherever the import statement stands."""
    out: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module",
                "__import__",
                "importorskip",
            ):  # importlib.import_module("x"), __import__("x"), pytest.importorskip("x")
                found.update(a.value.split(".")[0] for a in node.args[:1] if isinstance(a, ast.Constant))
        out[module_name(path, root)] = found
    return out


def test_the_finder_sees_every_kind_of_import(tmp_path: Path) -> None:
    pkg = tmp_path / "annotator"
    pkg.mkdir()
    (pkg / "a.py").write_text("import cleanlab.filter\n")
    (pkg / "b.py").write_text("def f():\n    from krippendorff import alpha\n")
    (pkg / "c.py").write_text("import importlib\nimportlib.import_module('cleanlab')\n")
    (pkg / "d.py").write_text("from . import a\n")
    found = third_party_imports(pkg)
    assert "cleanlab" in found["annotator.a"] and "krippendorff" in found["annotator.b"]
    assert "cleanlab" in found["annotator.c"] and found["annotator.d"] == set()


def test_the_package_never_imports_a_test_only_library() -> None:
    wrong = sorted(
        f"{m} imports {lib}" for m, libs in third_party_imports(SOURCE).items() for lib in libs if lib in TEST_ONLY
    )
    assert wrong == []

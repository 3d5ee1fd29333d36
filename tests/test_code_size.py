"""Size limits, read from the source with ``ast``: a module of 400 lines or more does two jobs, a function or method
of 60 lines or more (from its ``def`` line to its last line, docstring included) does two steps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "annotator"
MAX_MODULE_LINES = 400  # a module must stay below this
MAX_FUNCTION_LINES = 60  # and a function or method below this


def long_modules(root: Path, limit: int) -> list[str]:
    """``path: n lines`` for each module under ``root`` with ``limit`` lines or more."""
    out = []
    for path in sorted(root.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n >= limit:
            out.append(f"{path.relative_to(root.parent)}: {n} lines")
    return out


def long_functions(root: Path, limit: int) -> list[str]:
    """``path:line name: n lines`` for each function or method under ``root`` with ``limit`` lines or more."""
    out = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n >= limit:
                    out.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name}: {n} lines")
    return out


def test_modules_stay_under_400_lines() -> None:
    offenders = long_modules(SOURCE, MAX_MODULE_LINES)
    assert not offenders, "split by job:\n" + "\n".join(offenders)


def test_functions_stay_under_60_lines() -> None:
    offenders = long_functions(SOURCE, MAX_FUNCTION_LINES)
    assert not offenders, "split into steps:\n" + "\n".join(offenders)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A package with one module at each side of both limits."""
    root = tmp_path / "pkg"
    root.mkdir()

    def function(indent: str, lines: int) -> str:
        body = "".join(f"{indent}    x{i} = {i}\n" for i in range(lines - 3))
        return f'{indent}def f():\n{indent}    """Doc."""\n{body}{indent}    return 0\n'

    (root / "long.py").write_text(function("", 60), encoding="utf-8")
    (root / "short.py").write_text("class A:\n" + function("    ", 59), encoding="utf-8")
    (root / "big.py").write_text("x = 1\n" * 400, encoding="utf-8")
    (root / "small.py").write_text("x = 1\n" * 399, encoding="utf-8")
    return root


def test_the_checks_name_each_offender_and_only_them(package: Path) -> None:
    assert long_modules(package, MAX_MODULE_LINES) == ["pkg/big.py: 400 lines"]
    assert long_functions(package, MAX_FUNCTION_LINES) == ["pkg/long.py:1 f: 60 lines"]
    assert long_functions(package, 59) == ["pkg/long.py:1 f: 60 lines", "pkg/short.py:2 f: 59 lines"]

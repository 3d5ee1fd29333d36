"""Where the shared data lives: the one place tests and benchmarks ask.

The shared data (the scraped seed articles, the Golden Rules, the real-news dev set, the labelling spec) is not part
of the repository and is never copied into it. It is read from ``$ANNOTATOR_SHARED`` when that is set, else from
``../shared`` beside the repository. A clone without it still passes its tests: a test that needs a missing shared
file skips with a reason naming the missing path, or fails with the same reason when ``ANNOTATOR_REQUIRE_SHARED=1``
(set by CI, where nothing may be skipped). Benchmarks stop with the same one-line reason and a non-zero status.

Importable as ``shared_data`` from tests (``tests/conftest.py`` puts ``tests/`` on ``sys.path``) and from
``benchmarks/*.py`` (each puts ``tests/`` on ``sys.path``). pytest is imported only by the functions meant for tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

REPO = Path(__file__).resolve().parents[1]
ENV_SHARED = "ANNOTATOR_SHARED"
ENV_REQUIRE = "ANNOTATOR_REQUIRE_SHARED"
MARKER = "shared_missing"  # a parameter standing for missing shared files (see seed_params and tests/conftest.py)


def shared_root() -> Path:
    """``$ANNOTATOR_SHARED`` if set (and not empty), else ``../shared`` beside the repository."""
    override = os.environ.get(ENV_SHARED, "").strip()
    return Path(override).expanduser().resolve() if override else REPO.parent / "shared"


SHARED = shared_root()
SEEDS = SHARED / "seeds"  # scraped news articles, *.txt
GOLDEN_RULES = SHARED / "data" / "golden_rules_en.txt"  # the Golden Rules of sentence splitting, one JSON per line
REALNEWS_DEV = SHARED / "data" / "realnews_dev"  # real news articles with two annotators' labels and a gold set
LABELS_SPEC = SHARED / "spec" / "labels.md"  # the labelling guideline


def required() -> bool:
    """True when a missing shared file must fail the run (``ANNOTATOR_REQUIRE_SHARED`` set to anything but 0)."""
    return os.environ.get(ENV_REQUIRE, "").strip() not in {"", "0"}


def missing_reason(path: Path, pattern: str | None = None) -> str | None:
    """Why ``path`` cannot be used (it is missing, or, with ``pattern``, a directory with no file matching it); None
    when it can."""
    if not path.exists():
        if os.environ.get(ENV_SHARED, "").strip():
            return f"shared data missing: {path} (looked in {ENV_SHARED}={os.environ[ENV_SHARED]})"
        where = f"looked in ../shared beside the repository; set {ENV_SHARED} to the folder with seeds/, data/, spec/"
        return f"shared data missing: {path} ({where})"
    if pattern is not None and not any(path.glob(pattern)):
        return f"shared data missing: no {pattern} in {path}"
    return None


def seed_files() -> list[Path]:
    """The seed articles, sorted; empty when they are missing."""
    return sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


# -- for tests ------------------------------------------------------------------------------------------------------


def missing(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it with the same reason when shared data is required."""
    import pytest

    if required():
        pytest.fail(f"{reason} ({ENV_REQUIRE} is set)", pytrace=False)
    pytest.skip(reason)


def need(path: Path, *, pattern: str | None = None) -> Path:
    """``path`` when it exists (a directory: holding a file matching ``pattern``, if given); else skip or fail the
    test with a reason naming the missing path."""
    reason = missing_reason(path, pattern)
    if reason is not None:
        missing(reason)
    return path


def seed_params() -> list[Any]:
    """``pytest.param`` per seed article, for ``@pytest.mark.parametrize("path", seed_params())``.

    When the seeds are missing this is one parameter that is skipped with the reason or, when shared data is
    required, carries it in a ``shared_missing`` mark that ``tests/conftest.py`` turns into a failure: the test is
    reported, never silently collected zero times."""
    import pytest

    files = seed_files()
    if files:
        return [pytest.param(p, id=p.name) for p in files]
    reason = missing_reason(SEEDS, "*.txt") or f"shared data missing: no *.txt in {SEEDS}"
    mark = getattr(pytest.mark, MARKER)(reason) if required() else pytest.mark.skip(reason=reason)
    return [pytest.param(SEEDS, id="seeds-missing", marks=mark)]


# -- for benchmarks -------------------------------------------------------------------------------------------------


def need_or_exit(path: Path, *, pattern: str | None = None) -> Path:
    """``path`` when it exists (as for :func:`need`); else stop the script with a one-line message, status 1."""
    reason = missing_reason(path, pattern)
    if reason is not None:
        raise SystemExit(f"{reason}; this benchmark needs it")
    return path

"""``annotator ARGV`` run in the test's own process (``tests/`` is on ``sys.path``, see conftest.py)."""

from __future__ import annotations

from annotator.cli import main


def run(argv: list[str]) -> int:
    """The exit status ``annotator`` would end with (its output goes to the test's captured streams)."""
    try:
        main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0

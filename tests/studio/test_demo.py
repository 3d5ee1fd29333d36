"""``make demo-stop`` when nothing runs, and the demo's arguments. The demo against a real Label Studio (start,
reuse, push, stop) is tests/studio/test_local.py::test_demo_starts_reuses_and_stops, next to the local server it
drives."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.studio.demo import main


def test_stop_when_no_demo_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stop", "--data-dir", str(tmp_path / ".studio")]) == 0
    assert capsys.readouterr().out == "no demo Label Studio was running\n"


def test_a_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--port", "eighty"])
    assert stop.value.code == 2
    assert "invalid int value" in capsys.readouterr().err

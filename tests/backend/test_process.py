"""The training process: results and exceptions come back, a dead or closed process is an error for that call
and leaves no process behind (the Python 3.11.2 pool hang of issue 12 cannot happen: no pool)."""

from __future__ import annotations

import math
import os
import signal
import threading
import time

import psutil
import pytest

from annotator.backend.process import TrainingProcess, TrainingProcessError
from annotator.errors import ModelError


def _alive(pid: int | None) -> bool:
    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_training_process_returns_results_and_raises_what_the_call_raised() -> None:
    process = TrainingProcess()
    try:
        assert process.call(math.comb, 10, 3) == 120
        with pytest.raises(ValueError, match="math domain error") as raised:
            process.call(math.sqrt, -1.0)
        assert "in the training process" in "".join(raised.value.__notes__)
        with pytest.raises(ModelError, match="cannot pickle"):  # a result that cannot travel: said, not a hang
            process.call(threading.Lock)
        assert process.call(math.comb, 4, 2) == 6  # the same process, still serving
    finally:
        process.close()
    assert not _alive(process.pid)


def test_a_killed_training_process_is_an_error_and_leaves_no_process() -> None:
    process = TrainingProcess()
    try:
        assert process.call(os.getpid) == process.pid
        killer = threading.Timer(0.5, os.kill, (process.pid, signal.SIGKILL))
        killer.start()
        with pytest.raises(TrainingProcessError, match="the training process died"):
            process.call(time.sleep, 60)
        killer.join()
        with pytest.raises(TrainingProcessError):  # closed: refused, not a hang
            process.call(os.getpid)
    finally:
        process.close()
    assert not _alive(process.pid)

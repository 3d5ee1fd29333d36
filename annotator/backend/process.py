"""The training process of the live backend: one spawned process that runs calls one at a time, and whose death
(killed, out of memory) is an error for that call only, never a hang."""

from __future__ import annotations

import multiprocessing
import signal
import traceback
import weakref
from collections.abc import Callable
from multiprocessing import connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from annotator.errors import ModelError


class TrainingProcessError(ModelError):
    """The training process ended (killed, out of memory, closed) before it replied."""


class TrainingProcess:
    """One spawned process (spawn, not fork: the backend runs threads) that runs calls one at a time, kept warm
    between them; :meth:`close` (or the garbage collector, or the interpreter's exit) terminates it.

    Not a ``ProcessPoolExecutor``: when a pool's worker dies while the pool's feeder thread is writing a call into
    the worker's pipe (a training set is hundreds of kilobytes, more than a pipe holds), Python 3.11.2 leaves that
    thread blocked, and the pool's manager thread waiting on it, for ever: even ``shutdown(wait=False)`` and then
    the interpreter's exit wait on it (later releases close the pipe, CPython gh-94777). Here the caller's own
    thread sends and receives: a dead process shows as a broken pipe or as its exit, and nothing else is left
    waiting.
    """

    def __init__(self, *, warm: Callable[[], object] | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        # a daemon: multiprocessing terminates it at the interpreter's exit even if nothing else does
        self._process = context.Process(target=_serve, args=(child, warm), name="annotator-training", daemon=True)
        self._process.start()
        child.close()  # the process holds the only other end: if it dies, a send fails and a receive ends
        self._finalizer = weakref.finalize(self, _stop, self._process, self._conn)

    @property
    def pid(self) -> int | None:
        """The process id (for tests and logs)."""
        return self._process.pid

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in the process: its result, or the exception it raised (with the training process's
        traceback as a note). Raises :class:`TrainingProcessError` if the process died (killed, out of
        memory) or was closed; it is then closed, and the caller starts a new one."""
        try:
            self._conn.send((fn, args))
            connection.wait([self._conn, self._process.sentinel])  # the reply, or the process's end
            if not self._conn.poll():
                raise EOFError(f"exit code {self._process.exitcode}")
            ok, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            self.close()
            raise TrainingProcessError(f"the training process died ({str(exc) or type(exc).__name__})") from exc
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Terminate the process (at once, even in the middle of a call)."""
        self._finalizer()


def _stop(process: BaseProcess, conn: Connection) -> None:
    if process.is_alive():
        process.terminate()
        process.join(5)
    if process.is_alive():
        process.kill()
        process.join(5)
    conn.close()


def _serve(conn: Connection, warm: Callable[[], object] | None) -> None:
    """The training process: run each ``(fn, args)`` received and send back ``(True, result)`` or
    ``(False, exception)``; return when the backend closes its end or exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the backend's terminal: the backend stops this process
    if warm is not None:
        warm()
    while True:
        try:
            fn, args = conn.recv()
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:
            exc.add_note("in the training process:\n" + "".join(traceback.format_exception(exc)).rstrip())
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # an exception (or a result) that does not pickle: send what it said
            conn.send((False, ModelError(f"{type(exc).__name__}: {exc} (in the training process)")))

"""The HTTP server the backend runs on: uvicorn, with limits on what a client may hold open.

uvicorn closes an idle kept-alive connection after ``timeout_keep_alive`` seconds and refuses request headers
larger than ``h11_max_incomplete_event_size``, but it waits for ever for the headers of a request (a client that
sends one byte a second keeps a connection, and many keep many). :class:`HeaderTimeoutProtocol` closes a connection
whose request headers are not all in within :data:`HEADER_TIMEOUT` seconds of its opening or of the previous
response. The body has its own deadline (:attr:`annotator.backend.checks.Settings.body_timeout`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from types import FrameType
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HEADER_TIMEOUT", "HeaderTimeoutProtocol", "serve"]

log = logging.getLogger("annotator.backend.server")

#: seconds a client has to send a request's headers
HEADER_TIMEOUT = 10.0
#: seconds an idle kept-alive connection stays open
KEEP_ALIVE = 5
#: the largest request head (request line and headers), in bytes
MAX_HEAD = 16 * 1024


class HeaderTimeoutProtocol(H11Protocol):  # type: ignore[misc]  # uvicorn is not type-checked here
    """uvicorn's HTTP/1.1 protocol, closing a connection that does not deliver request headers in time."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_late, self.cycle)

    def _disarm(self) -> None:
        handle = getattr(self, "_header_deadline", None)
        if handle is not None:
            handle.cancel()
            self._header_deadline = None

    def _headers_late(self, cycle: Any) -> None:
        """Close the connection if no request began since the timer was armed (the same cycle, or none, is
        current)."""
        self._header_deadline = None
        if self.cycle is cycle and not self.transport.is_closing():
            where = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            log.info("closed the connection of %s: no request headers within %g s", where, self.header_timeout)
            self.transport.close()


def serve(app: Any, *, host: str = "127.0.0.1", port: int = 9090, log_level: str = "info") -> None:
    """Run ``app`` with uvicorn, with the limits above, until interrupted.

    SIGINT and SIGTERM go to uvicorn's own graceful exit from before the event loop exists: a signal that came
    while the loop was being built would otherwise interrupt its constructor (the caller's handler raises
    KeyboardInterrupt) and leave a half-made loop whose ``__del__`` prints a traceback. Once the server has
    stopped, the caller's handlers are back and the first signal received is raised again for them, so the
    command ends as it would have (KeyboardInterrupt, "terminated")."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, **config(host=host, port=port, log_level=log_level)))
    if threading.current_thread() is not threading.main_thread():  # no handler can be set: uvicorn's case too
        server.run()
        return
    received: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        server.handle_exit(signum, frame)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        signal.raise_signal(received[0])


def config(*, host: str, port: int, log_level: str = "info") -> dict[str, Any]:
    """uvicorn's keyword arguments for the backend (also for tests that run it in a thread)."""
    return {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": False,
        "http": HeaderTimeoutProtocol,
        "timeout_keep_alive": KEEP_ALIVE,
        "h11_max_incomplete_event_size": MAX_HEAD,
    }

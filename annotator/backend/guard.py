"""Who may reach the backend: the secret it is started with, and the check of every request's ``Host`` and
``Origin`` before it is routed.

The secret is generated on the first start and kept in a file readable by its owner only (``backend-token`` beside
the models); it is never printed or logged. Label Studio sends it as HTTP basic auth (its ML settings' *Basic auth*
user and password: :data:`USER` and the secret).

The ``Host`` check stops DNS rebinding (a page whose name resolves to 127.0.0.1); the ``Origin`` check stops a page
of another origin, which a browser lets post "simple" requests without asking. Label Studio calls from its server,
with no ``Origin``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from annotator.errors import InputError

__all__ = ["TOKEN_FILE", "USER", "HostGuard", "backend_token", "read_credentials"]

log = logging.getLogger("annotator.backend.guard")

#: the secret's file name, in the models directory
TOKEN_FILE = "backend-token"
#: the user name that goes with the secret in basic auth
USER = "annotator"


def backend_token(directory: str | Path) -> tuple[Path, str]:
    """The backend's secret and its file, ``directory/backend-token``: read, or generated (and written 0600, all at
    once: two backends starting together end with the same secret) when there is none."""
    path = Path(directory) / TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, tmp = tempfile.mkstemp(prefix=f".{TOKEN_FILE}.", dir=path.parent)  # 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(32) + "\n")
            with contextlib.suppress(FileExistsError):  # another start wrote it first: keep that one
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    token = path.read_text(encoding="ascii", errors="replace").strip()
    if len(token) < 16:
        raise InputError(str(path), "the backend's secret is shorter than 16 characters; delete the file for a new one")
    return path, token


def read_credentials(path: str | Path) -> tuple[str, str] | None:
    """The credentials of a backend whose secret is in ``path`` (:data:`USER` and the secret); None when there is
    no such file (a backend without authentication)."""
    path = Path(path)
    if not path.is_file():
        return None
    secret = path.read_text(encoding="ascii", errors="replace").strip()
    if not secret:
        raise InputError(str(path), "empty: expected the backend's secret")
    return USER, secret


class HostGuard:
    """ASGI middleware: a request whose ``Host`` is not one of ``hosts`` (on ``port``, when given) or whose
    ``Origin`` is present and not the request's own gets 403 before any endpoint runs."""

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str], port: int | None = None) -> None:
        self.app = app
        self.hosts = {h.lower().strip("[]") for h in hosts}
        self.port = port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        reason = self.refusal(headers.get("host", ""), headers.get("origin"), scope.get("scheme", "http"))
        if reason is None:
            await self.app(scope, receive, send)
            return
        log.info("%s %s refused: %s", scope.get("method"), scope.get("path"), reason)
        await JSONResponse({"error": reason}, status_code=403)(scope, receive, send)

    def refusal(self, host: str, origin: str | None, scheme: str = "http") -> str | None:
        """Why a request with these headers (over ``scheme``) is refused; None when it is not."""
        name, port = _split(host)
        if name not in self.hosts or (port is not None and self.port is not None and port != self.port):
            return f"Host {host[:100]!r} is not this backend's (expected one of {sorted(self.hosts)})"
        if origin is None:
            return None
        parts = urlsplit(origin)
        if parts.scheme == scheme:
            origin_name, origin_port = _split(parts.netloc)
            if (origin_name, origin_port or _default(scheme)) == (name, port or _default(scheme)):
                return None
        return f"Origin {origin[:100]!r} is not the backend's own: cross-origin requests are refused"


def _split(host: str) -> tuple[str, int | None]:
    """``name[:port]`` (``[v6]:port`` too) as (lower-case name, port or None); ("", None) when malformed."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ("" if not rest else "x")
    else:
        name, _, port = host.partition(":") if host.count(":") <= 1 else (host, "", "")
    if port and not port.isdigit():
        return "", None
    return name, int(port) if port else None


def _default(scheme: str) -> int:
    return 443 if scheme == "https" else 80

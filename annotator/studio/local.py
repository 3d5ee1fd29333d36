"""A local Label Studio for one machine: ``annotator studio`` and ``make demo``.

Runs ``label-studio start`` from this environment with SQLite in a data directory (or PostgreSQL through Label
Studio's own ``DJANGO_DB=default`` and ``POSTGRE_*`` settings), the admin user and a legacy API token created
non-interactively, analytics, version checks and error reporting to outside services turned off. The credentials are
generated once and kept in ``credentials.json`` (mode 0600) in the data directory; they are never printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from annotator.errors import StudioError

CREDENTIALS = "credentials.json"
LOG = "label-studio.log"
PIDFILE = "label-studio.pid"
DEFAULT_DIR = ".studio"
DEFAULT_PORT = 8080
_QUIET_ENV = {
    "COLLECT_ANALYTICS": "false",
    "LATEST_VERSION_CHECK": "false",
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    # the ML backend (annotator's) runs on this machine too; Label Studio would refuse to call a local address for
    # /predict, /setup and training. Its SSRF guard stays on otherwise (URL imports, webhooks): see _WEBHOOKS_ENV
    "ML_BLOCK_LOCAL_IP": "false",
}
#: with ``allow_loopback_webhooks``: the SSRF guard off, so that webhooks reach a backend on this machine
_WEBHOOKS_ENV = {"SSRF_PROTECTION_ENABLED": "false"}
LOOPBACK_WEBHOOKS_WARNING = (
    "warning: Label Studio's SSRF protection is off: it will post webhooks to this machine, and so will fetch "
    "any URL a user of it gives (task imports, cloud storage) from this machine and its network, 127.0.0.1 and "
    "private addresses included, and may show what it got. `annotator serve` needs none of this: it polls for "
    "new annotations."
)
#: the data directory holds the database (with the API token) and the credentials: for the user only
DIR_MODE, FILE_MODE, UMASK = 0o700, 0o600, 0o077


@dataclass(frozen=True)
class Credentials:
    """The local admin's login and API token (a legacy token: ``Authorization: Token ...``)."""

    username: str
    password: str
    token: str

    def __repr__(self) -> str:  # never show secrets in logs or tracebacks
        return f"Credentials(username={self.username!r}, password=..., token=...)"


@dataclass(frozen=True)
class Postgres:
    """Connection settings of a PostgreSQL database for Label Studio (instead of SQLite)."""

    host: str
    port: int
    name: str
    user: str
    password: str

    def env(self) -> dict[str, str]:
        return {
            "DJANGO_DB": "default",
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
            "POSTGRE_NAME": self.name,
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": self.password,
        }


def credentials(data_dir: str | Path) -> Credentials:
    """The credentials stored in ``data_dir``, created (0600) on first use."""
    path = Path(data_dir) / CREDENTIALS
    if path.exists():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return Credentials(username=stored["username"], password=stored["password"], token=stored["token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise StudioError(f"{path}: not a credentials file ({exc}); delete it to create new credentials") from exc
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    creds = Credentials(
        username="admin@annotator.local", password=secrets.token_urlsafe(12), token=secrets.token_hex(20)
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"username": creds.username, "password": creds.password, "token": creds.token}, fh)
    return creds


def make_private(data_dir: str | Path) -> None:
    """Make ``data_dir`` and every directory in it 0700 and every file 0600 (symbolic links are left alone): a
    directory created by an older version, or files Label Studio made under another umask."""
    root = Path(data_dir)
    root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    root.chmod(DIR_MODE)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            path = Path(dirpath, name)
            if not path.is_symlink():
                path.chmod(DIR_MODE)
        for name in filenames:
            path = Path(dirpath, name)
            if not path.is_symlink():
                path.chmod(FILE_MODE)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _label_studio() -> str:
    beside = Path(sys.executable).parent / "label-studio"
    found = str(beside) if beside.exists() else shutil.which("label-studio")
    if not found:
        raise StudioError("label-studio is not installed; install the studio extra: pip install 'annotator[studio]'")
    return found


# `django.db.utils.OperationalError: connection failed: ... password authentication failed for user "x"`
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception): .+$", re.MULTILINE)
_RESET_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


def healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether Label Studio at ``url`` answers ``/health`` with 200."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def last_error(log_path: Path, since: int = 0) -> str | None:
    """The last exception line (``module.Error: message``) of a Label Studio log after byte ``since`` (where this
    start began writing), e.g. why it could not reach its database; None when there is none."""
    try:
        with log_path.open("rb") as fh:
            fh.seek(max(since, log_path.stat().st_size - 64_000))
            tail = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    found = _EXCEPTION_LINE.findall(tail)
    return " ".join(found[-1].split())[:300] if found else None


class LocalStudio:
    """A Label Studio server process on ``127.0.0.1:port``; use as a context manager, or call start/stop."""

    def __init__(
        self,
        data_dir: str | Path = DEFAULT_DIR,
        *,
        port: int = DEFAULT_PORT,
        postgres: Postgres | None = None,
        extra_env: Mapping[str, str] | None = None,
        allow_loopback_webhooks: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.allow_loopback_webhooks = allow_loopback_webhooks
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.postgres = postgres
        self.extra_env = dict(extra_env or {})
        self.credentials = credentials(self.data_dir)
        self.log_path = self.data_dir / LOG
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        c = self.credentials
        # a background job of a non-interactive shell ignores SIGINT, and children inherit that: exec the server
        # through a one-line reset, so that stop() can end it with SIGINT as Ctrl-C would
        reset = [sys.executable, "-c", _RESET_SIGINT] if signal.getsignal(signal.SIGINT) == signal.SIG_IGN else []
        return [
            *reset,
            _label_studio(),
            "start",
            "--no-browser",
            "--data-dir",
            str(self.data_dir),
            "--internal-host",
            "127.0.0.1",
            "-p",
            str(self.port),
            "--username",
            c.username,
            # the password and token travel in the environment (LABEL_STUDIO_PASSWORD, LABEL_STUDIO_USER_TOKEN, see
            # env()), which Label Studio reads like --password/--user-token: a command line is visible to every
            # user of the machine in `ps`
            "--enable-legacy-api-token",
        ]

    def env(self) -> dict[str, str]:
        c = self.credentials
        env = {
            **os.environ,
            **_QUIET_ENV,
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir),
            "LABEL_STUDIO_PASSWORD": c.password,
            "LABEL_STUDIO_USER_TOKEN": c.token,
        }
        if self.allow_loopback_webhooks:
            env.update(_WEBHOOKS_ENV)
        if self.postgres is not None:
            env.update(self.postgres.env())
        env.update(self.extra_env)
        return env

    def start(self, *, timeout: float = 180.0) -> LocalStudio:
        """Start the server and wait until ``/health`` answers; raise :class:`StudioError` if it does not."""
        if healthy(self.url, timeout=0.5):
            raise StudioError(f"something already answers on {self.url}")
        make_private(self.data_dir)
        log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        log_start = os.fstat(log).st_size  # the log is kept across starts: this start's lines begin here
        try:
            self.process = subprocess.Popen(
                self.command(),
                env=self.env(),
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in our terminal reaches us; we stop the whole group
                umask=UMASK,  # the database, its journal, uploads and exports: readable by the user only
            )
        finally:
            os.close(log)
        pidfile = os.open(self.data_dir / PIDFILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(pidfile, "w", encoding="utf-8") as fh:
            fh.write(f"{self.process.pid} {self.port}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                why = last_error(self.log_path, log_start)
                raise StudioError(
                    f"Label Studio exited with status {self.process.returncode}{f' ({why})' if why else ''}; "
                    f"see {self.log_path}"
                )
            if healthy(self.url):
                return self
            time.sleep(0.5)
        self.stop()
        raise StudioError(f"Label Studio did not answer {self.url}/health within {timeout:.0f} s; see {self.log_path}")

    def stop(self, *, timeout: float = 20.0) -> None:
        """Stop the server (SIGINT, then SIGTERM, then SIGKILL to its process group)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):  # each after the previous had `timeout` s
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=timeout)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(FileNotFoundError):
            (self.data_dir / PIDFILE).unlink()

    def wait(self) -> int:
        """Block until the server exits; return its status."""
        if self.process is None:
            return 0
        return self.process.wait()

    def __enter__(self) -> LocalStudio:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def running(data_dir: str | Path = DEFAULT_DIR) -> tuple[int, str] | None:
    """The process id and URL of a server started (and left running) from ``data_dir``, if it still answers."""
    path = Path(data_dir) / PIDFILE
    try:
        pid_text, port_text = path.read_text(encoding="utf-8").split()
        pid, url = int(pid_text), f"http://127.0.0.1:{int(port_text)}"
    except (OSError, ValueError):
        return None
    return (pid, url) if healthy(url) else None


def stop_running(data_dir: str | Path = DEFAULT_DIR, *, timeout: float = 20.0) -> bool:
    """Stop a server left running from ``data_dir`` (SIGINT, then SIGTERM); False if none was running."""
    found = running(data_dir)
    if found is None:
        return False
    pid, url = found
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and healthy(url, timeout=0.5):
            time.sleep(0.3)
        if not healthy(url, timeout=0.5):
            break
    with contextlib.suppress(FileNotFoundError):
        (Path(data_dir) / PIDFILE).unlink()
    return True

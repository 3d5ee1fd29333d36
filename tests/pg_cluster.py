"""A throwaway PostgreSQL cluster for the tests: the one place tests ask for PostgreSQL.

:func:`start` runs ``initdb`` into a fresh temporary folder and ``pg_ctl start`` on a free loopback port (listening on
127.0.0.1 only, its unix socket inside that folder), creates a role with a random password and a database it owns,
and returns a :class:`Cluster`; :func:`stop` stops it (``pg_ctl stop -m fast``) and removes the folder. Connections
over TCP need the password (scram-sha-256); the unix socket, reachable only by the cluster's owner and root, trusts
its users and is for setting up and inspecting only. The cluster is tuned for a throwaway (no fsync): never for data
worth keeping.

``initdb`` is looked up on ``PATH``, then in Debian's ``/usr/lib/postgresql/*/bin`` (newest first). When it is missing
a test that needs PostgreSQL skips with a reason naming what is missing, or fails with it when
``ANNOTATOR_REQUIRE_POSTGRES=1`` (set by ``.ci/run``, which installs Debian's ``postgresql``). PostgreSQL refuses to
run as root: as root the cluster runs as the ``postgres`` system user (created by Debian's package), which owns the
folder.

Importable as ``pg_cluster`` from tests (``tests/conftest.py`` puts ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

ENV_REQUIRE = "ANNOTATOR_REQUIRE_POSTGRES"
DEBIAN_BINS = "/usr/lib/postgresql/*/bin"
SYSTEM_USER = "postgres"  # the unprivileged user Debian's package creates; the cluster's owner when we are root
ROLE = "labelstudio"
DATABASE = "labelstudio"
PREFIX = "annotator-pg-"  # of the temporary folders, in the system's temporary directory
SESSION = "session.pid"  # in the folder: the process id of the test session that started the cluster
_VERSION = re.compile(r"/postgresql/(\d+)/")
# a throwaway cluster: nothing is worth an fsync
_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=50")


@dataclass(frozen=True)
class Cluster:
    """A running cluster: ``host``:``port`` takes ``user`` with ``password`` to ``database``."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    root: Path  # the temporary folder: data/, the unix socket and the server log
    bindir: Path
    run_as: tuple[str, ...]  # the command prefix that runs a program as the cluster's owner (empty: as us)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def connect(self, **kwargs: Any) -> Any:
        """A psycopg connection as ``user``, over TCP with the password, as Label Studio connects."""
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, dbname=self.database, user=self.user, password=self.password, **kwargs
        )


def bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: from ``PATH``, else Debian's newest; None when not installed."""
    found = shutil.which("initdb")
    if found:
        folder = Path(found).resolve().parent
        if (folder / "pg_ctl").exists():
            return folder
    candidates = [p for p in map(Path, glob.glob(DEBIAN_BINS)) if (p / "initdb").exists() and (p / "pg_ctl").exists()]
    candidates.sort(key=lambda p: int(m.group(1)) if (m := _VERSION.search(f"{p}/")) else 0, reverse=True)
    return candidates[0] if candidates else None


def missing_reason() -> str | None:
    """Why no cluster can be started here (naming what is missing); None when one can."""
    if bindir() is None:
        return f"PostgreSQL missing: no initdb on PATH or in {DEBIAN_BINS} (apt-get install -y postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return f"PostgreSQL will not run as root and there is no {SYSTEM_USER!r} user to run it as"
    with contextlib.suppress(ImportError):
        import psycopg  # noqa: F401

        return None
    return "psycopg missing: pip install 'psycopg[binary]'"


def required() -> bool:
    """True when missing PostgreSQL must fail the run (``ANNOTATOR_REQUIRE_POSTGRES`` set to anything but 0)."""
    return os.environ.get(ENV_REQUIRE, "").strip() not in {"", "0"}


def need() -> None:
    """Return when a cluster can be started; else skip the test, or fail it when PostgreSQL is required."""
    reason = missing_reason()
    if reason is not None:
        _missing(reason)


def _missing(reason: str) -> NoReturn:
    import pytest

    if required():
        pytest.fail(f"{reason} ({ENV_REQUIRE} is set)", pytrace=False)
    pytest.skip(reason)


def _owner() -> tuple[tuple[str, ...], int, int]:
    """The prefix that runs a command as the cluster's owner, and the owner's uid and gid."""
    if os.geteuid() != 0:
        return (), os.geteuid(), os.getegid()
    user = pwd.getpwnam(SYSTEM_USER)
    runuser = shutil.which("runuser")
    prefix = (
        (runuser, "-u", SYSTEM_USER, "--")
        if runuser
        else ("setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups")
    )
    return tuple(prefix), user.pw_uid, user.pw_gid


def _run(cmd: list[str], what: str, log: Path | None = None) -> None:
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd="/")
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log is not None and log.exists() else ""
        raise RuntimeError(f"{what} failed (status {done.returncode}): {done.stderr.strip()}\n{tail}".rstrip())


def start(port: int, *, host: str = "127.0.0.1") -> Cluster:
    """initdb into a new temporary folder, start the server on ``host``:``port``, create the role and its database.

    Raise RuntimeError (with the server's log) when any step fails; the folder is removed then."""
    binaries = bindir()
    if binaries is None:
        raise RuntimeError(missing_reason() or "PostgreSQL missing")
    run_as, uid, gid = _owner()
    # not under pytest's basetemp: that is private to us (0700), and the cluster's owner may be another user
    stop_abandoned(binaries, run_as)
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    (root / SESSION).write_text(str(os.getpid()), encoding="utf-8")
    cluster = Cluster(host, port, DATABASE, ROLE, secrets.token_urlsafe(16), root, binaries, run_as)
    try:
        os.chown(root, uid, gid)
        _run(
            [*run_as, str(binaries / "initdb"), "-D", str(cluster.data_dir), "-U", SYSTEM_USER, "-E", "UTF8",
             "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"],
            "initdb",
        )  # fmt: skip
        options = [f"-c listen_addresses={host}", f"-p {port}", f"-c unix_socket_directories={root}"]
        options += [f"-c {s}" for s in _SETTINGS]
        _run(
            [*run_as, str(binaries / "pg_ctl"), "-D", str(cluster.data_dir), "-l", str(cluster.log),
             "-o", " ".join(options), "-w", "-t", "60", "start"],
            "pg_ctl start",
            cluster.log,
        )  # fmt: skip
        _create_role_and_database(cluster)
    except BaseException:
        stop(cluster)
        raise
    return cluster


def stop_abandoned(binaries: Path, run_as: tuple[str, ...]) -> int:
    """Stop and remove the clusters of test sessions that were killed before they could (their process is gone);
    return how many. A session that ends, even with failures or Ctrl-C, stops its own."""
    found = 0
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            pid = int((root / SESSION).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        stop(Cluster("127.0.0.1", 0, DATABASE, ROLE, "", root, binaries, run_as))
        found += 1
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _create_role_and_database(cluster: Cluster) -> None:
    import psycopg
    from psycopg import sql

    # as the superuser over the unix socket (trusted; only the owner and root reach the folder it is in)
    with psycopg.connect(host=str(cluster.root), port=cluster.port, user=SYSTEM_USER, dbname="postgres") as admin:
        admin.autocommit = True
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(cluster.user), sql.Literal(cluster.password)
            )
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(cluster.database), sql.Identifier(cluster.user)
            )
        )


def stop(cluster: Cluster) -> None:
    """Stop the server (fast: connections are ended) and remove its folder; a server that is not running is fine."""
    try:
        if (cluster.data_dir / "postmaster.pid").exists():
            subprocess.run(
                [*cluster.run_as, str(cluster.bindir / "pg_ctl"), "-D", str(cluster.data_dir), "-m", "fast", "-w",
                 "-t", "60", "stop"],
                check=False, capture_output=True, stdin=subprocess.DEVNULL, cwd="/",
            )  # fmt: skip
    finally:
        shutil.rmtree(cluster.root, ignore_errors=True)


def running(cluster: Cluster) -> bool:
    """Whether the cluster's server still accepts connections (``pg_isready``)."""
    ready = cluster.bindir / "pg_isready"
    done = subprocess.run(
        [str(ready), "-h", cluster.host, "-p", str(cluster.port), "-t", "2"], check=False, capture_output=True
    )
    return done.returncode == 0

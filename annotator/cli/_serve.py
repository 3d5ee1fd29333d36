"""What ``annotator serve`` puts together before it serves (:mod:`annotator.cli.live` parses its options): the
credentials it requires, the Label Studio it retrains from, the retrainer and the poller."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from annotator.cli._util import MissingExtraError, connect, parse_auth
from annotator.errors import InputError, StudioError

__all__ = [
    "credentials",
    "hosts_for",
    "log_to_stderr",
    "poller_for",
    "project_check",
    "retrainer_for",
    "studio_to_retrain_from",
]


def credentials(basic_auth: str | None, no_auth: bool, host: str, models_dir: Path) -> tuple[Any, str]:
    """--basic-auth, else the backend's secret (generated on the first start), or None with --no-auth (127.0.0.1
    only); and what to tell the user about them (never the secret)."""
    from annotator.backend.guard import USER, backend_token

    if no_auth and (basic_auth or host != "127.0.0.1"):
        raise InputError("--no-auth", f"only with --host 127.0.0.1 and without --basic-auth; got --host {host}")
    if no_auth:
        return None, "warning: --no-auth: any local process can get predictions and retrain the model"
    auth = parse_auth(basic_auth)
    if auth is not None:
        return auth, "credentials: those of --basic-auth"
    path, secret = backend_token(models_dir)
    note = f"credentials: user {USER!r}, password in {path}; `annotator connect` gives them to the project"
    return (USER, secret), note + " (in its Model settings: Authentication method Basic auth)"


def poller_for(studio: Any, retrainer: Any, app: Any, seconds: float) -> Any:
    """The poller that feeds ``retrainer`` the annotations of the projects the backend serves (set up for,
    asked for predictions by, or heard from); None without retraining or with ``--poll-seconds 0``."""
    if retrainer is None or seconds <= 0:
        return None
    from annotator.backend.poll import Poller

    def projects() -> set[int]:
        return set(getattr(app.state, "projects", ())) | set(retrainer.projects())

    return Poller(studio, retrainer.notify, projects, interval=seconds)


def log_to_stderr(level: str) -> None:
    """The backend's log on stderr, at ``level``; httpx's at warning or above (at info it logs every request)."""
    import logging

    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))


def studio_to_retrain_from(url: str | None, token: str | None) -> Any:
    """The Label Studio client retraining reads labels from; None (with a note) when none answers and none was
    asked for explicitly."""
    try:
        return connect(url, token)
    except (StudioError, MissingExtraError) as exc:
        if url or token:  # asked for explicitly: that is an error
            raise
        click.echo(f"no Label Studio to retrain from ({exc}); predicting only", err=True)
        return None


def retrainer_for(
    holder: Any,
    studio: Any,
    seed_paths: Sequence[str | Path],
    models_dir: Path,
    every: int,
    *,
    auth: tuple[str, str] | None,
    refresh: bool,
) -> Any:
    """A retrainer that swaps new models into ``holder`` and publishes each new version to the project."""
    from annotator.backend.retrain import Retrainer, project_labels, read_seed
    from annotator.classifier.artefacts import load_predictor
    from annotator.resources import seed_files

    try:
        seed = read_seed(seed_paths or seed_files())
    except InputError as err:
        if Path(err.where).exists():
            raise
        raise InputError(err.where, f"{err.reason}; pass --seed") from None

    def publish(project: int, old: str, new: str) -> None:
        studio.set_backend_version(project, old, new, basic_auth=auth)
        if refresh:
            studio.refresh_predictions(project, new)

    return Retrainer(
        holder,
        fetch=lambda project: project_labels(studio, project),
        seed=seed,
        models_dir=models_dir,
        load=load_predictor,
        publish=publish,
        every=every,
    )


def hosts_for(host: str, allowed: Sequence[str]) -> tuple[str, ...]:
    """The names requests may address the backend by: loopback's, ``--host`` (unless a wildcard), ``--allow-host``."""
    return ("127.0.0.1", "localhost", "::1", *([host] if host not in ("0.0.0.0", "::") else []), *allowed)


def project_check(studio: Any) -> Callable[[int], bool]:
    """``project id -> bool``: whether ``studio`` has the project (its client's error for anything but a 404, whose
    message the client words ``HTTP 404``)."""

    def exists(project: int) -> bool:
        try:
            studio.get_project(project)
        except StudioError as exc:
            if "HTTP 404" in str(exc):
                return False
            raise
        return True

    return exists

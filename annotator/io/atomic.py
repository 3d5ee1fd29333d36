"""Atomic writes of one output path: a new content replaces a regular file only once complete, a device or a FIFO
is written in place (never replaced by a regular file), and a failure to write is one
:class:`~annotator.errors.OutputError` naming the path, the previous file left as it was."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from annotator.errors import OutputError

__all__ = ["atomic_files", "atomic_path"]


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield the path to write ``path``'s new content to.

    A new path or a regular file (or a symbolic link to one, which stays a link: its target is replaced): a
    temporary file next to it, renamed over it only if the block succeeds. A character device or a FIFO
    (``/dev/null``, a named pipe, ``/proc/self/fd/1``): ``path`` itself, written in place (streamed; what was written
    before a failure stays written). A directory, a block device or a socket is refused. Disk full, no permission
    and every other failure to write raise :class:`~annotator.errors.OutputError` naming ``path``, the previous
    file left as it was and the temporary file removed."""
    target = Path(path)
    if _in_place(target):
        with _as_output_error(target, target):
            yield target
        return
    real = Path(os.path.realpath(target))
    with _as_output_error(target, None):
        real.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        os.close(fd)
    tmp = Path(name)
    try:
        with _as_output_error(target, tmp):
            # mkstemp makes the file 0600; give it the mode a plain open() would (0666 minus umask)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            yield tmp
            os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_files(paths: Sequence[str | Path]) -> Iterator[list[Path]]:
    """Yield one temporary path per path of ``paths`` (files of one output, such as a page and its tables), all in
    one temporary directory beside the last; only once the block succeeds are they renamed into place, in the order
    given (put the file a reader opens first last). A failure before that leaves every previous file as it was and
    removes the temporary directory; a failure to write is one :class:`~annotator.errors.OutputError`. Each path
    must be a new path or a regular file (a symbolic link stays a link): a device or a FIFO is refused."""
    targets = [Path(p) for p in paths]
    for target in targets:
        if _in_place(target):
            raise OutputError(str(target), "is a device or a FIFO; a multi-file output needs a file name")
    reals = [Path(os.path.realpath(t)) for t in targets]
    with _as_output_error(targets[-1], None):
        reals[-1].parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f".{reals[-1].name}.", suffix=".tmp", dir=reals[-1].parent))
    try:
        with _as_output_error(targets[-1], folder):
            yield [folder / t.name for t in targets]
        for target, real in zip(targets, reals, strict=True):
            with _as_output_error(target, None):
                real.parent.mkdir(parents=True, exist_ok=True)
                os.replace(folder / target.name, real)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _in_place(target: Path) -> bool:
    """Whether ``target`` is written in place (a character device or a FIFO); refuses what cannot be written."""
    try:
        mode = os.stat(target).st_mode  # through symbolic links
    except FileNotFoundError:
        return False  # a new file (or where a dangling link points)
    except OSError as exc:
        raise OutputError(str(target), f"cannot write ({exc.strerror or exc})") from None
    if stat.S_ISREG(mode):
        return False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return True
    what = "a directory" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode) else "not a regular file"
    raise OutputError(str(target), f"is {what}; give a file name to write")


@contextlib.contextmanager
def _as_output_error(target: Path, written: Path | None) -> Iterator[None]:
    """An OSError of writing ``written`` (or of any step, if None) as one :class:`OutputError` naming ``target``; an
    OSError about another file (an input read while writing) passes through."""
    try:
        yield
    except OSError as exc:
        name = None if exc.filename is None else str(exc.filename)
        if written is not None and name not in (None, str(target)) and not name.startswith(str(written)):
            raise
        kept = "" if written == target or not os.path.lexists(target) else "; the previous file is left as it was"
        raise OutputError(str(target), f"cannot write ({exc.strerror or exc}){kept}") from None

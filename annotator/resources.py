"""Where the shipped data files live, in an installed wheel and in a source checkout alike.

The wheel ships ``schemas/`` as the package ``annotator.schemas`` and the seed corpus ``data/train/`` as
``annotator.seed`` (see pyproject's package-dir); an editable install or a plain checkout finds the folders next to
the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def schema_path(name: str) -> Path:
    """Path of a file under ``schemas/``."""
    try:
        return Path(str(resources.files("annotator.schemas").joinpath(name)))
    except ModuleNotFoundError:
        return _CHECKOUT / "schemas" / name


def seed_files() -> list[Path]:
    """The JSONL files of the seed corpus (``data/train/``), sorted by name."""
    try:
        folder = resources.files("annotator.seed")
    except ModuleNotFoundError:
        return sorted((_CHECKOUT / "data" / "train").glob("*.jsonl"))
    # a folder without __init__.py is a namespace package here: its files are real paths, the folder may not be
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith(".jsonl"))

"""Where the shipped data files live, in an installed wheel and in a source checkout alike.

The wheel ships ``schemas/`` as the package ``annotator.schemas`` (see pyproject's package-dir);
an editable install or a plain checkout finds the folder next to the package.
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

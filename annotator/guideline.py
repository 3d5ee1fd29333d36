"""The annotator guideline: the HTML page shown as each project's instructions (``schemas/guideline.html``) and the
version every task, prediction and model card records. The guideline's text is the product spec for the labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from annotator.errors import SchemaError
from annotator.resources import schema_path

GUIDELINE_NAME = "guideline.html"
_VERSION = re.compile(r"""data-version\s*=\s*["']([^"']+)["']""")


@dataclass(frozen=True)
class Guideline:
    """The annotator guideline: its HTML (shown as the project's instructions) and its version."""

    html: str
    version: str


@cache
def guideline() -> Guideline:
    """The shipped guideline (``schemas/guideline.html``); its version is the ``data-version`` attribute."""
    path = schema_path(GUIDELINE_NAME)
    html = path.read_text(encoding="utf-8")
    match = _VERSION.search(html)
    if match is None:
        raise SchemaError(f"{path}: no data-version attribute; the guideline must carry its version")
    return Guideline(html=html, version=match.group(1))

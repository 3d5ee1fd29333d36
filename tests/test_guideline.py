"""The annotator guideline: the shipped HTML page and the version it carries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import annotator.guideline
from annotator.errors import SchemaError
from annotator.guideline import GUIDELINE_NAME, guideline
from annotator.resources import schema_path


@pytest.fixture
def page_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A path that guideline() reads instead of the shipped page (its cache cleared before and after)."""
    path = tmp_path / GUIDELINE_NAME
    monkeypatch.setattr(annotator.guideline, "schema_path", lambda _name: path)
    guideline.cache_clear()
    yield path
    guideline.cache_clear()


def test_the_shipped_page_and_its_data_version() -> None:
    html = schema_path(GUIDELINE_NAME).read_text(encoding="utf-8")
    g = guideline()
    assert g.html == html
    [version] = re.findall(r'data-version="([^"]+)"', html)
    assert g.version == version
    assert guideline() is g  # read once per process


@pytest.mark.parametrize("attribute", ["data-version='2.1b'", 'data-version = "2.1b"'])
def test_the_version_attribute_in_either_quoting(page_at: Path, attribute: str) -> None:
    page_at.write_text(f"<section {attribute}><p>Label each sentence.</p></section>", encoding="utf-8")
    assert guideline().version == "2.1b"


def test_a_page_without_a_version_is_a_schema_error(page_at: Path) -> None:
    page_at.write_text("<section><p>Label each sentence.</p></section>", encoding="utf-8")
    with pytest.raises(SchemaError, match="no data-version attribute"):
        guideline()

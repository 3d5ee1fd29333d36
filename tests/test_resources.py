"""Where the shipped data files are found."""

from __future__ import annotations

import json

import pytest

from annotator.resources import schema_path


@pytest.mark.parametrize("name", ["label_config.xml", "guideline.html", "lexicon.json", "sentence.schema.json"])
def test_shipped_schema_files_are_found(name: str) -> None:
    path = schema_path(name)
    assert path.is_file(), path
    assert path.name == name
    if name.endswith(".json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_a_missing_name_gives_a_path_that_does_not_exist() -> None:
    assert not schema_path("no-such-file.json").exists()

"""The lexicon read from schemas/lexicon.json: its lists, whole-word matching, the numbers section, and the errors of
a malformed file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import annotator.attribution.lexicon as lexicon_module
from annotator.attribution.lexicon import LISTS, SOURCE_LISTS, lexicon, numbers, source_lexicon
from annotator.errors import SchemaError
from annotator.resources import schema_path


@pytest.fixture
def lexicon_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A copy of the shipped lexicon that the loaders read instead (their caches cleared before and after)."""
    path = tmp_path / "lexicon.json"
    path.write_text(schema_path("lexicon.json").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(lexicon_module, "schema_path", lambda _name: path)
    loaders = (lexicon, source_lexicon, numbers)
    for load in loaders:
        load.cache_clear()
    yield path
    for load in loaders:
        load.cache_clear()


def edit(path: Path, **changes: object) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw.update(changes)
    path.write_text(json.dumps(raw), encoding="utf-8")


def test_every_list_is_read_lower_case_without_repeats() -> None:
    raw = json.loads(schema_path("lexicon.json").read_text(encoding="utf-8"))
    for load, names in ((lexicon, LISTS), (source_lexicon, SOURCE_LISTS)):
        words = load().words
        assert set(words) == set(names)
        for name in names:
            assert words[name] == tuple(dict.fromkeys(e.lower() for e in raw[name])), name


def test_numbers_section() -> None:
    n = numbers()
    assert n.units["eleven"] == 11 and n.scales["hundred"] == 100
    assert all(low <= high for low, high in n.vague.values())
    assert "about" in n.approximate and "more than" in n.at_least


def test_a_list_that_is_not_a_list_of_words_is_a_schema_error(lexicon_at: Path) -> None:
    edit(lexicon_at, hedges=["reportedly", ""])
    with pytest.raises(SchemaError, match="'hedges' must be a list of non-empty strings"):
        lexicon()


def test_unreadable_json_is_a_schema_error(lexicon_at: Path) -> None:
    lexicon_at.write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaError, match="cannot read"):
        source_lexicon()


def test_a_vague_range_must_be_ordered(lexicon_at: Path) -> None:
    raw = json.loads(lexicon_at.read_text(encoding="utf-8"))
    raw["numbers"]["vague"]["a handful"] = [9, 3]
    lexicon_at.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"vague\['a handful'\] must be \[low, high\]"):
        numbers()

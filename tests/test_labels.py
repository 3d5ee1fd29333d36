"""The label set, read from schemas/label_config.xml: the one place that defines it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

import annotator.labels
from annotator.errors import SchemaError
from annotator.labels import CHOICES_NAME, CONTESTED, SPANS_NAME, TEXT_NAME, label_set, labels
from annotator.resources import schema_path


@pytest.fixture
def config_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A path that label_set() reads instead of the shipped config (its cache cleared before and after)."""
    path = tmp_path / "label_config.xml"
    monkeypatch.setattr(annotator.labels, "schema_path", lambda _name: path)
    label_set.cache_clear()
    yield path
    label_set.cache_clear()


def test_labels_are_the_configs_choices_in_order() -> None:
    root = ElementTree.parse(schema_path("label_config.xml")).getroot()
    [choices] = [c for c in root.iter("Choices") if c.get("name") == CHOICES_NAME]
    assert labels() == tuple(c.get("value") for c in choices.iter("Choice"))
    assert choices.get("toName") == TEXT_NAME
    [spans] = [s for s in root.iter("Labels") if s.get("name") == SPANS_NAME]
    assert label_set().span_labels == tuple(s.get("value") for s in spans.iter("Label"))
    assert CONTESTED in labels()
    assert label_set().config == schema_path("label_config.xml").read_text(encoding="utf-8")


def test_check_names_both_sides() -> None:
    assert label_set().check(CONTESTED) == CONTESTED
    with pytest.raises(SchemaError, match=r"unknown label 'disputed'; label_config.xml defines \['"):
        label_set().check("disputed")


def test_a_config_that_is_not_xml_is_a_schema_error(config_at: Path) -> None:
    config_at.write_text("<View><Choices", encoding="utf-8")
    with pytest.raises(SchemaError, match="not valid XML"):
        label_set()


def test_a_config_without_the_label_choices_is_a_schema_error(config_at: Path) -> None:
    config_at.write_text(
        '<View><Text name="sentence" value="$text"/><Choices name="mood" toName="sentence">'
        '<Choice value="happy"/></Choices></View>',
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match=r"no <Choices name='label'> with <Choice> values"):
        label_set()


def test_another_config_gives_another_label_set(config_at: Path) -> None:
    config_at.write_text(
        '<View><Text name="sentence" value="$text"/>'
        '<Labels name="span" toName="sentence"><Label value="Who"/></Labels>'
        '<Choices name="label" toName="sentence"><Choice value="yes"/><Choice value="no"/></Choices></View>',
        encoding="utf-8",
    )
    assert labels() == ("yes", "no")
    assert label_set().span_labels == ("Who",)

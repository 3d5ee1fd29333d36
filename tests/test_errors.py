"""The library's exceptions: one base class the CLI and the backend catch, and messages that say where."""

from __future__ import annotations

import pytest

from annotator.errors import AnnotatorError, InputError, ModelError, OutputError, SchemaError, StudioError


@pytest.mark.parametrize("cls", [InputError, SchemaError, StudioError, ModelError, OutputError])
def test_every_error_is_an_annotator_error(cls: type[Exception]) -> None:
    assert issubclass(cls, AnnotatorError)
    assert not issubclass(cls, (OSError, ValueError))  # callers catch ours, not everything


def test_input_error_says_where_and_why() -> None:
    err = InputError("articles.jsonl:12", "not valid JSON (Expecting ',' at col 40)")
    assert str(err) == "articles.jsonl:12: not valid JSON (Expecting ',' at col 40)"
    assert (err.where, err.reason) == ("articles.jsonl:12", "not valid JSON (Expecting ',' at col 40)")

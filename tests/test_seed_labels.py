"""``benchmarks/seeds_labels.jsonl``, the project's labels of the seed articles for ``benchmarks/quality.py``: every
line fits ``schemas/seed_labels.schema.json`` and names a sentence ``annotator split`` makes of a seed article."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import shared_data

from annotator.io.articles import read_articles
from annotator.labels import labels
from annotator.text.split import article_rows

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "benchmarks" / "seeds_labels.jsonl"
SCHEMA = json.loads((REPO / "schemas" / "seed_labels.schema.json").read_text(encoding="utf-8"))


def records() -> list[dict[str, object]]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]


def test_every_line_fits_the_schema_and_holds_no_text() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for rec in records():
        validator.validate(rec)
        assert "text" not in rec
    assert set(SCHEMA["properties"]["label"]["enum"]) == set(labels())


def test_every_label_names_a_split_sentence_once() -> None:
    files = shared_data.seed_files()
    if not files:
        shared_data.missing(shared_data.missing_reason(shared_data.SEEDS, "*.txt") or "no seed articles")
    units = {(f"{a.id}.txt", r["start"], r["end"]) for a in read_articles(files) for r in article_rows(a)}
    keys = [(rec["file"], rec["start"], rec["end"]) for rec in records()]
    assert len(keys) == len(set(keys))
    assert set(keys) <= units, sorted(set(keys) - units)

"""One partition of batch pre-labelling: made (split, predicted, ranked, encoded) by :func:`run_partition`, in memory
or spooled to a file, and written in order by :func:`write`. The model is the shipped default (loaded, never
trained here); articles written for these tests (fictional people and places)."""

from __future__ import annotations

import gc
import json
from collections import Counter
from pathlib import Path

import pytest

from annotator.classifier.artefacts import load_model
from annotator.errors import InputError
from annotator.io.articles import read_text
from annotator.predictions import Predictor
from annotator.prelabel.partition import COLUMNS, Job, Partition, encode_partition, run_partition, write
from annotator.prelabel.rows import ranked_rows

ARTICLES = [
    read_text(
        "Ferry cuts in Varna\nThe port authority said two ferries would stop in June.\n"
        "Skipper Tomas Reyes denied that any ferry would stop.\n",
        article_id="ferry",
    ),
    read_text("Bridge works\nThe bridge is the longest on the coast.\n", article_id="bridge"),
]


@pytest.fixture(scope="module")
def model() -> Predictor:
    return load_model()


def _lines(data: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def test_a_partition_is_its_ranked_rows_encoded(model: Predictor) -> None:
    part = run_partition(ARTICLES, model, Job(fmt="jsonl"), 7)
    rows, labels = ranked_rows(ARTICLES, model)
    assert (part.index, part.sentences, part.labels, part.path) == (7, len(rows), labels, None)
    assert part.nbytes == len(part.payload) > 0
    assert _lines(part.payload) == [{c: r[c] for c in COLUMNS} for r in json.loads(json.dumps(rows))]
    with part.open() as fh:
        assert fh.read() == part.payload
    assert sum(labels.values()) == len(rows) == 5
    assert gc.isenabled()  # the cycle collector is paused only while the partition is made


def test_a_spooled_partition_is_a_file_written_whole(model: Predictor, tmp_path: Path) -> None:
    in_memory = run_partition(ARTICLES, model, Job(fmt="csv"), 3)
    spooled = run_partition(ARTICLES, model, Job(fmt="csv", spool=str(tmp_path)), 3)
    assert spooled.payload == b"" and spooled.path == str(tmp_path / "00000003.part")
    with spooled.open() as fh:
        assert fh.read() == in_memory.payload
    assert spooled.nbytes == in_memory.nbytes
    assert [p.name for p in tmp_path.iterdir()] == ["00000003.part"]  # no temporary file left


def test_an_unknown_format_is_named(model: Predictor) -> None:
    with pytest.raises(InputError, match=r"unknown format 'xml'.*jsonl, csv, parquet, label-studio"):
        encode_partition([], Job(fmt="xml"), model)


def test_label_studio_tasks_carry_the_prediction_and_its_priority(model: Predictor) -> None:
    part = run_partition(ARTICLES[:1], model, Job(fmt="label-studio", guideline_version="g-1"), 0)
    rows, _ = ranked_rows(ARTICLES[:1], model)
    tasks = json.loads(b"[" + part.payload + b"]")
    assert [t["data"]["text"] for t in tasks] == [r["text"] for r in rows]
    assert [t["predictions"][0]["score"] for t in tasks] == [r["priority"] for r in rows]
    assert {t["predictions"][0]["model_version"] for t in tasks} == {model.model_version}


def test_write_joins_partitions_in_order_and_counts_them(model: Predictor, tmp_path: Path) -> None:
    parts = [run_partition([a], model, Job(fmt="jsonl", spool=str(tmp_path)), i) for i, a in enumerate(ARTICLES)]
    out = tmp_path / "rows.jsonl"
    summary = write(iter(parts), str(out), fmt="jsonl", model=model)
    rows = _lines(out.read_bytes())
    assert [r["sentence_id"] for r in rows] == [r["sentence_id"] for a in ARTICLES for r in ranked_rows([a], model)[0]]
    assert (summary.sentences, summary.partitions) == (len(rows), 2)
    expected: Counter[str] = Counter()
    for p in parts:
        expected.update(p.labels)
    assert summary.labels == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl"]  # spooled partitions removed once written


def test_write_leaves_the_file_as_it_was_unless_committed(model: Predictor, tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    out.write_text("earlier run\n", encoding="utf-8")
    parts = [run_partition(ARTICLES, model, Job(fmt="jsonl"), 0)]
    summary = write(parts, str(out), fmt="jsonl", model=model, commit_if=lambda s: s.sentences > 100)
    assert summary.sentences == 5
    assert out.read_text(encoding="utf-8") == "earlier run\n"
    write([Partition(0, 0, b"", {})], str(out), fmt="jsonl", model=model, commit_if=lambda s: True)
    assert out.read_text(encoding="utf-8") == ""

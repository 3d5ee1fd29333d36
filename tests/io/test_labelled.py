"""Labelled files: which files a directory holds, the same rows from JSONL, CSV and Parquet, pulled annotations
(skipped ones, span regions), and the hash a model card records. The loader's error messages and majority
resolution: tests/classifier/test_training.py (test_loader_*)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from annotator.io.labelled import (
    ANNOTATION_COLUMNS,
    COLUMNS,
    CorpusReport,
    data_hash,
    expand,
    read_annotations,
    read_labelled,
)

ROWS = [
    {"text": "The pier reopened, the council said.", "label": "attributed", "topic": "pier", "article_id": "a1",
     "kind": "body", "source": [18, 29], "cue": [30, 34]},
    {"text": "Fares may rise, sources suggest.", "label": "unverified", "topic": "fares", "article_id": "a2",
     "source": None, "cue": None},
    {"text": "Critics denied the repairs were done.", "label": "contested", "topic": "pier", "article_id": "a3",
     "source": [0, 7], "cue": [8, 14]},
]  # fmt: skip


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_expand_lists_labelled_files_under_directories_in_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/2.csv", "1.jsonl", "b/3.parquet", "notes.txt", "4.NDJSON"):
        (tmp_path / name).write_text("", encoding="utf-8")
    named = tmp_path / "notes.txt"
    assert expand([tmp_path, named]) == [
        tmp_path / "1.jsonl",
        tmp_path / "4.NDJSON",
        tmp_path / "b" / "2.csv",
        tmp_path / "b" / "3.parquet",
        named,  # a file named is read whatever its suffix
    ]


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    for column in ("text", "label", "topic", "article_id", "source", "cue"):
        assert a[column].tolist() == b[column].tolist(), column


def test_jsonl_and_csv_give_the_same_table(tmp_path: Path) -> None:
    from_jsonl = read_labelled([write_jsonl(tmp_path / "rows.jsonl", ROWS)])
    assert list(from_jsonl.columns) == list(COLUMNS)
    assert from_jsonl["source"].tolist() == [[18, 29], None, [0, 7]]
    table = pd.DataFrame(ROWS)
    table.assign(source=table["source"].map(json.dumps), cue=table["cue"].map(json.dumps)).to_csv(
        tmp_path / "rows.csv", index=False
    )
    same_table(read_labelled([tmp_path / "rows.csv"]), from_jsonl)


def test_parquet_gives_the_same_table(tmp_path: Path) -> None:
    pd.DataFrame(ROWS).to_parquet(tmp_path / "rows.parquet")
    same_table(read_labelled([tmp_path / "rows.parquet"]), read_labelled([write_jsonl(tmp_path / "r.jsonl", ROWS)]))


def test_pulled_rows_skip_unlabelled_and_keep_the_first_region(tmp_path: Path) -> None:
    text = "The pier reopened, the council said."
    pulled = write_jsonl(
        tmp_path / "pulled.jsonl",
        [
            {"sentence_id": "a1:0-36", "text": text, "label": "attributed", "annotator": "ann",
             "source_span": [{"start": 19, "end": 30}, {"start": 0, "end": 8}], "cue_span": [[31, 35]]},
            {"sentence_id": "a1:37-60", "text": "Nothing else.", "label": None, "annotator": "ann"},
        ],
    )  # fmt: skip
    report = CorpusReport()
    frame = read_labelled([pulled], report=report)
    assert (report.annotations, report.skipped, report.rows) == (1, 1, 1)
    row = frame.iloc[0]
    assert (row["article_id"], row["source"], row["cue"]) == ("a1", [19, 30], [31, 35])
    assert text[19:30] == "the council"


def test_pulled_annotations_take_the_reviewers_decision_else_the_majority(tmp_path: Path) -> None:
    def ann(sid: str, label: str, who: str, review: str | None = None) -> dict:
        return {
            "sentence_id": sid,
            "text": f"Sentence {sid}.",
            "label": label,
            "annotator": who,
            "review_label": review,
        }

    rows = [
        ann("a:1", "attributed", "x", "contested"), ann("a:1", "unverified", "y", "contested"),  # a decided tie
        ann("a:2", "attributed", "x"), ann("a:2", "unverified", "y"),  # an undecided tie
        ann("a:3", "attributed", "x"), ann("a:3", "attributed", "y"), ann("a:3", "unverified", "z"),  # majority
        ann("a:4", "unverified", "x", "attributed"),  # one annotator, overruled by the reviewer
    ]  # fmt: skip
    for path in (write_jsonl(tmp_path / "p.jsonl", rows), tmp_path / "p.csv"):
        if path.suffix == ".csv":
            pd.DataFrame(rows).to_csv(path, index=False)
        report = CorpusReport()
        frame = read_labelled([path], report=report)
        assert dict(zip(frame["sentence_id"], frame["label"], strict=True)) == {
            "a:1": "contested", "a:3": "attributed", "a:4": "attributed"
        }  # fmt: skip
        assert (report.reviewed, report.ties, report.annotations) == (2, 1, len(rows))
        assert frame.set_index("sentence_id").loc["a:1", "annotations"] == 2


def test_resolved_rows_count_once_and_ties_are_counted(tmp_path: Path) -> None:
    rows = [
        {"sentence_id": "a:1", "text": "One.", "label": "contested", "origin": "review", "review_label": "contested"},
        {"sentence_id": "a:2", "text": "Two.", "label": None, "origin": "tie", "review_label": None},
        {"sentence_id": "a:3", "text": "Three.", "label": "attributed", "origin": "unanimous", "review_label": None},
    ]
    report = CorpusReport()
    frame = read_labelled([write_jsonl(tmp_path / "r.jsonl", rows)], report=report)
    assert list(frame["label"]) == ["contested", "attributed"]
    assert (report.ties, report.skipped, report.rows) == (1, 0, 2)


def test_read_annotations_keeps_every_annotation_with_its_annotator(tmp_path: Path) -> None:
    a, b = "The pier reopened, the council said.", "Fares may rise."
    pulled = write_jsonl(
        tmp_path / "pulled.jsonl",
        [
            {"sentence_id": "a1:0-36", "text": a, "label": "attributed", "annotator": "ann"},
            {"sentence_id": "a1:37-52", "text": b, "label": "unverified", "annotator": "ann"},
            {"sentence_id": "a1:0-36", "text": a, "label": "contested", "annotator": "bob"},
            {"sentence_id": "a1:37-52", "text": b, "label": None, "annotator": "bob"},
            {"sentence_id": "a1:37-52", "text": b, "label": "nonsense", "annotator": "cy"},
        ],
    )  # fmt: skip
    corpus = write_jsonl(tmp_path / "seed.jsonl", ROWS[:1])
    report, errors = CorpusReport(), []
    frame = read_annotations([pulled, corpus], report=report, on_error=errors.append)
    assert list(frame.columns) == list(ANNOTATION_COLUMNS)
    got = frame[["sentence_id", "label", "annotator", "article_id"]]
    got = got.astype(object).where(got.notna(), None).to_numpy().tolist()
    assert got == [
        ["a1:0-36", "attributed", "ann", "a1"],
        ["a1:37-52", "unverified", "ann", "a1"],
        ["a1:0-36", "contested", "bob", "a1"],  # a disagreement is kept, not resolved away
        [None, "attributed", None, "a1"],  # the corpus row: no annotator
    ]
    assert (report.rows, report.annotations, report.skipped, len(report.errors)) == (4, 3, 1, 1)
    assert "line 5 of" in str(errors[0]) and "nonsense" in str(errors[0])
    # read_labelled resolves the same file: the tie of ann and bob is left out
    resolved = read_labelled([pulled])
    assert resolved["sentence_id"].tolist() == ["a1:37-52"]


def test_data_hash_follows_what_is_trained_on(tmp_path: Path) -> None:
    frame = read_labelled([write_jsonl(tmp_path / "rows.jsonl", ROWS)])
    digest = data_hash(frame)
    assert len(digest) == 64 and digest == data_hash(frame.copy())
    assert data_hash(frame.iloc[::-1]) != digest  # order is part of it
    relabelled = frame.assign(label=["unverified", "unverified", "contested"])
    assert data_hash(relabelled) != digest
    assert data_hash(frame.assign(cue=None, kind="headline")) == digest  # spans and kinds are not

"""Articles to the sentence table: ids, offsets into the article, titles, boilerplate rows, chunks and dtypes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from annotator.io.articles import Article
from annotator.text.split import (
    BOILERPLATE_COLUMN,
    COLUMNS,
    article_rows,
    chunked,
    iter_rows,
    iter_split,
    sentence_id,
    split,
    to_frame,
)

TEXT = (
    "Ferry fares to rise in spring\n\n"
    "The island ferry company said fares would rise by a tenth in April. "
    "Passengers were not consulted, a residents' group said.\n\n"
    "Advertisement\n\n"
    "The company did not reply to questions on Friday."
)
ARTICLE = Article(
    id="ferry-1", text=TEXT, source="Harbour Gazette", url="https://example.org/ferry", published="2025-02-01"
)


def records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def test_sentence_id_is_the_article_and_offsets() -> None:
    assert sentence_id("a17", 120, 245) == "a17:120-245"


def test_rows_point_into_the_article_and_carry_its_fields() -> None:
    rows = article_rows(ARTICLE)
    assert rows, "no sentences"
    for i, row in enumerate(rows):
        assert set(row) == set(COLUMNS)
        assert TEXT[row["start"] : row["end"]] == row["text"]
        assert row["sentence_id"] == sentence_id("ferry-1", row["start"], row["end"])
        assert row["index"] == i
        assert (row["source"], row["url"], row["published"]) == (
            "Harbour Gazette",
            "https://example.org/ferry",
            "2025-02-01",
        )
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)
    assert "Advertisement" not in [r["text"] for r in rows]


def test_without_a_title_the_headline_becomes_the_title_of_every_row() -> None:
    rows = article_rows(ARTICLE)
    assert {r["title"] for r in rows} == {"Ferry fares to rise in spring"}
    titled = Article(id="ferry-2", text=TEXT, title="Fares up")
    assert {r["title"] for r in article_rows(titled)} == {"Fares up"}


def test_kept_boilerplate_comes_with_its_rule_and_no_index() -> None:
    rows = article_rows(ARTICLE, keep_boilerplate=True)
    dropped = [r for r in rows if r["kind"] == "boilerplate"]
    assert [r["text"] for r in dropped] == ["Advertisement"]
    assert dropped[0]["index"] is None and dropped[0][BOILERPLATE_COLUMN]
    kept = [r for r in rows if r["kind"] != "boilerplate"]
    assert [r["index"] for r in kept] == list(range(len(kept)))
    assert [{k: r[k] for k in COLUMNS} for r in kept] == article_rows(ARTICLE)


def test_iter_rows_streams_articles_in_order() -> None:
    other = Article(id="ferry-2", text="A second, shorter article.")
    rows = list(iter_rows([ARTICLE, other]))
    assert rows == article_rows(ARTICLE) + article_rows(other)


def test_chunked() -> None:
    assert list(chunked(iter(range(5)), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 3)) == []
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([1], 0))


def test_to_frame_has_the_columns_and_a_nullable_index() -> None:
    frame = to_frame(article_rows(ARTICLE, keep_boilerplate=True), keep_boilerplate=True)
    assert list(frame.columns) == [*COLUMNS, BOILERPLATE_COLUMN]
    assert str(frame["index"].dtype) == "Int64" and frame["index"].isna().sum() == 1
    assert str(frame["start"].dtype) == "int64"
    assert list(to_frame([]).columns) == list(COLUMNS)


def test_split_and_iter_split_read_files_into_the_same_table(tmp_path: Path) -> None:
    (tmp_path / "ferry-1.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "ferry-2.txt").write_text("The pier reopened. Crowds came back.", encoding="utf-8")
    whole = split([tmp_path])
    chunks = list(iter_split([tmp_path], chunk_size=2))
    assert all(len(c) <= 2 for c in chunks)
    # a chunk whose titles are all missing gets another dtype (and None for NaN) than the whole table: compare values
    assert [r for c in chunks for r in records(c)] == records(whole)
    assert set(whole["article_id"]) == {"ferry-1", "ferry-2"}

"""Sentence rows with the model's predictions, chunk by chunk, and the labelling priority of a batch, with the shipped
model's compiled predictor."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from annotator.classifier.artefacts import load_predictor
from annotator.classifier.inference import Compiled
from annotator.io.articles import Article
from annotator.prelabel.priority import priority, rarity_weights
from annotator.prelabel.rows import (
    COLUMNS,
    PREDICTION_COLUMNS,
    arrow_types,
    article_parts,
    frame,
    iter_prelabel,
    iter_prelabel_rows,
    part_rows,
    partitions,
    prelabel_rows,
    ranked_rows,
)
from annotator.text.boilerplate import load_rules
from annotator.text.split import COLUMNS as SPLIT_COLUMNS
from annotator.text.split import article_rows

ARTICLES = [
    Article(id="p1", text="The pier will reopen in May, the council said. Critics denied that repairs were finished."),
    Article(id="p2", text="Fares rose again. Officials said the ferry was late because of the weather."),
]


@pytest.fixture(scope="module")
def predictor() -> Compiled:
    return load_predictor()


def test_prediction_columns_are_added_to_split_rows(predictor: Compiled) -> None:
    rows = prelabel_rows(article_rows(ARTICLES[0]), predictor)
    assert rows
    expected = predictor.predict([r["text"] for r in rows])
    for row, p in zip(rows, expected, strict=True):
        assert set(row) == set(SPLIT_COLUMNS) | set(PREDICTION_COLUMNS)
        assert (row["label"], row["score"], row["scores"]) == (p.label, p.score, p.scores)
        assert row["model_version"] == predictor.model_version
        for start, end in row["source_spans"] + row["cue_spans"]:
            assert 0 <= start < end <= len(row["text"])
    assert prelabel_rows([], predictor) == []


def test_ranked_rows_count_labels_and_give_a_priority(predictor: Compiled) -> None:
    rows, counts = ranked_rows(ARTICLES, predictor)
    assert counts == Counter(r["label"] for r in rows)
    assert sum(counts.values()) == sum(len(article_rows(a)) for a in ARTICLES)
    weights = rarity_weights(counts, predictor.classes)  # the batch's own label distribution
    assert [r["priority"] for r in rows] == [priority(r["score"], weights[r["label"]]) for r in rows]
    assert all(r["priority"] > 0 for r in rows)


def test_chunks_hold_at_most_chunk_size_rows_in_order(predictor: Compiled) -> None:
    chunks = list(iter_prelabel_rows(ARTICLES, predictor, chunk_size=2))
    assert all(1 <= len(c) <= 2 for c in chunks)
    flat = [r["sentence_id"] for c in chunks for r in c]
    assert flat == [r["sentence_id"] for a in ARTICLES for r in article_rows(a)]


def test_files_to_frames_with_the_columns(predictor: Compiled, tmp_path: Path) -> None:
    for article in ARTICLES:
        (tmp_path / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
    frames = list(iter_prelabel([tmp_path], model=predictor, chunk_size=3))
    assert all(list(f.columns) == list(COLUMNS) for f in frames)
    assert sum(len(f) for f in frames) == sum(len(article_rows(a)) for a in ARTICLES)
    assert list(frame(prelabel_rows(article_rows(ARTICLES[1]), predictor)).columns) == list(COLUMNS)


def test_parquet_types_name_every_class(predictor: Compiled) -> None:
    types = arrow_types(predictor)
    assert [f.name for f in types["scores"]] == list(predictor.classes)
    assert set(types) <= set(PREDICTION_COLUMNS)


# -- partitions bounded by size; a huge article in parts (issue 14, item 7) ---------------------------------------

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "data" / "articles").glob("*.txt"))


def _long_article(copies: int) -> Article:
    """The sample articles' body paragraphs (long lines that end a sentence: the boilerplate rules that look at
    the whole article, such as share buttons and menus, are left out), ``copies`` times, each copy's paragraphs
    numbered (a line repeated word for word would be boilerplate)."""
    lines = [p.strip() for path in SAMPLES for p in path.read_text(encoding="utf-8").split("\n")]
    paragraphs = [p for p in lines if len(p) > 60 and p[-1] in ".?!\"'’”"]
    text = "".join(f"{p} (Dispatch {i}.)\n\n" for i in range(copies) for p in paragraphs)
    return Article(id="long", text=text)


@pytest.mark.parametrize("max_chars", [4_000, 20_000])
def test_a_long_article_is_cut_at_paragraphs_and_keeps_its_ids_and_offsets(max_chars: int) -> None:
    article = _long_article(3)
    parts = list(article_parts(article, max_chars))
    assert len(parts) > 1 and "".join(p.text for p in parts) == article.text
    for part in parts:
        assert part.id == article.id
        assert len(part.text) <= max_chars or "\n" not in part.text.rstrip("\n")
        assert part.text.endswith("\n\n") or part is parts[-1]  # cut after a blank line
    whole = {r["sentence_id"]: r for r in article_rows(article)}
    cut = [r for part in parts for r in part_rows(part, load_rules())]
    assert [r["sentence_id"] for r in cut] == list(whole)  # the same sentences, ids and order
    for row in cut:
        assert article.text[row["start"] : row["end"]] == row["text"] == whole[row["sentence_id"]]["text"]
    quotes = [r["quote_id"] for r in cut if r["quote_id"]]
    assert len({q for q in quotes}) == len(set(quotes))


def test_partitions_are_bounded_by_characters_and_by_count() -> None:
    articles = [_long_article(1), *ARTICLES * 5, _long_article(2)]
    chunks = list(partitions(articles, 4, max_chars=5_000))
    assert all(len(c) <= 4 and sum(len(a.text) for a in c) <= 5_000 for c in chunks if len(c) > 1)
    assert "".join(a.text for c in chunks for a in c if a.id == "long") == articles[0].text + articles[-1].text
    assert list(partitions(ARTICLES * 3, 4)) == [ARTICLES * 2, ARTICLES]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak from /proc/self/status (Linux)")
def test_peak_memory_of_prelabel_stays_within_the_budget(tmp_path: Path) -> None:
    """A 1.5 MB article: without a budget a worker holds ~180 bytes a character (~350 MB); under the smallest
    budget (64 MB: partitions of 16 K characters) the process stays under 200 MB."""
    article = _long_article(115)
    source = tmp_path / "long.txt"
    source.write_text(article.text, encoding="utf-8")
    assert len(article.text) > 1_400_000
    # the high-water mark of this process's own memory (ru_maxrss would carry the forking test process's over)
    code = (
        "import re, sys\nfrom annotator.cli import main\ntry:\n    main(sys.argv[1:])\nfinally:\n"
        "    status = open('/proc/self/status').read()\n"
        "    print(re.search(r'VmHWM:\\s*(\\d+)', status).group(1), file=sys.stderr)"
    )
    out = tmp_path / "out.jsonl"
    argv = ["prelabel", str(source), "-o", str(out), "--workers", "1", "--memory-budget", "64"]
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    assert peak_mb < 200, f"peak {peak_mb:.0f} MB; {proc.stderr}"
    assert sum(1 for _ in out.open(encoding="utf-8")) == len(article_rows(article))

"""The train, evaluate and prelabel commands, end to end through the installed console script."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli_run import run as run_in_process

from annotator.labels import labels
from annotator.text.split import split

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data" / "train"
ARTICLES = REPO / "data" / "articles"
ANNOTATOR = shutil.which("annotator", path=str(Path(sys.executable).parent)) or str(
    Path(sys.executable).parent / "annotator"
)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANNOTATOR, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """Two topics of the seed corpus plus one more held out, as one file."""
    out = tmp_path_factory.mktemp("data") / "small.jsonl"
    lines = []
    for topic in ("crime", "health", "sport"):
        lines += (DATA / f"{topic}.jsonl").read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def trained(small, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    where = tmp_path_factory.mktemp("train")
    proc = run(
        "train", str(small), "--out", str(where / "models" / "small"), "--hold-out", "sport", "--char-ngrams", cwd=where
    )
    return where / "models" / "small", proc


@pytest.mark.slow
def test_train_writes_a_model_and_its_card(trained, small):
    model_dir, proc = trained
    assert proc.returncode == 0, proc.stderr
    card = json.loads((model_dir / "card.json").read_text(encoding="utf-8"))
    n_sport = sum('"topic": "sport"' in line for line in small.read_text(encoding="utf-8").splitlines())
    assert card["held_out"]["topics"] == ["sport"] and card["held_out"]["rows"] == n_sport
    assert card["training_data"]["topics"] == ["crime", "health"]
    assert card["params"]["features"] == ["guideline", "words", "chars"]
    f1 = card["held_out"]["metrics"]["macro_f1"]
    assert f"macro-F1 {f1:.3f}" in proc.stderr
    assert f"version {card['version']}" in proc.stderr


@pytest.mark.slow
def test_train_goes_on_past_bad_lines_and_exits_1(small, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        small.read_text(encoding="utf-8") + '{"text": "x", "label": "sure", "topic": "t", "article_id": "a"}\n',
        encoding="utf-8",
    )
    n = len(bad.read_text(encoding="utf-8").splitlines())
    proc = run("train", str(bad), "--out", str(tmp_path / "m"), "--hold-out", "none", cwd=tmp_path)
    assert proc.returncode == 1
    assert f"error: line {n} of {bad}: unknown label 'sure'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "m" / "card.json").is_file()


@pytest.mark.slow
def test_train_with_nothing_to_learn(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    proc = run("train", str(empty), "--out", str(tmp_path / "m"), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: no labelled sentences")
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_evaluate_reports_metrics_and_grouped_cross_validation(trained, small, tmp_path):
    model_dir, _ = trained
    report = tmp_path / "eval.json"
    proc = run("evaluate", str(small), "--model", str(model_dir), "--report", str(report), "--folds", "3", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(report.read_text(encoding="utf-8"))
    m = result["metrics"]
    n = len(small.read_text(encoding="utf-8").splitlines())
    assert m["n"] == n and sum(map(sum, m["confusion"]["matrix"])) == n
    assert list(m["per_label"]) == list(labels())
    for label in labels():
        assert label in proc.stdout
    assert f"macro-F1 {m['macro_f1']:.3f}" in proc.stdout
    cv = result["cross_validation"]
    assert cv["folds"] == 3 and cv["grouped_by"] == "article_id"
    assert f"{cv['macro_f1_mean']:.3f}" in proc.stdout


@pytest.mark.slow
def test_evaluate_without_a_model(small, tmp_path):
    proc = run("evaluate", str(small), "--model", str(tmp_path / "nope"), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"error: {tmp_path / 'nope'}: no such model directory (train one with `annotator train`)"
    )


@pytest.fixture(scope="module")
def sentences() -> pd.DataFrame:
    return split([ARTICLES])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_prelabel_writes_split_rows_with_predictions(fmt, sentences, tmp_path):
    out = tmp_path / f"pre.{fmt}"
    proc = run("prelabel", str(ARTICLES), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    elif fmt == "csv":
        with out.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            for key in ("scores", "source_spans", "cue_spans"):
                row[key] = json.loads(row[key])
            row["score"] = float(row["score"])
    else:
        rows = pd.read_parquet(out).to_dict(orient="records")
        for row in rows:
            row["source_spans"] = [list(s) for s in row["source_spans"]]
            row["cue_spans"] = [list(s) for s in row["cue_spans"]]
    assert [r["sentence_id"] for r in rows] == sentences["sentence_id"].tolist()
    versions = {r["model_version"] for r in rows}
    assert len(versions) == 1
    for row in rows:
        assert row["label"] in labels()
        assert set(row["scores"]) == set(labels())
        assert abs(sum(row["scores"].values()) - 1) < 1e-9
        assert row["score"] == pytest.approx(row["scores"][row["label"]])
        for a, b in row["source_spans"] + row["cue_spans"]:
            assert 0 <= a < b <= len(row["text"])
    labelled = {r["label"] for r in rows}
    assert labelled == set(labels())  # the sample articles have sentences of every kind
    assert f"{len(rows)} sentences labelled by model default {versions.pop()}" in proc.stderr


@pytest.mark.slow
def test_prelabel_bad_input_goes_on(tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\xff\xfe not text")
    good = tmp_path / "good.txt"
    good.write_text("Bridge closes\nThe council said the bridge would close. Officials denied it.\n", encoding="utf-8")
    proc = run("prelabel", str(broken), str(good), "-o", str(tmp_path / "out.jsonl"), cwd=tmp_path)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(broken) in errors[0]
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == [
        "Bridge closes",
        "The council said the bridge would close.",
        "Officials denied it.",
    ]


@pytest.mark.slow
def test_prelabel_with_a_broken_model(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "card.json").write_text("[]", encoding="utf-8")
    proc = run("prelabel", str(ARTICLES), "--model", str(tmp_path / "m"), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {tmp_path / 'm' / 'card.json'}: not a model card (expected a JSON object)"
    assert proc.stdout == ""


def test_iter_prelabel_streams_chunks(sentences):
    from annotator.classifier.artefacts import load_model
    from annotator.prelabel.rows import COLUMNS, iter_prelabel

    model = load_model()
    chunks = list(iter_prelabel([ARTICLES], model=model, chunk_size=50))
    assert [len(c) for c in chunks[:-1]] == [50] * (len(chunks) - 1) and 0 < len(chunks[-1]) <= 50
    frame = pd.concat(chunks, ignore_index=True)
    assert list(frame.columns) == list(COLUMNS)
    assert frame["sentence_id"].tolist() == sentences["sentence_id"].tolist()
    # each sentence read in its article, as prelabel reads it
    texts, articles = sentences["text"].tolist(), sentences["article_id"].tolist()
    expected = model.predict(texts, top_features=0, articles=articles)
    alone = model.predict(texts, top_features=0)
    assert [p.score for p in expected] != [p.score for p in alone]  # the context changes some sentences
    assert frame["label"].tolist() == [p.label for p in expected]
    assert frame["score"].tolist() == [p.score for p in expected]
    assert frame["cue_spans"].tolist() == [[list(s) for s in p.cue_spans] for p in expected]


LABELLED = [
    ("The ministry denied that the pier had been closed.", "contested", "a1"),
    ("Harbour master Nadia Okafor said the pier would reopen on Friday.", "attributed", "a1"),
    ("She added that repairs were on schedule.", "attributed", "a1"),
    ("The pier reopened on Monday after a week of repairs.", "unverified", "a2"),
    ("Officials said the fares would rise in March.", "unverified", "a2"),
    ("Council leader Tom Reyes said no one had disputed the figures.", "attributed", "a2"),
]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    """Six labelled sentences of two articles, written here."""
    data = tmp_path / "labelled.jsonl"
    rows = [{"text": t, "label": lab, "topic": "transport", "article_id": a} for t, lab, a in LABELLED]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return data


def test_evaluate_counts_the_errors_by_kind(labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = labelled
    report = tmp_path / "eval.json"
    assert run_in_process(["evaluate", str(data), "--folds", "0", "--errors", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    result = json.loads(report.read_text(encoding="utf-8"))
    errors = result["errors"]
    wrong = len(LABELLED) - sum(row[i] for i, row in enumerate(result["metrics"]["confusion"]["matrix"]))
    assert wrong > 0
    assert errors["n"] == len(LABELLED) and errors["errors"] == wrong
    assert sum(k["errors"] for k in errors["kinds"]) == wrong
    assert f"errors by kind ({wrong} wrong of {len(LABELLED)})" in out
    for k in errors["kinds"]:
        assert k["kind"] in out and k["share"] == pytest.approx(k["errors"] / wrong, abs=1e-6)


def test_evaluate_without_errors_has_no_error_table(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = labelled
    report = tmp_path / "eval.json"
    assert run_in_process(["evaluate", str(data), "--folds", "0", "--report", str(report)]) == 0
    assert "errors by kind" not in capsys.readouterr().out
    assert "errors" not in json.loads(report.read_text(encoding="utf-8"))

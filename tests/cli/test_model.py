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


# -- annotator audit -----------------------------------------------------------------------------------------------

AUDIT_SCHEMA = json.loads((REPO / "schemas" / "audit.schema.json").read_text(encoding="utf-8"))
AUDIT_TOPICS = ("labour", "consumer", "trade", "agriculture", "elections", "local", "entertainment", "retail")


def pulled_rows(*, flip_every: int = 9, prefix: str = "") -> tuple[list[dict], set[str]]:
    """Two annotators on every sentence of AUDIT_TOPICS, as `annotator pull` writes them: ann gives the corpus's
    labels, bob gets every ``flip_every``-th sentence wrong; and the ids of bob's wrong sentences."""
    out, wrong = [], set()
    order = list(labels())
    for topic in AUDIT_TOPICS:
        for n, line in enumerate((DATA / f"{topic}.jsonl").read_text(encoding="utf-8").splitlines()):
            rec = json.loads(line)
            sid = f"{rec['article_id']}:{n}-{n + 1}"
            bob = rec["label"]
            if len(out) % (2 * flip_every) == 0:
                bob = order[(order.index(bob) + 1) % len(order)]
                wrong.add(sid)
            for who, label in (("ann@example.org", rec["label"]), ("bob@example.org", bob)):
                out.append({"sentence_id": sid, "text": prefix + rec["text"], "label": label, "annotator": who})
    return out, wrong


def write_lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_audit_writes_ranked_rows_that_fit_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jsonschema import Draft202012Validator

    rows, wrong = pulled_rows()
    data = write_lines(tmp_path / "labels.jsonl", rows)
    out = tmp_path / "audit.jsonl"
    assert run_in_process(["audit", str(data), "-o", str(out), "--no-seed", "--folds", "3", "--top", "3"]) == 0
    found = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    validator = Draft202012Validator(AUDIT_SCHEMA)
    for row in found:
        assert not list(validator.iter_errors(row)), row
        assert {row["label"], row["suggested_label"]} <= set(labels())
    assert [r["rank"] for r in found] == list(range(1, len(found) + 1))
    caught = {r["sentence_id"] for r in found if r["annotator"] == "bob@example.org"} & wrong
    assert len(caught) >= 0.75 * len(wrong)
    err = capsys.readouterr().err.splitlines()
    sentences = len(rows) // 2
    assert err[0] == f"read {len(rows)} labelled rows from 1 file"
    assert err[1].startswith(f"audited {len(rows)} annotations of {sentences} sentences in ")
    assert err[1].endswith(f"): {len(found)} probably wrong ({len(found) / len(rows):.1%}), written to {out}")
    assert len(err) == 5 and err[2].startswith("   1. model gives ") and found[0]["text"][:40] in err[2]


def test_audit_csv_escapes_formulas(tmp_path: Path) -> None:
    rows, _ = pulled_rows(prefix="=")
    data = write_lines(tmp_path / "labels.jsonl", rows)
    out = tmp_path / "audit.csv"
    assert run_in_process(["audit", str(data), "-o", str(out), "--no-seed", "--folds", "3"]) == 0
    with out.open(encoding="utf-8", newline="") as fh:
        cells = [row["text"] for row in csv.DictReader(fh)]
    assert cells and all(c.startswith("'=") for c in cells)


def test_audit_parquet_has_typed_columns(tmp_path: Path) -> None:
    rows, _ = pulled_rows()
    data = write_lines(tmp_path / "labels.jsonl", rows)
    jsonl, parquet = tmp_path / "audit.jsonl", tmp_path / "audit.parquet"
    assert run_in_process(["audit", str(data), "-o", str(jsonl), "--no-seed", "--folds", "3"]) == 0
    assert run_in_process(["audit", str(data), "-o", str(parquet), "--no-seed", "--folds", "3"]) == 0
    frame = pd.read_parquet(parquet)
    assert str(frame["rank"].dtype) == "int64" and str(frame["self_confidence"].dtype) == "float64"
    expected = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(expected) > 0 and frame.to_dict("records") == expected


def test_audit_goes_on_past_bad_lines_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows, _ = pulled_rows()
    data = write_lines(tmp_path / "labels.jsonl", rows)
    with data.open("a", encoding="utf-8") as fh:
        fh.write('{"sentence_id": "x:0-1", "text": "Odd.", "label": "maybe", "annotator": "cy"}\nnot json\n')
    out = tmp_path / "audit.jsonl"
    assert run_in_process(["audit", str(data), "-o", str(out), "--no-seed", "--folds", "3"]) == 1
    err = capsys.readouterr().err
    assert f"line {len(rows) + 1} of {data}" in err and f"line {len(rows) + 2} of {data}" in err
    assert f"read {len(rows)} labelled rows from 1 file, 2 bad lines left out" in err
    assert "audited" in err and out.is_file() and "Traceback" not in err


@pytest.mark.parametrize(
    ("rows", "args", "message"),
    [
        ([{"sentence_id": f"a{i}:0-1", "text": f"S {i}.", "label": "attributed", "annotator": "x"} for i in range(9)],
         [], "error: audit: needs at least two labels; the rows have ['attributed']"),
        ([{"sentence_id": f"a:{i}-{i + 1}", "text": f"S {i}.", "label": lab, "annotator": "x"}
          for i, lab in enumerate(["attributed", "contested"] * 5)],
         [], "error: audit: 5 folds need at least 5 articles; the rows have 1"),
        ([], [], "error: no labelled sentences in"),
        (None, [], "error: audit: give either labelled files or --project TITLE, not both or neither"),
        (None, ["--project", "P", "x.jsonl"], "error: audit: give either labelled files or --project TITLE"),
    ],
)  # fmt: skip
def test_audit_bad_input_is_one_line(
    rows: list[dict] | None, args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(write_lines(tmp_path / "labels.jsonl", rows))] if rows is not None else []
    assert run_in_process(["audit", *files, *args, "--no-seed"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(message) and "Traceback" not in "\n".join(err)


def test_audit_a_project(studio_server, studio, sdk, title, tmp_path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """A real project: data/articles pushed, one annotator labels every sentence as data/train/articles.jsonl
    does except every 12th, which gets another label; the audit (with the shipped seed corpus, whose copies of
    these sentences are left out of it) flags most of the changed ones."""
    from annotator.studio.sync import push
    from annotator.text.split import split

    truth = {json.loads(line)["text"]: json.loads(line)["label"] for line in (DATA / "articles.jsonl").open()}
    push(studio, split([ARTICLES]).to_dict("records"), title=title)
    project = next(p for p in sdk.projects.list(title=title) if p.title == title)
    order, wrong = list(labels()), set()
    for n, task in enumerate(sdk.tasks.list(project=project.id, fields="all", page_size=1000)):
        label = truth[task.data["text"]]
        if n % 12 == 0:
            label = order[(order.index(label) + 1) % len(order)]
            wrong.add(task.data["sentence_id"])
        choice = {"from_name": "label", "to_name": "sentence", "type": "choices", "value": {"choices": [label]}}
        sdk.annotations.create(id=task.id, result=[choice])
    monkeypatch.setenv("LABEL_STUDIO_URL", studio_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", studio_server.token)
    out = tmp_path / "audit.jsonl"
    assert run_in_process(["audit", "--project", title, "--folds", "3", "-o", str(out)]) == 0
    found = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len({r["sentence_id"] for r in found} & wrong) >= 0.6 * len(wrong)
    assert len(found) < 4 * len(wrong)
    assert all(r["annotator"] for r in found)
    assert "audited 299 annotations of 299 sentences" in capsys.readouterr().err

    # --review: the flagged sentences become review tasks (one annotator: no disagreement besides), with the reason
    assert run_in_process(["audit", "--project", title, "--folds", "3", "--review", "-o", str(out)]) == 0
    assert "299 annotated sentences by 1 annotator, 0 with disagreements, " in capsys.readouterr().err
    review = next(p for p in sdk.projects.list(title=f"{title} — review") if p.title == f"{title} — review")
    tasks = {t.data["sentence_id"]: t.data for t in sdk.tasks.list(project=review.id, fields="all", page_size=1000)}
    assert set(tasks) == {r["sentence_id"] for r in found}
    first = found[0]
    assert tasks[first["sentence_id"]]["reason"] == first["reason"]
    # review --include-flagged runs the same audit: the same sentences, already there, nothing added
    assert run_in_process(["review", "--project", title, "--include-flagged", "--folds", "3", "--no-model"]) == 0
    err = capsys.readouterr().err
    assert f"audit: {len(found)} of 299 annotations probably wrong" in err
    assert f": 0 new review tasks, {len(found)} already there (0 decided)" in err
    assert run_in_process(["audit", "labels.jsonl", "--review"]) == 1
    assert "--review: needs --project TITLE" in capsys.readouterr().err

    empty = f"{title} empty"
    push(studio, split([ARTICLES]).to_dict("records")[:3], title=empty)
    assert run_in_process(["audit", "--project", empty]) == 1
    assert capsys.readouterr().err.strip() == f"error: {empty}: the project has no annotations to audit"

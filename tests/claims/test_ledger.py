"""The source ledger and article profiles: crafted articles with hand-labelled pulled rows (expected counts worked
out by hand below), the seed articles with the shipped model's labels, and the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import annotator.cli  # noqa: F401  (registers the commands)
from annotator.claims.articles import read_corpus, read_pulled_labels
from annotator.claims.ledger import build, label_names, labels_from_model
from annotator.errors import SchemaError
from annotator.labels import labels

REPO = Path(__file__).resolve().parents[2]
ANNOTATOR = str(Path(sys.executable).parent / "annotator")


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


LEDGER = validator("ledger.schema.json")
PROFILE = validator("profile.schema.json")

PIER_ONE = (
    "Harbour board approves new pier\n"
    "Councillor Dev Patel said the pier would cost four million pounds.\n"
    "He told reporters the work would start in June.\n"
    "Officials say the old pier is unsafe.\n"
    "But the mayor, Ines Kowal, said she could not confirm Patel's figures.\n"
    "The tides have eroded the old pier for decades.\n"
)
PIER_TWO = {
    "id": "pier-two",
    "title": "Pier plan splits town",
    "source": "Valley Post",
    "text": "Pier plan splits town\nPatel said the council had already agreed the budget.\n"
    "Analysts said the cost could double.\n",
}
# hand labels by sentence text: (label per annotator, ...)
HAND = {
    "Harbour board approves new pier": ["unverified"],
    "Councillor Dev Patel said the pier would cost four million pounds.": ["attributed", "attributed"],
    "He told reporters the work would start in June.": ["attributed"],
    "Officials say the old pier is unsafe.": ["unverified"],
    "But the mayor, Ines Kowal, said she could not confirm Patel's figures.": ["contested"],
    "The tides have eroded the old pier for decades.": ["attributed", "unverified"],  # a tie: left out
    "Patel said the council had already agreed the budget.": ["attributed", "unverified", "attributed"],
    "Analysts said the cost could double.": ["unverified"],
}


@pytest.fixture(scope="module")
def pier(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pier")
    articles = root / "articles"
    articles.mkdir()
    (articles / "pier-one.txt").write_text(PIER_ONE, encoding="utf-8")
    (articles / "pier-two.jsonl").write_text(json.dumps(PIER_TWO) + "\n", encoding="utf-8")
    corpus = read_corpus([articles])
    pulled = []
    for row in corpus.rows:
        for n, label in enumerate(HAND.get(row["text"], [])):
            pulled.append({"sentence_id": row["sentence_id"], "text": row["text"], "label": label, "annotator": n})
    labels_file = root / "pulled.jsonl"
    labels_file.write_text("".join(json.dumps(r) + "\n" for r in pulled), encoding="utf-8")
    return {"articles": articles, "labels": labels_file}


def by_source(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["source"]: r for r in rows}


def test_ledger_counts_from_pulled_labels(pier: dict[str, Path]) -> None:
    corpus = read_corpus([pier["articles"]])
    result = build(corpus, read_pulled_labels([pier["labels"]]))
    rows = by_source(result.ledger)
    patel = rows["Dev Patel"]
    # two attributed claims in pier-one ("said", "He told"), one in pier-two (2 of 3 annotators); the mayor's
    # "could not confirm Patel's figures" is a contested claim of his
    assert (patel["n_attributed"], patel["n_unverified"], patel["n_contested"], patel["n_claims"]) == (3, 0, 1, 4)
    assert patel["articles"] == ["pier-one", "pier-two"]
    assert patel["outlets"] == ["Valley Post"]
    assert patel["type"] == "person"
    assert {"Councillor Dev Patel", "Patel"} <= set(patel["aliases"])
    assert [r["source"] for r in patel["contested_by"]] == ["Ines Kowal"]
    kowal = rows["Ines Kowal"]
    assert kowal["n_claims"] == 0 and [r["source"] for r in kowal["contests"]] == ["Dev Patel"]
    assert kowal["contests"][0]["sentence_ids"] == patel["contested_by"][0]["sentence_ids"]
    officials = next(r for r in result.ledger if r["type"] == "anonymous")
    assert (officials["source"], officials["n_unverified"], officials["articles"]) == ("Officials", 1, ["pier-one"])
    analysts = next(r for r in result.ledger if r["type"] == "collective")
    assert (analysts["source"], analysts["n_unverified"]) == ("Analysts", 1)
    for row in result.ledger:
        LEDGER.validate(row)


def test_profiles_from_pulled_labels(pier: dict[str, Path]) -> None:
    corpus = read_corpus([pier["articles"]])
    result = build(corpus, read_pulled_labels([pier["labels"]]))
    profiles = {p["article_id"]: p for p in result.profiles}
    one, two = profiles["pier-one"], profiles["pier-two"]
    # pier-one: 5 labelled (the tied sentence is left out), 2 attributed, 2 unverified, 1 contested; "Officials"
    assert (one["n_sentences"], one["n_unlabelled"]) == (5, 1)
    assert (one["n_attributed"], one["n_unverified"], one["n_contested"]) == (2, 2, 1)
    assert (one["share_attributed"], one["share_anonymous"]) == (0.4, 0.2)
    # pier-two: its headline has no label; one attributed, one unverified resting on "Analysts"
    assert (two["n_sentences"], two["n_unlabelled"], two["n_anonymous"], two["share_anonymous"]) == (2, 1, 1, 0.5)
    assert two["outlet"] == "Valley Post"
    for p in result.profiles:
        PROFILE.validate(p)
        shares = [p[f"share_{label}"] for label in labels()]
        assert sum(shares) == pytest.approx(1, abs=1e-3)


def test_unknown_label_is_a_clear_error(pier: dict[str, Path]) -> None:
    corpus = read_corpus([pier["articles"]])
    with pytest.raises(SchemaError, match="unknown label"):
        build(corpus, {corpus.rows[0]["sentence_id"]: "rumour"})
    assert "contested" in label_names()


# -- the seeds, with the shipped model ------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_ledger(seeds_dir: Path) -> Any:
    from annotator.classifier.artefacts import load_model

    corpus = read_corpus([seeds_dir])
    return build(corpus, labels_from_model(corpus, load_model()))


def test_seed_ledger_credits_budanov_across_both_outlets(seed_ledger: Any, seeds_dir: Path) -> None:
    rows = {r["key"]: r for r in seed_ledger.ledger}
    budanov = rows["person:kyrlo budanov"]
    assert budanov["source"] == "Kyrlo Budanov"
    assert sorted(budanov["articles"]) == sorted(a.name.removesuffix(".txt") for a in seeds_dir.glob("*.txt"))
    assert {"Lt General Kyrlo Budanov", "General Kyrlo Budanov", "Budanov"} <= set(budanov["aliases"])
    # by hand: nine sentences in one article credit him (by name, "He ...") and five in the other (by name, "He
    # ...", "The Ukrainian official ..."); his "could not confirm" sentence counts for Zhuravlev when contested
    assert 14 <= budanov["n_claims"] <= 15
    assert budanov["outlets"] == ["Daily Star"]  # the other seed names no outlet


def test_seed_ledger_records_that_budanov_contests_zhuravlev(seed_ledger: Any) -> None:
    rows = {r["key"]: r for r in seed_ledger.ledger}
    assert [r["key"] for r in rows["person:kyrlo budanov"]["contests"]] == ["person:alexei zhuravlev"]
    zhuravlev = rows["person:alexei zhuravlev"]
    assert [r["source"] for r in zhuravlev["contested_by"]] == ["Kyrlo Budanov"]
    for row in seed_ledger.ledger:
        LEDGER.validate(row)
    for p in seed_ledger.profiles:
        PROFILE.validate(p)


# -- the command -------------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANNOTATOR, *args], capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_ledger_command_with_pulled_labels_never_loads_a_model(pier: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "ledger.jsonl"
    proc = run("ledger", str(pier["articles"]), "--labels", str(pier["labels"]), "--model", str(tmp_path / "none"),
               "-o", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert by_source(rows)["Dev Patel"]["n_claims"] == 4
    profile = tmp_path / "ledger.profile.jsonl"
    assert len(profile.read_text(encoding="utf-8").splitlines()) == 2
    assert "1 tied sentence left out" in proc.stderr


@pytest.mark.slow
def test_ledger_command_with_the_model_and_an_explicit_profile(tmp_path: Path, seeds_dir: Path) -> None:
    out, profile = tmp_path / "l.jsonl", tmp_path / "p.jsonl"
    proc = run("ledger", str(seeds_dir), "-o", str(out), "--profile", str(profile))
    assert proc.returncode == 0, proc.stderr
    assert "labels from model" in proc.stderr
    assert len(profile.read_text(encoding="utf-8").splitlines()) == 2
    assert any(json.loads(line)["key"] == "person:kyrlo budanov" for line in out.read_text().splitlines())


@pytest.mark.slow
def test_ledger_command_errors(pier: dict[str, Path], tmp_path: Path) -> None:
    proc = run("ledger", str(pier["articles"]), "--model", str(tmp_path / "missing"), "-o", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.jsonl").exists()
    bad = tmp_path / "pulled.jsonl"
    good = pier["labels"].read_text(encoding="utf-8")
    bad.write_text(good + "{not json\n", encoding="utf-8")
    proc = run("ledger", str(pier["articles"]), "--labels", str(bad), "-o", str(tmp_path / "y.jsonl"))
    assert "error: " in proc.stderr and "pulled.jsonl" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "y.jsonl").exists()  # the good lines were used

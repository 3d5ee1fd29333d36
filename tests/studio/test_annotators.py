"""annotator.studio.annotators: per-annotator figures against scikit-learn's cohen_kappa_score on pairs built here
independently (by loops over the rows, not with the module's merge), and against counts worked out by hand."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pandas as pd
import pytest
from cli_run import run
from jsonschema import Draft202012Validator
from sklearn.metrics import cohen_kappa_score

from annotator.studio.agreement import agreement, by_version, summary
from annotator.studio.annotators import ANNOTATOR_COLUMNS, per_annotator, records

LABELS = ["attributed", "unverified", "contested"]
REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "schemas" / "annotators.schema.json").read_text("utf-8"))


def noisy(seed: int, n: int = 80) -> pd.DataFrame:
    """Three annotators of different care on ``n`` sentences, some missing; a review on a third of the sentences, the
    model's label, gold on every tenth, a lead time."""
    rng = random.Random(seed)
    care = {"ann": 0.9, "bob": 0.6, "cy": 0.3}
    rows = []
    for i in range(n):
        truth = rng.choice(LABELS)
        review = truth if i % 3 == 0 else None
        gold = truth if i % 10 == 0 else None
        for a, p in care.items():
            if rng.random() < 0.2:
                continue
            label = truth if rng.random() < p else rng.choice(LABELS)
            predicted = label if rng.random() < 0.5 else rng.choice(LABELS)
            rows.append(
                {"sentence_id": f"s{i}", "annotator": a, "label": label, "review_label": review,
                 "predicted_label": predicted, "gold_label": gold, "lead_time": rng.uniform(1, 30),
                 "guideline_version": "1.0" if i < n // 2 else "1.1"}
            )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kappa_against_the_others_is_the_pooled_kappa_of_scikit_learn(seed):
    df = noisy(seed)
    table = per_annotator(df).set_index("annotator")
    for a in ["ann", "bob", "cy"]:
        mine, theirs = [], []
        for _sid, group in df.groupby("sentence_id"):
            if a not in set(group["annotator"]):
                continue
            own = group[group["annotator"] == a]["label"].iloc[0]
            for other in group[group["annotator"] != a]["label"]:
                mine.append(own)
                theirs.append(other)
        assert table.loc[a, "pairs"] == len(mine) > 0
        assert table.loc[a, "kappa_others"] == pytest.approx(cohen_kappa_score(mine, theirs), abs=1e-12)


@pytest.mark.parametrize("seed", [4, 5])
def test_review_model_and_gold_figures_match_scikit_learn(seed):
    df = noisy(seed)
    table = per_annotator(df).set_index("annotator")
    for a, mine in df.groupby("annotator"):
        reviewed = mine[mine["review_label"].notna()]
        assert table.loc[a, "reviewed"] == len(reviewed)
        assert table.loc[a, "review_accuracy"] == pytest.approx((reviewed["label"] == reviewed["review_label"]).mean())
        assert table.loc[a, "review_kappa"] == pytest.approx(
            cohen_kappa_score(reviewed["label"], reviewed["review_label"]), abs=1e-12
        )
        assert table.loc[a, "predicted"] == len(mine)
        assert table.loc[a, "model_agreement"] == pytest.approx((mine["label"] == mine["predicted_label"]).mean())
        assert table.loc[a, "model_kappa"] == pytest.approx(
            cohen_kappa_score(mine["label"], mine["predicted_label"]), abs=1e-12
        )
        gold = mine[mine["gold_label"].notna()]
        assert table.loc[a, "gold"] == len(gold)
        assert table.loc[a, "gold_accuracy"] == pytest.approx((gold["label"] == gold["gold_label"]).mean())
        times = sorted(mine["lead_time"])
        middle = (times[(len(times) - 1) // 2] + times[len(times) // 2]) / 2
        assert table.loc[a, "median_lead_time"] == pytest.approx(middle)
    # the careful annotator agrees best with the review and the gold tasks
    assert table["review_accuracy"].idxmax() == "ann" and table["review_accuracy"].idxmin() == "cy"


def test_figures_by_hand():
    rows = pd.DataFrame(
        [
            # sentence, annotator, label, review, model, gold, lead time
            ("s1", "a", "attributed", "attributed", "attributed", None, 3.0),
            ("s1", "b", "contested", "attributed", "attributed", None, 5.0),
            ("s2", "a", "unverified", None, "unverified", "unverified", 2.0),
            ("s2", "b", "attributed", None, "unverified", "unverified", 4.0),
            ("s3", "a", "contested", None, None, None, 10.0),
            ("s3", "a", "attributed", None, None, None, 1.0),  # a relabelled s3: the later label counts
            ("s3", "b", "attributed", None, None, None, None),
            ("s4", "b", None, None, None, None, 7.0),  # no label: left out
        ],
        columns=["sentence_id", "annotator", "label", "review_label", "predicted_label", "gold_label", "lead_time"],
    )
    t = per_annotator(rows, skipped={"a": 2}).set_index("annotator")
    assert t.loc["a", "annotations"] == 4 and t.loc["a", "sentences"] == 3
    assert t.loc["b", "annotations"] == 3 and t.loc["b", "sentences"] == 3
    assert t.loc["a", "skipped"] == 2 and t.loc["b", "skipped"] == 0
    assert t.loc["a", "pairs"] == t.loc["b", "pairs"] == 3
    assert t.loc["a", "reviewed"] == 1 and t.loc["a", "review_accuracy"] == 1.0
    assert t.loc["b", "review_accuracy"] == 0.0
    assert math.isnan(t.loc["a", "review_kappa"])  # one label throughout: kappa undefined
    assert t.loc["a", "predicted"] == 2 and t.loc["a", "model_agreement"] == 1.0
    assert t.loc["b", "model_agreement"] == 0.0
    assert t.loc["a", "gold"] == 1 and t.loc["a", "gold_accuracy"] == 1.0 and t.loc["b", "gold_accuracy"] == 0.0
    assert t.loc["a", "median_lead_time"] == 2.0  # per task: 3, 2 and s3's later annotation, 1
    assert t.loc["b", "median_lead_time"] == 4.5  # 5, 4 (s3 has none)


def test_absent_columns_are_not_available():
    rows = pd.DataFrame({"sentence_id": ["x", "x"], "annotator": ["a", "b"], "label": ["attributed", "contested"]})
    t = per_annotator(rows)
    for column in ("skipped", "reviewed", "predicted", "gold"):
        assert t[column].isna().all(), column
    for column in ("review_accuracy", "review_kappa", "model_agreement", "gold_accuracy", "median_lead_time"):
        assert t[column].isna().all(), column
    assert "n/a" in summary(agreement(rows))


def test_a_single_annotator_has_no_pairs():
    t = per_annotator(pd.DataFrame({"sentence_id": ["x", "y"], "annotator": ["a", "a"], "label": LABELS[:2]}))
    assert t.loc[0, "pairs"] == 0 and math.isnan(t.loc[0, "kappa_others"])


def test_alpha_per_guideline_version_is_the_alpha_of_that_version_alone():
    df = noisy(6)
    result = agreement(df)
    assert list(result.by_version["guideline_version"]) == ["1.0", "1.1"]
    for row in result.by_version.to_dict("records"):
        alone = agreement(df[df["guideline_version"] == row["guideline_version"]])
        assert row["alpha"] == pytest.approx(alone.alpha)
        for label in LABELS:
            assert row[f"alpha_{label}"] == pytest.approx(alone.alpha_per_label[label], nan_ok=True)
        assert row["annotations"] == alone.annotations and row["sentences"] == alone.sentences


def test_versions_sort_as_numbers():
    df = pd.DataFrame(
        {"sentence_id": list("aabbcc"), "annotator": list("xyxyxy"), "label": ["attributed"] * 6,
         "guideline_version": ["1.10", "1.10", "1.9", "1.9", "2.0", "2.0"]}
    )  # fmt: skip
    assert list(by_version(df, LABELS)["guideline_version"]) == ["1.9", "1.10", "2.0"]


def test_cli_writes_the_table_to_the_schema(tmp_path, capsys):
    labels = tmp_path / "labels.csv"
    noisy(7, n=30).to_csv(labels, index=False)
    out = tmp_path / "annotators.jsonl"
    assert run(["agreement", str(labels), "--annotators", str(out)]) == 0
    captured = capsys.readouterr()
    assert "per annotator" in captured.out and "3 annotators written" in captured.err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["annotator"] for r in rows] == ["ann", "bob", "cy"]
    for row in rows:
        Draft202012Validator(SCHEMA).validate(row)
        assert list(row) == list(ANNOTATOR_COLUMNS)


def test_csv_table_is_escaped(tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "\n".join(
            json.dumps({"sentence_id": "s1", "annotator": name, "label": label})
            for name, label in [("=HYPERLINK(1)", "attributed"), ("bob", "contested")]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "annotators.csv"
    assert run(["agreement", str(labels), "--annotators", str(out)]) == 0
    assert "\n'=HYPERLINK(1)," in out.read_text(encoding="utf-8")


def test_records_are_json_ready():
    rows = records(per_annotator(noisy(8, n=20)))
    json.dumps(rows, allow_nan=False)
    Draft202012Validator.check_schema(SCHEMA)
    for row in rows:
        Draft202012Validator(SCHEMA).validate(row)


@pytest.mark.studio
def test_per_annotator_figures_from_a_real_project(studio, sdk, title, cli_env, tmp_path, monkeypatch, capsys):
    """Two real users label the same tasks through the API, with lead times; one skips a task. ``agreement --project``
    counts the skip for that user and gives the median lead time and the pooled kappa computed here."""
    from annotator.studio.sync import push
    from annotator.text.split import split

    rows = split([REPO / "data" / "articles" / "health-clinic-closures.txt"]).to_dict("records")
    push(studio, rows, title=title, overlap=2)
    project = next(p for p in sdk.projects.list(title=title) if p.title == title)
    tasks = list(sdk.tasks.list(project=project.id, fields="task_only", include="id,data", page_size=500))[:10]
    users = {u.email: u.id for u in sdk.users.list()}
    carol = (
        users.get("carol@annotator.local")
        or sdk.users.create(username="carol", email="carol@annotator.local", password="not-a-real-secret-3").id
    )
    rng = random.Random(5)
    mine, theirs, my_times, their_times = [], [], [], []
    for i, task in enumerate(tasks):
        a, b = rng.choice(LABELS), rng.choice(LABELS)
        ta, tb = float(i + 1), float(2 * i + 3)
        choice = {"from_name": "label", "to_name": "sentence", "type": "choices"}
        sdk.annotations.create(id=task.id, result=[{**choice, "value": {"choices": [a]}}], lead_time=ta)
        if i == 0:  # carol skips the first task
            sdk.annotations.create(id=task.id, result=[], was_cancelled=True, completed_by=carol)
            my_times.append(ta)
            continue
        sdk.annotations.create(
            id=task.id, result=[{**choice, "value": {"choices": [b]}}], lead_time=tb, completed_by=carol
        )
        mine.append(a)
        theirs.append(b)
        my_times.append(ta)
        their_times.append(tb)
    monkeypatch.setenv("LABEL_STUDIO_URL", cli_env["LABEL_STUDIO_URL"])
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", cli_env["LABEL_STUDIO_API_KEY"])
    out = tmp_path / "annotators.jsonl"
    assert run(["agreement", "--project", title, "--annotators", str(out)]) == 0
    capsys.readouterr()
    table = {r["annotator"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    admin, other = table["admin@annotator.local"], table["carol@annotator.local"]
    assert (admin["skipped"], other["skipped"]) == (0, 1)
    assert (admin["annotations"], other["annotations"]) == (10, 9)
    assert admin["pairs"] == other["pairs"] == 9
    assert admin["kappa_others"] == pytest.approx(cohen_kappa_score(mine, theirs, labels=LABELS), abs=1e-12)
    assert sorted(my_times) == [float(t) for t in range(1, 11)] and admin["median_lead_time"] == 5.5
    assert sorted(their_times) == [float(t) for t in range(5, 22, 2)] and other["median_lead_time"] == 13.0
    assert admin["predicted"] == 0 and admin["model_agreement"] is None  # pushed without a model

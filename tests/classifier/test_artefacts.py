"""Model artefacts: round trip, reproducible bytes, and every refusal (tampered file, another label set, an
untrusted type, another scikit-learn version, no model) is a clear ModelError."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin

from annotator.classifier import artefacts
from annotator.classifier.artefacts import (
    CARD_FILE,
    MODEL_FILE,
    PREDICTOR_FILE,
    load_model,
    load_predictor,
    read_card,
    save,
)
from annotator.classifier.training import Model
from annotator.errors import ModelError
from annotator.labels import labels

REPO = Path(__file__).resolve().parents[2]
TEXTS = [
    "The ministry denied that the clinic had closed.",
    "Officials said the bridge would reopen.",
    "“We are ready,” said coach Lena Moss.",
    "Prices rose again.",
]


class Passthrough(TransformerMixin, BaseEstimator):
    """A harmless transformer from outside the project: its type is not on the trusted list."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


@pytest.fixture(scope="module")
def shipped() -> Model:
    return load_model()


@pytest.fixture(scope="module")
def saved_once(shipped, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("saved") / "m"
    save(shipped, directory, {"note": "test"})
    return directory


@pytest.fixture
def saved(saved_once, tmp_path) -> Path:
    """A fresh copy of a saved model, to change."""
    return Path(shutil.copytree(saved_once, tmp_path / "m"))


def edit_card(directory: Path, **changes) -> None:
    card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
    card.update(changes)
    (directory / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")


def test_round_trip(shipped, saved):
    card = read_card(saved)
    assert card["note"] == "test"
    assert card["labels"] == list(labels())
    assert card["classes"] == list(shipped.classes)
    assert card["version"] == card["sha256"][:16] == shipped.model_version  # same model, same bytes
    loaded = load_model(saved)
    assert loaded.model_version == card["version"]
    assert np.array_equal(loaded.predict_proba(TEXTS), shipped.predict_proba(TEXTS))
    assert loaded.predict(TEXTS) == shipped.predict(TEXTS)
    assert load_model(saved / MODEL_FILE).model_version == card["version"]
    assert sorted(p.name for p in saved.iterdir()) == [CARD_FILE, MODEL_FILE, PREDICTOR_FILE]  # no temporaries
    lean = load_predictor(saved)
    assert lean.model_version == card["version"] and lean.classes == shipped.classes
    assert np.array_equal(lean.predict_proba(TEXTS), shipped.predict_proba(TEXTS))
    assert lean.predict(TEXTS) == shipped.predict(TEXTS)


def test_predictor_loads_without_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from annotator.classifier.artefacts import load_predictor\n"
        "p = load_predictor()\n"
        "print(p.predict(['Officials said the road would reopen.'])[0].label)\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'skops', 'scipy', 'pandas'})\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] in labels()
    assert out[1] == "[]"


def test_tampered_predictor_is_refused(saved):
    data = bytearray((saved / PREDICTOR_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (saved / PREDICTOR_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"predictor\.npz: content hash .* changed after it was saved"):
        load_predictor(saved)


def test_predictor_that_is_not_an_npz_is_refused(saved):
    (saved / PREDICTOR_FILE).write_bytes(b"not a zip")
    digest = __import__("hashlib").sha256(b"not a zip").hexdigest()
    edit_card(saved, predictor={"file": PREDICTOR_FILE, "sha256": digest})
    with pytest.raises(ModelError, match="not a readable predictor"):
        load_predictor(saved)


def test_model_saved_before_predictors_is_compiled_on_load(saved, shipped):
    (saved / PREDICTOR_FILE).unlink()
    card = read_card(saved)
    del card["predictor"]
    (saved / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    assert load_predictor(saved).predict(TEXTS) == shipped.predict(TEXTS)


def test_predictor_refuses_another_label_set(saved):
    edit_card(saved, labels=["true", "false"])
    with pytest.raises(ModelError, match=r"trained for labels \['true', 'false'\]"):
        load_predictor(saved)


def test_card_says_how_the_model_was_made():
    card = read_card()
    for key in (
        "version",
        "sha256",
        "labels",
        "libraries",
        "guideline_version",
        "created",
        "training_data",
        "held_out",
    ):
        assert key in card, key
    assert {"scikit-learn", "skops", "numpy", "python"} <= set(card["libraries"])
    assert card["training_data"]["rows"] > 1000 and len(card["training_data"]["sha256"]) == 64
    assert card["size_bytes"] < 5_000_000


def test_default_model_ships_with_the_package():
    path = artefacts.default_path()
    assert (path / MODEL_FILE).is_file()
    # the installed copy is the checkout's models/default
    assert (path / MODEL_FILE).read_bytes() == (REPO / "models" / "default" / MODEL_FILE).read_bytes()
    assert "site-packages" in str(path) or path == REPO / "models" / "default"


def test_tampered_file_is_refused(saved):
    data = bytearray((saved / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (saved / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="changed after it was saved"):
        load_model(saved)


def test_another_label_set_is_refused(saved):
    edit_card(saved, labels=["true", "false"])
    with pytest.raises(ModelError, match=r"trained for labels \['true', 'false'\]"):
        load_model(saved)


def test_another_sklearn_version_is_refused(saved):
    card = read_card(saved)
    edit_card(saved, libraries={**card["libraries"], "scikit-learn": "0.24.2"})
    with pytest.raises(ModelError, match=r"saved with scikit-learn 0\.24\.2"):
        load_model(saved)


def test_untrusted_type_is_refused(shipped, tmp_path):
    from sklearn.base import clone

    pipeline = shipped.pipeline
    evil = clone(pipeline)
    evil.steps.insert(0, ("extra", Passthrough()))
    # fitted state copied over: a trained pipeline with one foreign step
    evil.steps[1] = ("features", pipeline.named_steps["features"])
    evil.steps[2] = ("classifier", pipeline.named_steps["classifier"])
    save(evil, tmp_path / "evil")
    with pytest.raises(ModelError, match=r"does not trust \(.*Passthrough\)"):
        load_model(tmp_path / "evil")


def test_a_pickle_is_not_a_model(saved):
    import pickle

    (saved / MODEL_FILE).write_bytes(pickle.dumps({"a": 1}))
    edit_card(saved, sha256=__import__("hashlib").sha256((saved / MODEL_FILE).read_bytes()).hexdigest())
    with pytest.raises(ModelError, match="not a readable skops file"):
        load_model(saved)


def test_missing_model(tmp_path):
    with pytest.raises(ModelError, match="no such model directory"):
        load_model(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match=r"no card\.json"):
        load_model(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / CARD_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read the card"):
        load_model(tmp_path / "bad")
    (tmp_path / "bad" / CARD_FILE).write_text('{"version": "x", "sha256": "y", "labels": [], "libraries": "new"}')
    with pytest.raises(ModelError, match="field 'libraries' must be a dict; got 'new'"):
        load_model(tmp_path / "bad")


def test_model_file_is_reproducible_zip(saved, shipped, tmp_path):
    save(shipped, tmp_path / "again")
    for name in (MODEL_FILE, PREDICTOR_FILE):
        assert (tmp_path / "again" / name).read_bytes() == (saved / name).read_bytes()
        with zipfile.ZipFile(saved / name) as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_save_refuses_what_is_not_a_trained_pipeline(tmp_path):
    with pytest.raises(ModelError, match="not a trained annotator pipeline"):
        save(Passthrough(), tmp_path / "x")


def test_failed_save_leaves_the_old_model(saved, shipped, monkeypatch):
    before = (saved / MODEL_FILE).read_bytes()

    def boom(_data: bytes) -> bytes:
        raise OSError("disk full")

    # fault injection: a step inside save() fails after the new files are being written
    monkeypatch.setattr(artefacts, "_canonical_zip", boom)
    with pytest.raises(OSError):
        save(shipped, saved)
    assert (saved / MODEL_FILE).read_bytes() == before
    shutil.rmtree(saved)


def test_guideline_version(monkeypatch, tmp_path):
    from annotator.guideline import guideline

    # the card records the version every pushed task records: the guideline's data-version
    assert artefacts.guideline_version() == guideline().version
    assert artefacts.guideline_version()[0].isdigit()
    monkeypatch.setattr(artefacts, "schema_path", lambda name: tmp_path / name)
    assert artefacts.guideline_version() == "none"


def test_model_trained_on_the_old_analysis_is_refused_with_a_clear_message(shipped, saved):
    """models/f485338fefb27e29 was trained on the per-sentence cue analysis (analyser version 1, predictor format 1,
    saved when the transformers lived in ``annotator.features``): its cue columns mean something else now, so it is
    refused, with the fix in the message, by both loaders; a card that claims another analyser is refused too."""
    from annotator.attribution.article import ANALYSER_VERSION
    from annotator.classifier.inference import Compiled

    legacy = REPO / "models" / "f485338fefb27e29"
    with zipfile.ZipFile(legacy / MODEL_FILE) as z:
        schema = z.read("schema.json").decode("utf-8")
    assert "annotator.features" in schema and "annotator.classifier" not in schema  # really the old layout
    assert "analyser" not in read_card(legacy)  # cards before the article analysis did not record it
    message = (
        rf"f485338fefb27e29: trained with analyser version 1; this annotator has version {ANALYSER_VERSION}: "
        r"retrain it with `annotator train`"
    )
    with pytest.raises(ModelError, match=message):
        load_model(legacy)
    with pytest.raises(ModelError, match=message):
        load_predictor(legacy)
    with pytest.raises(ModelError, match=r"predictor format 1; this version reads format 2 \(format 1 .*retrain"):
        Compiled.from_bytes((legacy / PREDICTOR_FILE).read_bytes())
    assert read_card()["analyser"] == ANALYSER_VERSION == load_predictor().analyser
    assert read_card(saved)["analyser"] == ANALYSER_VERSION
    edit_card(saved, analyser="1")
    with pytest.raises(ModelError, match="trained with analyser version 1"):
        load_predictor(saved)

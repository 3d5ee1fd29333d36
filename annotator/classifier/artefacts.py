"""Model artefacts: the only code that reads or writes ``models/``.

A model directory holds ``model.skops`` (the fitted pipeline, saved with skops: loading pickle or joblib can run
arbitrary code), ``predictor.npz`` (the same model in the form that predicts,
:class:`annotator.classifier.inference.Compiled`:
arrays only, read without pickle and without scikit-learn) and ``card.json``: version (a content hash of
``model.skops``), the predictor's hash, labels, training-data hash and size, metrics on the held-out split, library
versions, guideline version, creation time.

:func:`load_predictor` (prediction: ``prelabel``, ``serve``, ``push``) reads ``predictor.npz`` alone and starts in
a fraction of a second; :func:`load_model` (evaluation, cross-validation) loads the pipeline with skops.

Loading accepts only the types the project trusts (:data:`TRUSTED`); a file whose hash is not the card's, a card
from another label set, or a model saved with another scikit-learn minor version is refused with a
:class:`~annotator.errors.ModelError` saying why, never loaded silently. Files are written atomically.

The shipped default model is ``models/default`` in a checkout and the package ``annotator.models`` in the wheel.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.classifier.inference import ZIP_LEVEL, Compiled
from annotator.errors import ModelError
from annotator.io.atomic import atomic_path
from annotator.labels import labels
from annotator.resources import schema_path

if TYPE_CHECKING:
    from annotator.classifier.training import Model

MODEL_FILE = "model.skops"
PREDICTOR_FILE = "predictor.npz"
CARD_FILE = "card.json"
CARD_FORMAT = 1
DEFAULT_NAME = "default"
GUIDELINE_FILE = "guideline.html"
LIBRARIES = ("scikit-learn", "skops", "numpy", "scipy")
_CHECKOUT = Path(__file__).resolve().parents[2] / "models"

# Types a model file may contain beyond those skops trusts by default (numpy, scipy and scikit-learn estimators
# and plain Python containers). Anything else is refused.
TRUSTED: tuple[str, ...] = (
    "annotator.classifier.features.GuidelineFeatures",
    "annotator.classifier.ngrams.NgramTfidf",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.model_selection._split.StratifiedKFold",
)
#: where models saved before the package was split into subpackages (up to model f485338fefb27e29) recorded our
#: transformers: loading maps each old module to its new home, so those files keep loading
LEGACY_MODULES: dict[str, str] = {
    "annotator.features": "annotator.classifier.features",
    "annotator.ngrams": "annotator.classifier.ngrams",
}
LEGACY_TRUSTED: dict[str, str] = {
    "annotator.features.GuidelineFeatures": "annotator.classifier.features.GuidelineFeatures",
    "annotator.ngrams.NgramTfidf": "annotator.classifier.ngrams.NgramTfidf",
}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def default_path() -> Path:
    """The shipped default model directory (the wheel's ``annotator.models``, else the checkout's
    ``models/default``)."""
    try:
        shipped = Path(str(resources.files("annotator.models").joinpath(DEFAULT_NAME)))
        if (shipped / CARD_FILE).is_file():
            return shipped
    except ModuleNotFoundError:
        pass
    return _CHECKOUT / DEFAULT_NAME


def library_versions() -> dict[str, str]:
    import platform
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        out[name] = metadata.version(name)
    return out


def guideline_version() -> str:
    """The version of the shipped annotator guideline (``annotator.studio.tasks.guideline``, the one every task
    records); ``"none"`` when there is no guideline file."""
    if not schema_path(GUIDELINE_FILE).is_file():
        return "none"
    from annotator.guideline import guideline

    return guideline().version


def _canonical_zip(data: bytes) -> bytes:
    """skops' zip made reproducible: object ids (Python ``id()`` values) and array file names renumbered in order
    of appearance, compact JSON, fixed timestamps. The same model gives the same bytes, so the content hash is a
    version."""
    src = zipfile.ZipFile(io.BytesIO(data))
    schema = json.loads(src.read("schema.json"))
    ids: dict[Any, int] = {}
    files: dict[str, str] = {}
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__id__" in node:
                node["__id__"] = ids.setdefault(node["__id__"], len(ids) + 1)
            if isinstance(node.get("file"), str) and node["file"] in src.namelist():
                node["file"] = files.setdefault(node["file"], f"{len(files)}{Path(node['file']).suffix}")
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    members = [("schema.json", json.dumps(schema, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))]
    members += [(new, src.read(old)) for old, new in files.items()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as dst:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, content, compresslevel=ZIP_LEVEL)
    return out.getvalue()


def save(model: Model | Any, directory: str | Path, card_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save a trained model (a :class:`~annotator.classifier.training.Model` or its fitted pipeline) to ``directory``.

    Writes ``model.skops``, ``predictor.npz`` and ``card.json`` atomically and returns the card. ``card_extra``
    (training data, metrics, parameters) is merged into the card.
    """
    import skops.io as sio

    from annotator.classifier.compiling import compile_pipeline
    from annotator.classifier.training import Model, prune

    pipeline = model.pipeline if isinstance(model, Model) else model
    compiled = compile_pipeline(pipeline)  # refuses anything that is not a trained pipeline
    predictor = compiled.to_bytes()
    classes = [str(c) for c in pipeline.classes_]
    unknown = sorted(set(classes) - set(labels()))
    if unknown:
        raise ModelError(f"the model predicts {unknown}, which are not in the label set {list(labels())}")
    prune(pipeline)
    data = _canonical_zip(sio.dumps(pipeline))
    digest = hashlib.sha256(data).hexdigest()
    card: dict[str, Any] = {
        "format": CARD_FORMAT,
        "version": digest[:16],
        "sha256": digest,
        "labels": list(labels()),
        "classes": classes,
        "size_bytes": len(data),
        "predictor": {"file": PREDICTOR_FILE, "sha256": hashlib.sha256(predictor).hexdigest()},
        "libraries": library_versions(),
        "guideline_version": guideline_version(),
        "analyser": compiled.analyser,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    card.update(card_extra or {})
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with atomic_path(directory / MODEL_FILE) as tmp:
        tmp.write_bytes(data)
    with atomic_path(directory / PREDICTOR_FILE) as tmp:
        tmp.write_bytes(predictor)
    with atomic_path(directory / CARD_FILE) as tmp:
        tmp.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return card


def read_card(path: str | Path | None = None) -> dict[str, Any]:
    """The card of the model at ``path`` (a model directory or its ``model.skops``; None: the default)."""
    directory = _directory(path)
    card_path = directory / CARD_FILE
    if not card_path.is_file():
        if not directory.exists():
            raise ModelError(f"{directory}: no such model directory (train one with `annotator train`)")
        raise ModelError(f"{directory}: no {CARD_FILE}; not a saved model (train one with `annotator train`)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_path}: cannot read the card ({exc})") from exc
    if not isinstance(card, dict):
        raise ModelError(f"{card_path}: not a model card (expected a JSON object)")
    for key, kind in (("version", str), ("sha256", str), ("labels", list), ("libraries", dict)):
        if key not in card:
            raise ModelError(f"{card_path}: field {key!r} missing; not a model card")
        if not isinstance(card[key], kind):
            raise ModelError(f"{card_path}: field {key!r} must be a {kind.__name__}; got {card[key]!r}")
    return card


def _directory(path: str | Path | None) -> Path:
    if path is None:
        return default_path()
    p = Path(path)
    return p.parent if p.name in (MODEL_FILE, PREDICTOR_FILE) or p.suffix == ".skops" else p


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def load_model(path: str | Path | None = None) -> Model:
    """Load a saved model as a :class:`~annotator.classifier.training.Model` (a
    :class:`~annotator.predictions.Predictor`).

    Parameters
    ----------
    path : str or Path, optional
        A model directory (or its ``model.skops``); None: the shipped default model.

    Raises
    ------
    ModelError
        No model there; the file's hash is not the card's (changed after saving); the card's labels are not the
        label set of ``schemas/label_config.xml``; the model was saved with another scikit-learn major/minor
        version; the file holds a type the project does not trust.
    """
    import skops.io as sio

    from annotator.classifier.training import Model

    directory = _directory(path)
    card = read_card(directory)
    model_path = directory / MODEL_FILE
    data = _read_checked(model_path, str(card["sha256"]))
    _check_labels(directory, card)
    _check_analyser(directory, card)
    saved = str(card["libraries"].get("scikit-learn", "unknown"))
    from importlib import metadata

    installed = metadata.version("scikit-learn")
    if _minor(saved) != _minor(installed):
        raise ModelError(
            f"{directory}: saved with scikit-learn {saved}, this is scikit-learn {installed}; models load only "
            "with the same major.minor version: retrain it (annotator train) or install the version it needs"
        )
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:  # a corrupt zip or schema: skops raises various errors
        raise ModelError(f"{model_path}: not a readable skops file ({type(exc).__name__}: {exc})") from exc
    refused = sorted(set(untrusted) - set(TRUSTED) - set(LEGACY_TRUSTED))
    if refused:
        raise ModelError(f"{model_path}: holds types the project does not trust ({', '.join(refused)}); not loaded")
    if set(untrusted) & set(LEGACY_TRUSTED):
        _alias_legacy_modules()
    try:
        pipeline = sio.loads(data, trusted=list(untrusted))
    except Exception as exc:
        raise ModelError(f"{model_path}: cannot load ({type(exc).__name__}: {exc})") from exc
    classes = [str(c) for c in getattr(pipeline, "classes_", [])]
    if classes != list(card.get("classes", classes)) or not set(classes) <= set(labels()):
        raise ModelError(f"{model_path}: the model's classes {classes} do not match its card or the label set")
    return Model(pipeline, version=str(card["version"]), card=card)


def _check_analyser(directory: Path, card: dict[str, Any]) -> None:
    """A model predicts only with the article analysis it was trained on (its card's ``analyser``)."""
    from annotator.attribution.article import ANALYSER_VERSION

    trained = card.get("analyser", "1")
    if trained != ANALYSER_VERSION:
        raise ModelError(
            f"{directory}: trained with analyser version {trained}; this annotator has version {ANALYSER_VERSION}: "
            "retrain it with `annotator train`"
        )


def _alias_legacy_modules() -> None:
    """Make the module paths that older model files record importable (skops imports a type's module by name)."""
    import importlib
    import sys

    for old, new in LEGACY_MODULES.items():
        sys.modules.setdefault(old, importlib.import_module(new))


def load_predictor(path: str | Path | None = None) -> Compiled:
    """Load a saved model for prediction: :class:`~annotator.classifier.inference.Compiled` from ``predictor.npz``,
    with no scikit-learn or skops import. A model saved before there was a ``predictor.npz`` is loaded with
    :func:`load_model` and compiled.

    Raises
    ------
    ModelError
        As :func:`load_model`: no model there, a file changed after saving (its hash is not the card's), the
        card's labels are not the label set, or a file that cannot be read.
    """
    directory = _directory(path)
    card = read_card(directory)
    entry = card.get("predictor")
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        return load_model(directory).compiled
    _check_labels(directory, card)
    _check_analyser(directory, card)
    predictor_path = directory / PREDICTOR_FILE
    data = _read_checked(predictor_path, entry["sha256"])
    try:
        compiled = Compiled.from_bytes(data, version=str(card["version"]), card=card)
    except ModelError as exc:
        raise ModelError(f"{predictor_path}: {exc}") from exc
    if list(compiled.classes) != list(card.get("classes", compiled.classes)) or not set(compiled.classes) <= set(
        labels()
    ):
        raise ModelError(f"{predictor_path}: the model's classes {list(compiled.classes)} do not match its card")
    return compiled


def _read_checked(path: Path, sha256: str) -> bytes:
    """The bytes of ``path``, refused unless their hash is ``sha256``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ModelError(
            f"{path}: content hash {digest[:16]} is not the card's {sha256[:16]}: the file changed after it was "
            "saved; restore it or retrain"
        )
    return data


def _check_labels(directory: Path, card: dict[str, Any]) -> None:
    if list(card["labels"]) != list(labels()) and set(card["labels"]) != set(labels()):
        raise ModelError(
            f"{directory}: the model was trained for labels {card['labels']}, but schemas/label_config.xml "
            f"defines {list(labels())}; retrain it on data with the current labels"
        )

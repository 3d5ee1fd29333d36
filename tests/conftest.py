"""Shared fixtures: a model trained here on the seed corpus (real pipeline, real artefact)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "train"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on ``data/train`` and saved with :func:`annotator.artefacts.save` (once per session)."""
    from annotator import artefacts
    from annotator.corpus import read_labelled
    from annotator.model import train

    frame = read_labelled([SEED])
    directory = tmp_path_factory.mktemp("model")
    artefacts.save(train(frame["text"].tolist(), frame["label"].tolist()), directory)
    return directory

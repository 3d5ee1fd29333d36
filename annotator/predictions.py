"""What a model gives for one sentence, and the interface every consumer of a model codes against.

Producers: ``annotator.classifier.inference`` (a trained model, loaded by
``annotator.classifier.artefacts.load_predictor``).
Consumers: ``prelabel`` (batch), ``studio`` (pre-annotations on push), ``backend`` (live), ``ledger``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

Span = tuple[int, int]


class Prediction(NamedTuple):
    """The model's answer for one sentence.

    ``score`` is the calibrated probability of ``label``; ``scores`` has one probability per label, in the model's
    class order. Spans are end-exclusive character offsets into the sentence text: ``text[start:end]``.

    Immutable; a named tuple rather than a frozen dataclass, which takes three times as long to make (a batch
    makes one per sentence).
    """

    label: str
    score: float
    scores: dict[str, float]
    source_spans: tuple[Span, ...] = ()
    cue_spans: tuple[Span, ...] = ()
    top_features: tuple[str, ...] = ()


class Predictor(Protocol):
    """A loaded model: a version string, its classes, and batch prediction over sentence texts."""

    @property
    def model_version(self) -> str: ...

    @property
    def classes(self) -> tuple[str, ...]: ...

    def predict(self, texts: Sequence[str], *, articles: Sequence[Any] | None = None) -> list[Prediction]:
        """One prediction per text. ``articles`` gives each text's article (any hashable key): consecutive texts
        with the same key are read as one article, in order, so that a sentence is read in its context ("He
        said..." after a named speaker). None: every text alone, with empty context."""
        ...


def predict_after(predictor: Predictor, texts: Sequence[str], prevs: Sequence[str]) -> list[Prediction]:
    """Each text read after the sentence before it in its article (``prevs``; "" when there is none): the context a
    Label Studio task carries (its ``prev``), for a pronoun's antecedent or the speaker of a quotation it
    continues."""
    flat: list[str] = []
    keys: list[int] = []
    where: list[int] = []
    for i, (text, prev) in enumerate(zip(texts, prevs, strict=True)):
        if prev:
            flat.append(prev)
            keys.append(i)
        where.append(len(flat))
        flat.append(text)
        keys.append(i)
    predictions = predictor.predict(flat, articles=keys)
    return [predictions[j] for j in where]

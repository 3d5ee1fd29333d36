"""Active learning: the order in which sentences are best labelled, encoded in a number Label Studio can sort by.

Label Studio's free edition sorts tasks by prediction score, so the order is folded into that score. The
**priority** of a prediction is its confidence discounted by how rare its predicted label is::

    priority = score * sqrt(share(label) / share(most frequent label))

where ``share`` is the label's share of the predicted label distribution (add-one smoothed). For the most
frequent predicted label the priority is the confidence itself; a prediction of the rarest label (``contested`` in
real news) is pulled towards the front. Sorting by priority, **ascending**, gives least confident first, rarest
label first among equals. Rarity is measured on the predictions themselves, never on a hard-coded label name.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Mapping, Sequence

from annotator.predictions import Prediction


def rarity_weights(counts: Mapping[str, int], classes: Sequence[str]) -> dict[str, float]:
    """One weight in (0, 1] per class: ``sqrt(share / max share)`` of the add-one smoothed predicted counts.

    Parameters
    ----------
    counts
        How often each label was predicted (labels missing from it count 0).
    classes
        Every label the model can predict (smoothing gives each one a count of at least 1).
    """
    smoothed = {c: counts.get(c, 0) + 1 for c in classes}
    top = max(smoothed.values(), default=1)
    return {c: math.sqrt(n / top) for c, n in smoothed.items()}


def priority(score: float, weight: float) -> float:
    """The sort key of one prediction: its confidence times its label's rarity weight (lower = label it sooner)."""
    return round(float(score) * weight, 6)


def rank(labels: Sequence[str], scores: Sequence[float], classes: Sequence[str]) -> tuple[list[float], dict[str, int]]:
    """The priorities of a batch of predictions (labels and their scores, in order), ranked on the batch's own
    predicted label distribution, and that distribution (how often each label was predicted). Batch pre-labelling
    ranks each partition so, whichever engine or worker runs it."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    weights = rarity_weights(counts, classes)
    return [priority(score, weights[label]) for label, score in zip(labels, scores, strict=True)], counts


class Ranker:
    """Keeps the predicted label distribution and turns predictions into priorities.

    The backend keeps one per model version and feeds it every batch it predicts; batch prelabelling uses a fresh
    one per partition (so the result does not depend on which worker saw which partition first).
    """

    def __init__(self, classes: Sequence[str]) -> None:
        self.classes = tuple(classes)
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()  # the backend predicts in several threads

    def weights(self) -> dict[str, float]:
        """The current rarity weight of every class."""
        return rarity_weights(self.counts, self.classes)

    def priorities(self, predictions: Sequence[Prediction]) -> list[float]:
        """Observe ``predictions`` and return their priorities, in order."""
        with self._lock:
            self.counts.update(p.label for p in predictions)
            weights = self.weights()
        return [priority(p.score, weights.get(p.label, 1.0)) for p in predictions]

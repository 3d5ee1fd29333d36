"""Confident learning (annotator.classifier.confident) against cleanlab's reference implementation: the same rows
flagged and in the same order on seeded fixtures (noisy Dirichlet probabilities, imbalanced classes, a class with
one or two examples, a class nobody was given, perfect labels). cleanlab is a dev dependency only, imported here and
nowhere in the package (tests/test_architecture.py checks that)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from annotator.classifier import confident
from annotator.errors import ModelError

cleanlab_filter = pytest.importorskip("cleanlab.filter")


def noisy(seed: int, n: int, k: int, *, noise: float, prior: np.ndarray | None = None, peak: float = 1.0):  # type: ignore[no-untyped-def]
    """(given labels, probabilities): true labels drawn from ``prior``, probabilities peaked at the true label by a
    random amount up to ``peak``, then a share ``noise`` of the labels redrawn uniformly."""
    rng = np.random.default_rng(seed)
    prior = np.full(k, 1 / k) if prior is None else prior
    truth = rng.choice(k, size=n, p=prior)
    probs = rng.dirichlet(np.full(k, 0.5), size=n)
    probs[np.arange(n), truth] += rng.uniform(0, 2 * peak, size=n)
    probs /= probs.sum(axis=1, keepdims=True)
    given = truth.copy()
    redraw = rng.random(n) < noise
    given[redraw] = rng.integers(0, k, size=int(redraw.sum()))
    return given, probs


def reference(labels: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleanlab warns about classes with few examples
        mask = cleanlab_filter.find_label_issues(labels, probs, n_jobs=1)
        ranked = cleanlab_filter.find_label_issues(labels, probs, n_jobs=1, return_indices_ranked_by="self_confidence")
    return mask, ranked


def assert_same_as_cleanlab(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    mask, ranked = reference(labels, probs)
    ours = confident.find_label_issues(labels, probs)
    assert ours.tolist() == mask.tolist()
    assert confident.rank_issues(ours, labels, probs).tolist() == ranked.tolist()
    return ours


@pytest.mark.parametrize("seed", range(40))
def test_same_rows_as_cleanlab_on_noisy_dirichlet_fixtures(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n, k = int(rng.integers(20, 600)), int(rng.integers(2, 7))
    labels, probs = noisy(seed, n, k, noise=float(rng.uniform(0.02, 0.4)))
    assert_same_as_cleanlab(labels, probs)


def test_same_rows_as_cleanlab_with_imbalanced_classes() -> None:
    for seed in range(10):
        labels, probs = noisy(seed, 800, 3, noise=0.1, prior=np.array([0.85, 0.12, 0.03]))
        assert assert_same_as_cleanlab(labels, probs).any()


@pytest.mark.parametrize("few", [1, 2, 3])
def test_same_rows_as_cleanlab_with_a_class_of_few_examples(few: int) -> None:
    labels, probs = noisy(7, 200, 3, noise=0.15)
    labels[labels == 2] = 0
    labels[:few] = 2  # class 2 given to `few` examples only
    flagged = assert_same_as_cleanlab(labels, probs)
    if few == 1:  # a class given once is not pruned
        assert not flagged[labels == 2].any()


def test_same_rows_as_cleanlab_when_a_class_is_never_given() -> None:
    labels, probs = noisy(3, 300, 3, noise=0.2)
    labels[labels == 1] = 0
    flagged = assert_same_as_cleanlab(labels, probs)
    assert confident.thresholds(labels, probs)[1] == confident.ABSENT_THRESHOLD
    assert flagged.any()


def test_perfect_labels_are_not_flagged() -> None:
    labels, probs = noisy(5, 400, 3, noise=0.0, peak=3.0)
    probs[np.arange(400), labels] += 1.0  # every given label is the most probable by far
    probs /= probs.sum(axis=1, keepdims=True)
    flagged = assert_same_as_cleanlab(labels, probs)
    assert not flagged.any()


def test_flagged_rows_are_never_the_models_choice_and_ranked_by_self_confidence() -> None:
    labels, probs = noisy(11, 500, 4, noise=0.3)
    flagged = confident.find_label_issues(labels, probs)
    assert flagged.sum() > 20
    assert (probs[flagged].argmax(axis=1) != labels[flagged]).all()
    ranked = confident.rank_issues(flagged, labels, probs)
    scores = confident.self_confidence(labels, probs)[ranked]
    assert sorted(ranked.tolist()) == np.flatnonzero(flagged).tolist()
    assert (np.diff(scores) >= 0).all()


def test_the_calibrated_joint_keeps_each_labels_count() -> None:
    labels, probs = noisy(2, 333, 3, noise=0.2)
    joint = confident.confident_joint(labels, probs)
    assert joint.sum(axis=1).tolist() == np.bincount(labels, minlength=3).tolist()
    raw = confident.confident_joint(labels, probs, calibrate=False)
    assert (raw.diagonal() >= 1).all() and raw.sum() <= len(labels)


@pytest.mark.parametrize("values", [[0.5, 0.5, 0.5, 0.5], [8.89, 35.56, 3.55], [0.2, 0.2, 0.2, 0.4], [1.0, 2.0]])
def test_rounding_keeps_the_rounded_sum(values: list[float]) -> None:
    out = confident.round_keeping_sum(np.asarray(values))
    assert out.sum() == round(sum(values))
    assert (np.abs(out - np.asarray(values)) < 1).all()


@pytest.mark.parametrize(
    ("labels", "probs", "message"),
    [
        ([0, 1], [[0.5, 0.5, 0.0]], "1 rows of pred_probs"),
        ([0, 3], [[0.5, 0.5], [0.2, 0.8]], "class indices 0 to 1"),
        ([0, 1], [0.5, 0.5], "shape"),
        ([0, 1], [[1.5, -0.5], [0.2, 0.8]], "between 0 and 1"),
    ],
)
def test_bad_input_is_named(labels: list[int], probs: list, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ModelError, match=message):
        confident.find_label_issues(labels, probs)

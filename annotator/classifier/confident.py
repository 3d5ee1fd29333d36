"""Confident learning: which given labels are probably wrong, from out-of-sample predicted probabilities (Northcutt,
Jiang and Chuang, "Confident Learning: Estimating Uncertainty in Dataset Labels", JAIR 70, 2021). Pure numpy.

Written here from the paper and from cleanlab's documentation of ``cleanlab.filter.find_label_issues`` with its
default arguments (``filter_by="prune_by_noise_rate"``, ``frac_noise=1``, ``min_examples_per_class=1``), so that
the package needs no cleanlab (a test in ``tests/classifier/test_confident.py`` checks that both flag the same rows
and rank them in the same order). With ``n`` examples, ``K`` classes, given labels ``y`` and probabilities ``p``:

1. Per-class thresholds (the paper's eq. 2): ``t[k]`` is the mean of ``p[i, k]`` over the examples given ``k`` (the
   class's average self-confidence), at least 2e-6; a class no example is given gets 2, so that nothing counts
   toward it.
2. The confident joint ``C[i, j]``: the examples given ``i`` whose probability of ``j`` reaches ``t[j]`` (less
   1e-6); where several classes reach their thresholds, the most probable one; an example that reaches none is
   not counted. Every diagonal entry is at least 1.
3. Its calibration: each row scaled to the number of examples given that label, then the whole to ``n``, rounded to
   whole counts keeping each row's total.
4. Pruning by noise rate: for each given label ``i`` (given to more than one example), the ``C[i, j]`` examples
   given ``i`` with the largest margin ``p[:, j] - p[:, i]`` are flagged, for each other class ``j`` (after moving
   counts to the diagonal where it would be below 1, as cleanlab does).
5. An example whose given label is the most probable (ties go to the given label) is never flagged.

The flagged rows are ranked by self-confidence ``p[i, y[i]]``, lowest first (cleanlab's ``rank_by_kind`` default).

Arrays: ``labels`` is an integer array of class indices ``0 .. K-1`` (length ``n``); ``pred_probs`` an ``(n, K)``
array of out-of-sample probabilities (each row sums to 1), columns in class-index order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from annotator.errors import ModelError

#: fuzzy comparison of probabilities (cleanlab's ``FLOATING_POINT_COMPARISON``)
EPSILON = 1e-6
#: lower bound of a per-class threshold
THRESHOLD_FLOOR = 2 * EPSILON
#: the threshold of a class no example is given: no probability reaches it
ABSENT_THRESHOLD = 2.0
_TINY = 1e-100

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def check_inputs(labels: Any, pred_probs: Any) -> tuple[IntArray, FloatArray]:
    """``labels`` and ``pred_probs`` as arrays, or a :class:`~annotator.errors.ModelError` naming what is wrong."""
    probs = np.asarray(pred_probs, dtype=np.float64)
    y = np.asarray(labels)
    if probs.ndim != 2 or probs.shape[1] < 2:
        raise ModelError(f"pred_probs must be an (n, K) array with K >= 2 classes; got shape {probs.shape}")
    if y.ndim != 1 or len(y) != len(probs):
        raise ModelError(f"labels of shape {y.shape} but {len(probs)} rows of pred_probs")
    if len(y) and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= probs.shape[1]):
        raise ModelError(f"labels must be class indices 0 to {probs.shape[1] - 1}; got {sorted(set(y.tolist()))[:5]}")
    if not np.isfinite(probs).all() or (probs < 0).any() or (probs > 1).any():
        raise ModelError("pred_probs must be probabilities between 0 and 1")
    return y.astype(np.int64), probs


def self_confidence(labels: IntArray, pred_probs: FloatArray) -> FloatArray:
    """Each example's predicted probability of its given label."""
    return np.asarray(pred_probs[np.arange(len(labels)), labels], dtype=np.float64)


def thresholds(labels: IntArray, pred_probs: FloatArray) -> FloatArray:
    """Per-class thresholds: the mean self-confidence of the examples given each class (step 1)."""
    out = [
        np.mean(pred_probs[:, k][labels == k]) if (labels == k).any() else ABSENT_THRESHOLD
        for k in range(pred_probs.shape[1])
    ]
    return np.clip(np.asarray(out, dtype=np.float64), THRESHOLD_FLOOR, None)


def confident_joint(labels: IntArray, pred_probs: FloatArray, *, calibrate: bool = True) -> IntArray:
    """The confident joint ``C[given, true]`` (step 2), calibrated (step 3) unless ``calibrate`` is False."""
    k = pred_probs.shape[1]
    above = pred_probs >= thresholds(labels, pred_probs) - EPSILON
    n_above = above.sum(axis=1)
    guess = np.where(n_above > 1, pred_probs.argmax(axis=1), above.argmax(axis=1))
    counted = n_above > 0
    # counted as [true, given] and transposed (a column-major view), the memory layout cleanlab's joint has: the
    # calibration's sums then add in the same order
    joint = np.bincount(guess[counted] * k + labels[counted], minlength=k * k).reshape(k, k).T
    np.fill_diagonal(joint, joint.diagonal().clip(min=1))
    return calibrate_joint(joint, labels) if calibrate else joint


def calibrate_joint(joint: IntArray, labels: IntArray) -> IntArray:
    """Step 3: rows scaled to the given labels' counts, the whole to their sum; rows rounded keeping their totals."""
    counts = np.bincount(labels, minlength=len(joint))
    # computed on the transpose and summed in its memory order, as cleanlab does: the same floats to the last bit,
    # so that the rounding below breaks ties the same way
    scaled = (joint.T / np.clip(joint.sum(axis=1), _TINY, None) * counts).T
    scaled = scaled / np.clip(np.sum(scaled), _TINY, None) * sum(counts)
    return round_rows(scaled)


def round_keeping_sum(values: FloatArray) -> IntArray:
    """Round to integers whose sum is the rounded sum of ``values``: the entries rounded furthest from their value
    are moved one step back until the sums agree (the largest remainders method)."""
    floats = np.asarray(values, dtype=np.float64)
    ints = floats.round()
    target = np.sum(floats).round()
    total = np.sum(ints).round()
    while abs(total - target) > EPSILON:
        diff = np.round(target - total)
        step = -1 if diff < 0 else 1
        order = np.argsort(floats - ints)
        if step > 0:
            order = order[::-1]
        ints[order[: min(int(abs(diff)), len(floats))]] += step
        total = np.sum(ints).round()
    return ints.astype(np.int64)


def round_rows(matrix: FloatArray) -> IntArray:
    """:func:`round_keeping_sum` on each row."""
    return np.asarray([round_keeping_sum(row) for row in matrix], dtype=np.int64).reshape(np.shape(matrix))


def prune_counts(joint: IntArray, *, min_per_class: int = 1) -> IntArray:
    """How many examples to flag: entry ``[i, j]`` for the examples given ``i`` that belong to ``j`` (the joint,
    with each row's diagonal raised to ``min_per_class`` by taking the difference evenly from the row's nonzero
    noise counts, truncated to whole counts)."""
    matrix = np.asarray(joint, dtype=np.float64)
    diagonal = matrix.diagonal()
    raised = np.maximum(diagonal, min_per_class)
    spread = np.maximum(np.count_nonzero(matrix, axis=1) - 1.0, 1.0)
    out = matrix - ((raised - diagonal) / spread)[:, None]
    out[out < 0] = 0
    np.fill_diagonal(out, raised)
    return np.asarray(out, dtype=np.int64)


def _prune_class(probs: FloatArray, k: int, counts: IntArray, min_per_class: int) -> NDArray[np.bool_]:
    """Step 4 for the examples given class ``k`` (their probabilities ``probs``; ``counts``: row ``k`` of
    :func:`prune_counts`)."""
    flagged = np.zeros(len(probs), dtype=bool)
    if len(probs) <= min_per_class:
        return flagged
    for j, n in enumerate(counts):
        if j != k and n > 0:
            order = np.argsort(-(probs[:, j] - probs[:, k]))
            flagged[order[:n]] = True
    return flagged


def predicted_is_given(labels: IntArray, pred_probs: FloatArray) -> NDArray[np.bool_]:
    """Step 5: examples whose given label is the most probable (the given label's probability raised by
    :data:`EPSILON`, so that ties go to it)."""
    nudged = pred_probs.copy()
    nudged[np.arange(len(labels)), labels] += EPSILON
    return np.asarray(nudged.argmax(axis=1) == labels)


def find_label_issues(labels: Any, pred_probs: Any, *, min_per_class: int = 1) -> NDArray[np.bool_]:
    """A boolean mask of the examples whose given label is probably wrong (steps 1 to 5 of this module).

    Parameters
    ----------
    labels : array of int, shape (n,)
        Given labels as class indices ``0 .. K-1``.
    pred_probs : array of float, shape (n, K)
        Out-of-sample predicted probabilities (cross-validated), columns in class-index order.
    min_per_class : int
        Examples left unflagged in every class (cleanlab's ``min_examples_per_class``).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True where the label is probably wrong.
    """
    y, probs = check_inputs(labels, pred_probs)
    mask = np.zeros(len(y), dtype=bool)
    if not len(y):
        return mask
    counts = prune_counts(confident_joint(y, probs), min_per_class=min_per_class)
    for k in range(probs.shape[1]):
        members = y == k
        if members.sum() > 1:
            mask[members] = _prune_class(probs[members], k, counts[k], min_per_class)
    mask[predicted_is_given(y, probs)] = False
    return mask


def rank_issues(mask: NDArray[np.bool_], labels: Any, pred_probs: Any) -> IntArray:
    """Indices of the flagged examples, lowest self-confidence first."""
    y, probs = check_inputs(labels, pred_probs)
    index = np.arange(len(y))[mask]
    return np.asarray(index[np.argsort(self_confidence(y, probs)[mask])], dtype=np.int64)

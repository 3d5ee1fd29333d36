"""The trained classifier in the form that predicts: :class:`Compiled`, numbers and word lists only.

A trained pipeline (:func:`annotator.classifier.training.train`) is cue features (the article analysis of
:mod:`annotator.attribution.article`) and word n-grams, weighted, into a linear model whose scores are
temperature-scaled. Prediction needs none of scikit-learn's machinery:
:func:`annotator.classifier.compiling.compile_pipeline` takes out the analyser's version, the n-gram vocabularies with
their idf, the weights, coefficients, intercepts and the inverse temperature, and :meth:`Compiled.predict_proba`
computes the very probabilities of ``pipeline.predict_proba`` (``tests/classifier/test_inference.py``
checks them to 1e-12) with a few array operations per batch.

Saved as ``predictor.npz`` next to ``model.skops`` (:mod:`annotator.classifier.artefacts`): plain ``.npy`` arrays read
with ``allow_pickle=False``. Loading it needs numpy alone, so ``annotator prelabel`` and ``annotator serve`` start in a
fraction of a second instead of importing scikit-learn and skops (three seconds here).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from annotator.attribution.article import (
    ANALYSER_VERSION,
    FEATURES,
    SentenceAnalysis,
    analyse_texts,
    explain,
)
from annotator.classifier.terms import Vocabulary
from annotator.errors import ModelError
from annotator.predictions import Prediction, Span

FORMAT = 2  # 1: the per-sentence cue analysis with the lexicon's lists in the file (annotator before issue 13)
ZIP_LEVEL = 6  # zlib's default: 9 takes seven times as long to save a model for 2% fewer bytes
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class Block:
    """One n-gram block of the design matrix: its name in the feature union, vocabulary, weight and columns."""

    def __init__(self, name: str, vocabulary: Vocabulary, weight: float, coef: NDArray[np.float64]) -> None:
        self.name = name
        self.vocabulary = vocabulary
        self.weight = weight
        self.coef = np.ascontiguousarray(coef)  # (classes, terms)


class _Design(NamedTuple):
    """A batch's design matrix, weighted: cue feature rows (n, len(FEATURES)), and per n-gram block its
    (document, column, value) entries."""

    cues: NDArray[np.float64]
    blocks: list[tuple[Block, NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]]


class Compiled:
    """A trained classifier as arrays: a :class:`~annotator.predictions.Predictor`.

    Parameters
    ----------
    classes : sequence of str
        The labels, in the column order of the probabilities.
    analyser : str
        The version of the article analysis the cue features were trained with
        (:data:`annotator.attribution.article.ANALYSER_VERSION`); another version cannot predict with them.
    cue_name : str
        The name of the cue features' block in the feature union.
    cue_weight : float
        The weight of the cue features' block.
    cue_coef : array (classes, len(FEATURES))
    blocks : list of Block
        The n-gram blocks, in the feature union's order after the cue block.
    intercept : array (classes,)
    beta : float
        The inverse temperature of the calibration.
    version : str
        The model version.
    block_order : list of str
        The names of the feature union's parts in order (the cue block's included), for feature names.
    """

    def __init__(
        self,
        *,
        classes: Sequence[str],
        analyser: str,
        cue_name: str,
        cue_weight: float,
        cue_coef: NDArray[np.float64],
        blocks: list[Block],
        intercept: NDArray[np.float64],
        beta: float,
        block_order: Sequence[str],
        version: str = "unsaved",
        card: dict[str, Any] | None = None,
    ) -> None:
        self._classes = tuple(str(c) for c in classes)
        if analyser != ANALYSER_VERSION:
            raise ModelError(
                f"the model was trained with analyser version {analyser}; this annotator has version "
                f"{ANALYSER_VERSION}: retrain it with `annotator train`"
            )
        self.analyser = analyser
        self.cue_name = cue_name
        self.cue_weight = float(cue_weight)
        self.cue_coef = np.ascontiguousarray(cue_coef, dtype=np.float64)
        self.blocks = blocks
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.beta = float(beta)
        self.block_order = list(block_order)
        self.version = version
        self.card = card or {}
        self._names: list[str] | None = None
        self._bytes: bytes | None = None
        k = len(self._classes)
        if self.cue_coef.shape != (k, len(FEATURES)) or self.intercept.shape != (k,):
            raise ModelError(f"inconsistent predictor: {k} classes, cue coefficients {self.cue_coef.shape}")
        for b in blocks:
            if b.coef.shape != (k, len(b.vocabulary)):
                raise ModelError(f"inconsistent predictor: block {b.name} has coefficients {b.coef.shape}")
        # per class, the cue features with a positive coefficient: the ones whose spans explain it
        self._positive = [
            frozenset(f for f, w in zip(FEATURES, row, strict=True) if w > 0) for row in self.cue_coef.tolist()
        ]

    # -- the Predictor protocol ---------------------------------------------------------------------------------

    @property
    def model_version(self) -> str:
        return self.version

    @property
    def classes(self) -> tuple[str, ...]:
        return self._classes

    def analyse(self, texts: Sequence[str], articles: Sequence[Any] | None = None) -> list[SentenceAnalysis]:
        """The article analysis of each text (sources, signals, quotations, feature row); ``articles`` as in
        :meth:`predict`."""
        return analyse_texts(texts, articles)

    def _design(self, texts: Sequence[str], analyses: Sequence[SentenceAnalysis]) -> _Design:
        """The design matrix of ``texts``, weighted: the cue feature rows (dense) and each n-gram block's entries."""
        g = _feature_rows(analyses)
        if self.cue_weight != 1.0:
            g *= self.cue_weight
        words = [a.words for a in analyses]
        blocks = []
        for b in self.blocks:
            docs, cols, values = b.vocabulary.tfidf(texts, words)
            blocks.append((b, docs, cols, values * b.weight if b.weight != 1.0 else values))
        return _Design(g, blocks)

    def _logits(self, design: _Design) -> NDArray[np.float64]:
        n = len(design.cues)
        logits = design.cues @ self.cue_coef.T
        for b, docs, cols, values in design.blocks:
            for k in range(len(self._classes)):
                logits[:, k] += np.bincount(docs, weights=values * b.coef[k, cols], minlength=n)
        logits += self.intercept
        return logits

    def _proba(self, logits: NDArray[np.float64]) -> NDArray[np.float64]:
        """scikit-learn's temperature scaling: softmax(beta * logits), as ``_TemperatureScaling.predict``."""
        # sklearn's _convert_to_logits: decision values that look like probabilities are taken as probabilities
        if logits.size and np.all((logits >= 0) & (logits <= 1)) and np.allclose(logits.sum(axis=1), 1.0):
            logits = np.log(logits + 1e-12)
        x = self.beta * logits
        x -= x.max(axis=1, keepdims=True)
        np.exp(x, out=x)
        x /= x.sum(axis=1, keepdims=True)
        x[(x > 1.0) & (x <= 1.0 + 1e-5)] = 1.0
        return x

    def predict_proba(self, texts: Sequence[str], *, articles: Sequence[Any] | None = None) -> NDArray[np.float64]:
        """Calibrated probabilities, one column per class in :attr:`classes` order; ``articles`` as in
        :meth:`predict`."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self._classes)))
        return self._proba(self._logits(self._design(texts, self.analyse(texts, articles))))

    def feature_names(self) -> list[str]:
        """The design matrix's column names, as the feature union names them (``"words__said"``)."""
        if self._names is None:
            parts: dict[str, list[str]] = {self.cue_name: list(FEATURES)}
            for b in self.blocks:
                parts[b.name] = b.vocabulary.terms
            self._names = [f"{name}__{f}" for name in self.block_order for f in parts[name]]
        return self._names

    def predict(
        self, texts: Sequence[str], *, top_features: int = 0, articles: Sequence[Any] | None = None
    ) -> list[Prediction]:
        """One :class:`~annotator.predictions.Prediction` per text: label, calibrated score and scores, the cue and
        source spans that drove the label (end-exclusive character offsets into the text), and the
        ``top_features`` features with the largest contribution (coefficient × value) to it (none by default:
        they cost a third of the prediction time, and only explanations show them).

        ``articles`` gives each text's article (any hashable key): consecutive texts with the same key are read as
        one article, in order, so each sentence is read in its context. None: every text alone."""
        texts = list(texts)
        if not texts:
            return []
        analyses = self.analyse(texts, articles)
        design = self._design(texts, analyses)
        proba = self._proba(self._logits(design))
        best = proba.argmax(axis=1)
        top = self._top(design, best, top_features) if top_features > 0 else None
        classes = self._classes
        values = proba.tolist()
        out = []
        for r, (a, c) in enumerate(zip(analyses, best.tolist(), strict=True)):
            sources, cues = self.drivers(a, c)
            row = values[r]
            scores = dict(zip(classes, row, strict=True))
            out.append(Prediction(classes[c], row[c], scores, sources, cues, top[r] if top else ()))
        return out

    def _top(self, design: _Design, best: NDArray[np.int64], k: int) -> list[tuple[str, ...]]:
        """The ``k`` features with the largest positive contribution to each row's predicted class."""
        g = design.cues
        n = len(g)
        offsets = self._offsets()
        rows, cols = np.nonzero(g)
        docs_all = [rows]
        cols_all = [cols + offsets[self.cue_name]]
        contrib_all = [g[rows, cols] * self.cue_coef[best[rows], cols]]
        for b, docs, c, values in design.blocks:
            docs_all.append(docs)
            cols_all.append(c + offsets[b.name])
            contrib_all.append(values * b.coef[best[docs], c])
        docs = np.concatenate(docs_all)
        cols = np.concatenate(cols_all)
        contrib = np.concatenate(contrib_all)
        keep = contrib > 0
        docs, cols, contrib = docs[keep], cols[keep], contrib[keep]
        order = np.lexsort((cols, -contrib, docs))  # by row, largest contribution first, then column
        docs, cols = docs[order], cols[order]
        names = self.feature_names()
        out: list[list[str]] = [[] for _ in range(n)]
        for d, c in zip(docs.tolist(), cols.tolist(), strict=True):
            if len(out[d]) < k:
                out[d].append(names[c])
        return [tuple(x) for x in out]

    def _offsets(self) -> dict[str, int]:
        sizes = {self.cue_name: len(FEATURES), **{b.name: len(b.vocabulary) for b in self.blocks}}
        out, at = {}, 0
        for name in self.block_order:
            out[name] = at
            at += sizes[name]
        return out

    def drivers(self, a: SentenceAnalysis, c: int) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
        """Source and cue spans whose features push towards class ``c`` (a positive coefficient)."""
        return explain(a, self._positive[c])

    # -- to and from bytes ---------------------------------------------------------------------

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as its :meth:`to_bytes` (for worker processes and Dask): a few hundred kilobytes of arrays, not
        the lookup indexes built from them."""
        return (_from_pickle, (self.to_bytes(), self.version, self.card))

    def to_bytes(self) -> bytes:
        """The predictor as a zip of ``.npy`` arrays (an ``.npz``), byte-for-byte the same for the same model."""
        if self._bytes is None:
            self._bytes = self._to_bytes()
        return self._bytes

    def _to_bytes(self) -> bytes:
        meta = {
            "format": FORMAT,
            "classes": list(self._classes),
            "guideline": {"name": self.cue_name, "weight": self.cue_weight},
            "blocks": [
                {
                    "name": b.name,
                    "analyzer": b.vocabulary.analyzer,
                    "ngram_range": [b.vocabulary.lo, b.vocabulary.hi],
                    "weight": b.weight,
                }
                for b in self.blocks
            ],
            "order": self.block_order,
            "beta": self.beta,
            "analyser": self.analyser,
        }
        arrays: dict[str, NDArray[Any]] = {
            "meta": np.array(json.dumps(meta, sort_keys=True, ensure_ascii=False)),
            # "guideline" and "guideline_coef" are the file format's names for the cue features (kept: saved
            # predictors read them)
            "guideline_coef": self.cue_coef,
            "intercept": self.intercept,
        }
        for i, b in enumerate(self.blocks):
            arrays[f"terms_{i}"] = np.array(b.vocabulary.terms, dtype=str)
            arrays[f"idf_{i}"] = b.vocabulary.idf
            arrays[f"coef_{i}"] = b.coef
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as dst:
            for name, array in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)  # type: ignore[no-untyped-call]
                info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, buf.getvalue())
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, *, version: str = "unsaved", card: dict[str, Any] | None = None) -> Compiled:
        """Read :meth:`to_bytes` (no pickle: arrays of numbers and strings only)."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            meta = json.loads(str(arrays["meta"]))
            if meta.get("format") != FORMAT:
                raise ModelError(
                    f"predictor format {meta.get('format')!r}; this version reads format {FORMAT} "
                    "(format 1 was trained on an earlier cue analysis: retrain it with `annotator train`)"
                )
            blocks = [
                Block(
                    b["name"],
                    Vocabulary(
                        arrays[f"terms_{i}"].tolist(),
                        arrays[f"idf_{i}"],
                        b["analyzer"],
                        (int(b["ngram_range"][0]), int(b["ngram_range"][1])),
                    ),
                    float(b["weight"]),
                    arrays[f"coef_{i}"],
                )
                for i, b in enumerate(meta["blocks"])
            ]
            return cls(
                classes=meta["classes"],
                analyser=meta["analyser"],
                cue_name=meta["guideline"]["name"],
                cue_weight=meta["guideline"]["weight"],
                cue_coef=arrays["guideline_coef"],
                blocks=blocks,
                intercept=arrays["intercept"],
                beta=meta["beta"],
                block_order=meta["order"],
                version=version,
                card=card,
            )
        except ModelError:
            raise
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise ModelError(f"not a readable predictor ({type(exc).__name__}: {exc})") from exc


def _feature_rows(analyses: Sequence[SentenceAnalysis]) -> NDArray[np.float64]:
    """The cue feature rows of analyses as one (n, len(FEATURES)) array."""
    width = len(FEATURES)
    flat = chain.from_iterable(a.features for a in analyses)
    return np.fromiter(flat, dtype=np.float64, count=len(analyses) * width).reshape(len(analyses), width)


def _from_pickle(data: bytes, version: str, card: dict[str, Any]) -> Compiled:
    return Compiled.from_bytes(data, version=version, card=card)

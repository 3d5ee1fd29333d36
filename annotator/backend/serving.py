"""The model being served: :class:`ModelHolder` swaps in a retrained model without stopping requests, and
:class:`Batcher` joins concurrent ``/predict`` requests into one model call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from annotator.predictions import Prediction, Predictor, predict_after
from annotator.prelabel.priority import Ranker
from annotator.studio.tasks import prediction_json


@dataclass(frozen=True)
class Live:
    """One model and the distribution of the labels it predicted (for the priority): replaced whole, never
    changed in place, so a request that took it keeps a consistent pair."""

    predictor: Predictor
    ranker: Ranker


class ModelHolder:
    """The model being served. :meth:`swap` replaces it with one reference assignment (atomic in Python): a
    request in flight finishes with the model it started with, the next one gets the new model, none waits."""

    def __init__(self, predictor: Predictor) -> None:
        self._live = Live(predictor, Ranker(predictor.classes))

    @property
    def live(self) -> Live:
        """The current model and its ranker (read once per request)."""
        return self._live

    @property
    def model_version(self) -> str:
        return self._live.predictor.model_version

    def swap(self, predictor: Predictor) -> Predictor:
        """Serve ``predictor`` from now on; return the one it replaces."""
        old = self._live.predictor
        self._live = Live(predictor, Ranker(predictor.classes))
        return old


class Batcher:
    """Runs concurrent ``/predict`` requests as one model call: while a call runs, new requests wait and are then
    predicted together (up to ``limit`` sentences per call; only requests that took the same model are joined).
    A lone request waits for nothing. The model's cost is mostly per call, so 32 clients cost about one call each
    round instead of 32. Belongs to one app (one event loop)."""

    def __init__(self, limit: int = 512) -> None:
        self.limit = limit
        self._pending: list[tuple[Live, list[tuple[str, str]], asyncio.Future[list[dict[str, Any]]]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def predict(self, live: Live, texts: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """The Label Studio predictions of ``texts`` ((text, the sentence before it) pairs) by ``live``'s model, in
        order."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[dict[str, Any]]] = loop.create_future()
        self._pending.append((live, texts, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    def _take(self) -> tuple[Live, list[tuple[list[tuple[str, str]], asyncio.Future[list[dict[str, Any]]]]]]:
        live = self._pending[0][0]
        batch: list[tuple[list[tuple[str, str]], asyncio.Future[list[dict[str, Any]]]]] = []
        rest = []
        n = 0
        for item in self._pending:
            if item[0] is live and (not batch or n + len(item[1]) <= self.limit):
                batch.append((item[1], item[2]))
                n += len(item[1])
            else:
                rest.append(item)
        self._pending = rest
        return live, batch

    async def _drain(self) -> None:
        while self._pending:
            live, batch = self._take()
            texts = [t for ts, _ in batch for t in ts]
            try:
                results = await run_in_threadpool(_predict, live, texts)
            except Exception:  # one request's fault must not fail the others: predict them one by one
                for ts, future in batch:
                    try:
                        one = await run_in_threadpool(_predict, live, ts)
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                    else:
                        if not future.done():
                            future.set_result(one)
                continue
            start = 0
            for ts, future in batch:
                if not future.done():  # a client that went away has its future cancelled
                    future.set_result(results[start : start + len(ts)])
                start += len(ts)


def _predict(live: Live, items: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Predictions of (text, prev) items: each sentence read after the one before it in its article."""
    texts = [text for text, _ in items]
    predictions: list[Prediction] = predict_after(live.predictor, texts, [prev for _, prev in items])
    version = live.predictor.model_version
    priorities = live.ranker.priorities(predictions)
    out = []
    for text, prediction, priority in zip(texts, predictions, priorities, strict=True):
        result = prediction_json(prediction, text, model_version=version)
        result["score"] = priority
        out.append(result)
    return out

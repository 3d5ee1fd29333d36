"""The served model: :class:`ModelHolder` swaps models whole, :class:`Batcher` joins concurrent requests into one
model call and keeps one request's failure from failing the others. The model is the shipped default (loaded,
never trained here); a wrapper around it only counts calls or injects a fault."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from annotator.backend.serving import Batcher, ModelHolder
from annotator.classifier.artefacts import load_model
from annotator.predictions import Prediction, Predictor

TEXTS = [
    "The harbour master said the quay would reopen on Monday.",
    "Residents denied that the quay had ever been closed.",
    "The quay is the oldest in the county.",
    "Councillor Yara Quint told reporters the repairs were finished.",
]


class Counting:
    """``predictor`` with a record of every batch it was given, and a text that makes it fail (fault injection)."""

    def __init__(self, predictor: Predictor, *, fails_on: str | None = None, version: str | None = None) -> None:
        self.inner = predictor
        self.calls: list[list[str]] = []
        self.fails_on = fails_on
        self.version = version or predictor.model_version

    @property
    def model_version(self) -> str:
        return self.version

    @property
    def classes(self) -> tuple[str, ...]:
        return self.inner.classes

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        self.calls.append(list(texts))
        if self.fails_on is not None and self.fails_on in texts:
            raise ValueError(f"cannot predict {self.fails_on!r}")
        return self.inner.predict(texts)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return load_model()


def _labels(results: list[dict[str, Any]]) -> list[str]:
    return [r["result"][0]["value"]["choices"][0] for r in results]


def test_swap_serves_the_new_model_and_returns_the_old(predictor: Predictor) -> None:
    first, second = Counting(predictor, version="v1"), Counting(predictor, version="v2")
    holder = ModelHolder(first)
    taken = holder.live
    assert holder.model_version == "v1"
    assert holder.swap(second) is first
    assert holder.model_version == "v2" and holder.live.predictor is second
    assert taken.predictor is first  # a request that took the old model keeps it, with its own ranker
    assert taken.ranker is not holder.live.ranker


def test_concurrent_requests_share_one_model_call_and_get_their_own_results(predictor: Predictor) -> None:
    counting = Counting(predictor)
    live = ModelHolder(counting).live
    batcher = Batcher()

    async def run() -> list[list[dict[str, Any]]]:
        return list(await asyncio.gather(*(batcher.predict(live, [t]) for t in TEXTS)))

    results = asyncio.run(run())
    assert counting.calls == [TEXTS]  # queued before the first call started: one call for all
    alone = [asyncio.run(Batcher().predict(live, [t]))[0] for t in TEXTS]
    # the same prediction as each one alone (the priority, "score", is ranked within the call)
    assert [{**r[0], "score": None} for r in results] == [{**r, "score": None} for r in alone]
    assert [_labels(r) for r in results] == [[p.label] for p in predictor.predict(TEXTS)]
    assert {r[0]["model_version"] for r in results} == {predictor.model_version}


def test_a_call_holds_at_most_limit_sentences_and_only_one_models_requests(predictor: Predictor) -> None:
    old, new = Counting(predictor, version="old"), Counting(predictor, version="new")
    holder = ModelHolder(old)
    old_live = holder.live
    holder.swap(new)
    batcher = Batcher(limit=2)

    async def run() -> list[list[dict[str, Any]]]:
        return list(
            await asyncio.gather(
                batcher.predict(old_live, TEXTS[:1]),
                batcher.predict(holder.live, TEXTS[1:2]),
                batcher.predict(old_live, TEXTS[2:3]),
                batcher.predict(old_live, TEXTS[3:]),
            )
        )

    results = asyncio.run(run())
    assert old.calls == [TEXTS[:1] + TEXTS[2:3], TEXTS[3:]]
    assert new.calls == [TEXTS[1:2]]
    assert [r[0]["model_version"] for r in results] == ["old", "new", "old", "old"]


def test_a_failing_request_fails_alone(predictor: Predictor) -> None:
    bad = "This sentence breaks the model."
    live = ModelHolder(Counting(predictor, fails_on=bad)).live
    batcher = Batcher()

    async def run() -> list[Any]:
        return list(
            await asyncio.gather(batcher.predict(live, TEXTS[:2]), batcher.predict(live, [bad]), return_exceptions=True)
        )

    good, failed = asyncio.run(run())
    assert isinstance(failed, ValueError)
    assert _labels(good) == [p.label for p in predictor.predict(TEXTS[:2])]


@pytest.mark.parametrize("n", [1, 3])
def test_priorities_are_the_prediction_scores_of_label_studio(predictor: Predictor, n: int) -> None:
    live = ModelHolder(predictor).live
    results = asyncio.run(Batcher().predict(live, TEXTS[:n]))
    assert len(results) == n
    assert [r["score"] for r in results] == live.ranker.priorities(predictor.predict(TEXTS[:n]))

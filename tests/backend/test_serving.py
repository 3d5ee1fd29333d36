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
from annotator.studio.tasks import prediction_json

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
        self.articles: list[list[Any] | None] = []
        self.fails_on = fails_on
        self.version = version or predictor.model_version

    @property
    def model_version(self) -> str:
        return self.version

    @property
    def classes(self) -> tuple[str, ...]:
        return self.inner.classes

    def predict(self, texts: Sequence[str], *, articles: Sequence[Any] | None = None) -> list[Prediction]:
        self.calls.append(list(texts))
        self.articles.append(None if articles is None else list(articles))
        if self.fails_on is not None and self.fails_on in texts:
            raise ValueError(f"cannot predict {self.fails_on!r}")
        return self.inner.predict(texts, articles=articles)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return load_model()


def alone(texts: Sequence[str]) -> list[tuple[str, str]]:
    """Texts as the batcher takes them: (text, the sentence before it), here with none before."""
    return [(t, "") for t in texts]


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
        return list(await asyncio.gather(*(batcher.predict(live, [(t, "")]) for t in TEXTS)))

    results = asyncio.run(run())
    assert counting.calls == [TEXTS]  # queued before the first call started: one call for all
    one = [asyncio.run(Batcher().predict(live, [(t, "")]))[0] for t in TEXTS]
    # the same prediction as each one alone (the priority, "score", is ranked within the call)
    assert [{**r[0], "score": None} for r in results] == [{**r, "score": None} for r in one]
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
                batcher.predict(old_live, alone(TEXTS[:1])),
                batcher.predict(holder.live, alone(TEXTS[1:2])),
                batcher.predict(old_live, alone(TEXTS[2:3])),
                batcher.predict(old_live, alone(TEXTS[3:])),
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
            await asyncio.gather(
                batcher.predict(live, alone(TEXTS[:2])), batcher.predict(live, [(bad, "")]), return_exceptions=True
            )
        )

    good, failed = asyncio.run(run())
    assert isinstance(failed, ValueError)
    assert _labels(good) == [p.label for p in predictor.predict(TEXTS[:2])]


@pytest.mark.parametrize("n", [1, 3])
def test_priorities_are_the_prediction_scores_of_label_studio(predictor: Predictor, n: int) -> None:
    live = ModelHolder(predictor).live
    results = asyncio.run(Batcher().predict(live, alone(TEXTS[:n])))
    assert len(results) == n
    assert [r["score"] for r in results] == live.ranker.priorities(predictor.predict(TEXTS[:n]))


def test_each_sentence_is_read_after_the_one_before_it(predictor: Predictor) -> None:
    prev = "Councillor Yara Quint told reporters the repairs were finished."
    text = "“Nobody will drive on it before May,” she added."
    counting = Counting(predictor)
    live = ModelHolder(counting).live
    batcher = Batcher()

    async def run() -> list[list[dict[str, Any]]]:
        return list(
            await asyncio.gather(batcher.predict(live, [(text, prev)]), batcher.predict(live, alone(TEXTS[:1])))
        )

    in_context, other = asyncio.run(run())
    assert counting.calls == [[prev, text, TEXTS[0]]]  # one call; the context sentence only as context
    (keys,) = counting.articles
    assert keys is not None and keys[0] == keys[1] != keys[2]  # read as one article, the other text alone
    assert len(in_context) == 1 and len(other) == 1
    expected = predictor.predict([prev, text], articles=[0, 0])[1]
    assert _labels(in_context) == [expected.label]
    assert in_context[0]["result"] == prediction_json(expected, text, model_version="")["result"]
    assert _labels(other) == [predictor.predict(TEXTS[:1])[0].label]

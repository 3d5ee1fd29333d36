"""Gold tasks: sentences whose label is known, mixed into a project among the new tasks so that annotators label them
like any other, and their accuracy can be measured (``annotator push --gold FILE``).

A gold task looks like every other task to an annotator: the same fields, the model's prediction like the others. Its
data says ``gold: true`` (every other task pushed with it says ``gold: false``), so that reviewers can filter gold
tasks in the Data Manager; the known label is kept in the task's ``meta`` (``{"gold_label": ...}``), which Label
Studio keeps on import and returns in exports but does not show in the editor or the Data Manager's columns. A gold
sentence's id is derived from its text (``gold-<sha256[:12]>:0``), so pushing the same gold file again adds nothing.
Its context (``prev``, ``next``, ``title``) is read from the gold file itself when it holds the sentence's article
(a training corpus does); the outlet stays empty. Gold tasks are placed between articles (never inside one: the
model reads each sentence in its article), at positions drawn from a seeded generator: the same input and seed give
the same order.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from annotator.studio.tasks import TASK_FIELDS, Task

GOLD_PREFIX = "gold-"


def gold_id(text: str) -> str:
    """The article id of a gold sentence: derived from its text only."""
    return GOLD_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _context(rows: list[Mapping[Any, Any]]) -> list[tuple[str, str, str]]:
    """(prev, next, title) of each row: its neighbours among the rows of the same ``article_id`` in the file, and
    the article's headline (a row of kind ``headline``), so that a gold task shows context like the others."""
    by_article: dict[Any, list[int]] = {}
    for i, row in enumerate(rows):
        if row.get("article_id"):
            by_article.setdefault(row["article_id"], []).append(i)
    out = [("", "", "")] * len(rows)
    for members in by_article.values():
        title = next((str(rows[i]["text"]) for i in members if rows[i].get("kind") == "headline"), "")
        for k, i in enumerate(members):
            prev = str(rows[members[k - 1]]["text"]) if k > 0 else ""
            nxt = str(rows[members[k + 1]]["text"]) if k + 1 < len(members) else ""
            out[i] = (prev, nxt, title)
    return out


def gold_tasks(rows: Iterable[Mapping[Any, Any]], *, guideline_version: str) -> list[Task]:
    """One task per labelled row (``text`` and ``label``, as :func:`annotator.io.labelled.read_labelled` reads
    them), the first of each text only, with ``gold: true`` in its data and the label in ``meta.gold_label``. Its
    context (``prev``, ``next``, ``title``) comes from the rows of the same article in the input, if any."""
    out: list[Task] = []
    seen: set[str] = set()
    rows = list(rows)
    for row, (prev, nxt, title) in zip(rows, _context(rows), strict=True):
        text = str(row["text"])
        article = gold_id(text)
        if article in seen:
            continue
        seen.add(article)
        data: dict[str, Any] = dict.fromkeys(TASK_FIELDS)
        data.update(
            sentence_id=f"{article}:0",
            article_id=article,
            index=0,
            kind=row.get("kind") or "body",
            text=text,
            prev=prev,
            next=nxt,
            title=title,
            outlet="",
            guideline_version=guideline_version,
            gold=True,
        )
        out.append({"data": data, "meta": {"gold_label": str(row["label"])}})
    return out


def mix(tasks: Iterable[Task], gold: list[Task], *, seed: int = 0) -> Iterator[Task]:
    """``tasks`` (articles contiguous) with the ``gold`` tasks placed between articles at seeded positions; the
    other tasks get ``gold: false``. Reads ``tasks`` to the end first (to know where articles start)."""
    ordinary = list(tasks)
    for task in ordinary:
        task["data"]["gold"] = False
    boundaries = [
        i
        for i in range(len(ordinary) + 1)
        if i in (0, len(ordinary)) or ordinary[i - 1]["data"]["article_id"] != ordinary[i]["data"]["article_id"]
    ]
    rng = random.Random(seed)
    at: dict[int, list[Task]] = {}
    for task in gold:
        at.setdefault(rng.choice(boundaries), []).append(task)
    for i in range(len(ordinary) + 1):
        yield from at.get(i, [])
        if i < len(ordinary):
            yield ordinary[i]

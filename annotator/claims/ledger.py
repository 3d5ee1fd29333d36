"""The source-credibility ledger: claims per quoted source across outlets, and each article's label profile (pure).

Input: the articles (their sentences, through :func:`annotator.attribution.sources.attribute`) and one label per
sentence,
from a pulled annotation file or from a model (:func:`labels_from_model`). Sentences without a label are left out
of every count (and counted as ``n_unlabelled`` in the article's profile).

Who a claim is credited to
    A labelled sentence is credited to its *primary* source
    (:attr:`annotator.attribution.sources.SentenceSources.primary`: the
    first reporting cue's resolved source, else the first dispute cue's). A sentence labelled *contested* is
    instead credited to the sources it contests, when the source finder knows them (its dispute cues' targets:
    "Budanov said he could not confirm Zhuravlev's claims" counts as a contested claim of Zhuravlev's), so that
    ``n_contested`` counts how often a source's claims are reported as disputed. A sentence with no source is
    credited to no one; it still counts in its article's profile.

Who contests whom
    ``contests`` / ``contested_by`` come from the dispute cues (disputer -> targets), whatever the sentence's label,
    with the sentence ids as evidence.

Rows
    Ledger (``schemas/ledger.schema.json``): one row per canonical source credited with a claim or taking part in
    a dispute: ``source`` (display name), ``key``, ``type``, ``aliases``, one ``n_<label>`` count per label of
    ``schemas/label_config.xml``, ``n_claims``, ``outlets`` and ``articles`` that quote it, ``contested_by`` and
    ``contests``. Profile (``schemas/profile.schema.json``): per article, the count and share of each label, and the
    share of its labelled sentences whose claim rests on an anonymous or collective source (``share_anonymous``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from annotator.attribution.sources import ANONYMOUS_TYPES, AliasIndex, SentenceSources, attribute
from annotator.claims.articles import Corpus
from annotator.errors import SchemaError
from annotator.io import Row
from annotator.labels import CONTESTED, labels
from annotator.predictions import Predictor

_BATCH = 4096


@dataclass
class LedgerResult:
    """The ledger rows, the article profiles, and the sources found (for the report)."""

    ledger: list[Row]
    profiles: list[Row]
    sentences: dict[str, list[SentenceSources]]
    index: AliasIndex
    labels: dict[str, str]


@dataclass
class _Entry:
    counts: Counter[str] = field(default_factory=Counter)
    outlets: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    contested_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    contests: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def label_names() -> tuple[str, ...]:
    """The labels, with :data:`CONTESTED` checked to be one of them."""
    names = labels()
    if CONTESTED not in names:
        raise SchemaError(f"the ledger needs a {CONTESTED!r} label; label_config.xml defines {list(names)}")
    return names


def labels_from_model(corpus: Corpus, model: Predictor) -> dict[str, str]:
    """``{sentence_id: label}`` predicted by ``model`` for every sentence of ``corpus``."""
    out: dict[str, str] = {}
    rows = corpus.rows
    start = 0
    while start < len(rows):
        end = min(start + _BATCH, len(rows))
        while end < len(rows) and rows[end]["article_id"] == rows[end - 1]["article_id"]:
            end += 1  # whole articles per batch: each sentence is read in its article's context
        chunk = rows[start:end]
        texts, articles = [r["text"] for r in chunk], [r["article_id"] for r in chunk]
        for row, prediction in zip(chunk, model.predict(texts, articles=articles), strict=True):
            out[row["sentence_id"]] = prediction.label
        start = end
    return out


def build(corpus: Corpus, sentence_labels: Mapping[str, str]) -> LedgerResult:
    """The ledger and the article profiles of ``corpus`` with ``sentence_labels`` (``{sentence_id: label}``)."""
    names = label_names()
    unknown = sorted({label for label in sentence_labels.values() if label not in names})
    if unknown:
        raise SchemaError(f"unknown label(s) {unknown}; label_config.xml defines {list(names)}")
    sentences, index = attribute(corpus.articles)
    outlets = corpus.outlets
    entries: dict[str, _Entry] = defaultdict(_Entry)
    profiles: list[Row] = []
    for art in corpus.articles:
        aid = art.article_id
        counts: Counter[str] = Counter()
        anonymous = unlabelled = 0
        for s in sentences[aid]:
            for dispute in s.disputes:
                if dispute.disputer is None:
                    continue
                for target in dispute.targets:
                    entries[dispute.disputer].contests[target].add(s.sentence_id)
                    entries[target].contested_by[dispute.disputer].add(s.sentence_id)
            label = sentence_labels.get(s.sentence_id)
            if label is None:
                unlabelled += 1
                continue
            counts[label] += 1
            primary = s.primary
            if primary is not None and primary.type in ANONYMOUS_TYPES:
                anonymous += 1
            for key in _credited(s, label):
                entry = entries[key]
                entry.counts[label] += 1
                entry.articles.add(aid)
                if outlets.get(aid):
                    entry.outlets.add(str(outlets[aid]))
        profiles.append(_profile(aid, outlets.get(aid), corpus.titles.get(aid), counts, anonymous, unlabelled, names))
    ledger = [_ledger_row(key, entry, index, names) for key, entry in entries.items()]
    ledger.sort(key=lambda r: (-r["n_claims"], -len(r["contested_by"]) - len(r["contests"]), r["source"].lower()))
    return LedgerResult(ledger, profiles, sentences, index, dict(sentence_labels))


def _credited(s: SentenceSources, label: str) -> list[str]:
    if label == CONTESTED:
        targets = list(dict.fromkeys(t for d in s.disputes for t in d.targets))
        if targets:
            return targets
    primary = s.primary
    return [primary.key] if primary is not None and primary.key is not None else []


def _ledger_row(key: str, entry: _Entry, index: AliasIndex, names: Sequence[str]) -> Row:
    row: Row = {
        "source": index.names.get(key, key.split(":", 1)[-1]),
        "key": key,
        "type": index.types.get(key),
        "aliases": sorted(index.aliases.get(key, set())),
    }
    for label in names:
        row[f"n_{label}"] = entry.counts[label]
    row["n_claims"] = sum(entry.counts.values())
    row["outlets"] = sorted(entry.outlets)
    row["articles"] = sorted(entry.articles)
    row["contested_by"] = _relations(entry.contested_by, index)
    row["contests"] = _relations(entry.contests, index)
    return row


def _relations(relations: Mapping[str, set[str]], index: AliasIndex) -> list[Row]:
    return [
        {"source": index.names.get(k, k), "key": k, "sentence_ids": sorted(ids)}
        for k, ids in sorted(relations.items(), key=lambda kv: index.names.get(kv[0], kv[0]).lower())
    ]


def _profile(
    aid: str,
    outlet: str | None,
    title: str | None,
    counts: Counter[str],
    anonymous: int,
    unlabelled: int,
    names: Sequence[str],
) -> Row:
    total = sum(counts.values())
    row: Row = {"article_id": aid, "outlet": outlet, "title": title, "n_sentences": total, "n_unlabelled": unlabelled}
    for label in names:
        row[f"n_{label}"] = counts[label]
    for label in names:
        row[f"share_{label}"] = round(counts[label] / total, 4) if total else None
    row["n_anonymous"] = anonymous
    row["share_anonymous"] = round(anonymous / total, 4) if total else None
    return row

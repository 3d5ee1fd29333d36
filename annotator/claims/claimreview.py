"""The contested claims of a corpus: whose claim, who contests it and with which words (:func:`contested_rows`), and
their export as schema.org ClaimReview items (:func:`claimreview`, ``schemas/claimreview.schema.json``).
"""

from __future__ import annotations

from typing import Any

from annotator import __version__
from annotator.attribution.sources import ORGANISATION, OUTLET, PERSON, SentenceSources
from annotator.claims.articles import Corpus
from annotator.claims.ledger import LedgerResult
from annotator.io.parse import web_url
from annotator.labels import CONTESTED

_SCHEMA_ORG_TYPE = {PERSON: "Person", ORGANISATION: "Organization", OUTLET: "Organization"}

ContestedRow = dict[str, Any]  # one contested claim: the report's columns, and "_"-prefixed fields for the export


def contested_rows(corpus: Corpus, ledger: LedgerResult) -> list[ContestedRow]:
    outlets = corpus.outlets
    out: list[ContestedRow] = []
    for art in corpus.articles:
        for s in ledger.sentences[art.article_id]:
            if ledger.labels.get(s.sentence_id) != CONTESTED:
                continue
            targets = list(dict.fromkeys(t for d in s.disputes for t in d.targets))
            disputers = list(dict.fromkeys(d.disputer for d in s.disputes if d.disputer))
            primary = s.primary
            if not targets and primary is not None and primary.key and primary.key not in disputers:
                targets = [primary.key]
            out.append(
                {
                    "sentence_id": s.sentence_id,
                    "article_id": art.article_id,
                    "outlet": outlets.get(art.article_id),
                    "text": s.text,
                    "claim_by": "; ".join(ledger.index.names.get(k, k) for k in targets),
                    "contested_by": "; ".join(ledger.index.names.get(k, k) for k in disputers),
                    "cues": "; ".join(d.cue.text for d in s.disputes),
                    "_targets": targets,
                    "_types": {k: ledger.index.types.get(k) for k in targets},
                    "_disputers": disputers,
                    "_sentence": s,
                }
            )
    return out


# -- ClaimReview ------------------------------------------------------------------------------------


def claimreview(corpus: Corpus, contested: list[ContestedRow]) -> dict[str, Any]:
    """The contested claims as schema.org ClaimReview items (JSON-LD, ``@graph``); ``schemas/claimreview.schema.json``.

    ``claimReviewed`` is the sentence; ``itemReviewed`` the Claim, with its ``author`` (the contested party, when
    known) and its ``appearance`` (the article); ``reviewRating.alternateName`` is "Contested" and its
    ``ratingExplanation`` says who contests it with which words. ``author`` is this tool: the export flags claims
    for fact-checkers, it is not a verdict."""
    items: list[dict[str, Any]] = []
    for c in contested:
        s: SentenceSources = c["_sentence"]
        aid = c["article_id"]
        appearance: dict[str, Any] = {"@type": "NewsArticle", "identifier": aid}
        if corpus.titles.get(aid):
            appearance["headline"] = corpus.titles[aid]
        url = web_url(corpus.urls.get(aid))
        if url:
            appearance["url"] = url
        if corpus.published.get(aid):
            appearance["datePublished"] = corpus.published[aid]
        if c["outlet"]:
            appearance["publisher"] = {"@type": "Organization", "name": c["outlet"]}
        claim: dict[str, Any] = {"@type": "Claim", "appearance": [appearance]}
        authors = [_party(k, c) for k in c["_targets"]]
        if authors:
            claim["author"] = authors
        by = c["contested_by"] or "the article itself (no named disputer)"
        item: dict[str, Any] = {
            "@type": "ClaimReview",
            "identifier": s.sentence_id,
            "claimReviewed": s.text,
            "itemReviewed": claim,
            "reviewRating": {
                "@type": "Rating",
                "alternateName": "Contested",
                "ratingExplanation": f"Contested by {by}" + (f" ({c['cues']})" if c["cues"] else "") + ".",
            },
            "author": {"@type": "Organization", "name": f"annotator {__version__} (automated; not a verdict)"},
        }
        if url:
            item["url"] = url
        if corpus.published.get(aid):
            item["datePublished"] = corpus.published[aid]
        items.append(item)
    return {"@context": "https://schema.org", "@graph": items}


def _party(key: str, contested: ContestedRow) -> dict[str, Any]:
    type_ = contested["_types"].get(key)
    name = next((n for k, n in zip(contested["_targets"], contested["claim_by"].split("; "), strict=False) if k == key))
    return {"@type": _SCHEMA_ORG_TYPE.get(type_ or "", "Thing"), "name": name}

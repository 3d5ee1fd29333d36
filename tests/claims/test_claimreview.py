"""The contested claims of a corpus (:func:`contested_rows`) and their schema.org ClaimReview export
(:func:`claimreview`). Articles written for these tests (fictional people and places)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from annotator import __version__
from annotator.claims.articles import Corpus, corpus_of
from annotator.claims.claimreview import claimreview, contested_rows
from annotator.claims.ledger import LedgerResult, build
from annotator.io.articles import read_text
from annotator.io.parse import Article, web_url

REPO = Path(__file__).resolve().parents[2]
CLAIMREVIEW = json.loads((REPO / "schemas" / "claimreview.schema.json").read_text(encoding="utf-8"))

POOL = (
    "Pool row in Korva\n"
    "Councillor Odile Brandt said the pool would reopen in May.\n"
    "But the mayor, Ines Kowal, said she could not confirm Brandt's claims.\n"
    "The pool is the oldest in the county.\n"
)
UNION = "Depot strike\nThe union denied the figures.\n"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return corpus_of(
        [
            read_text(POOL, article_id="pool", source="Korva Courier"),
            read_text(UNION, article_id="depot"),
        ]
    )


def _ledger(corpus: Corpus, contested: set[str]) -> LedgerResult:
    """Sentences whose text is in ``contested`` labelled contested, the others unverified."""
    return build(
        corpus, {r["sentence_id"]: "contested" if r["text"] in contested else "unverified" for r in corpus.rows}
    )


def test_rows_are_the_contested_sentences_with_who_contests_whom(corpus: Corpus) -> None:
    claim, dispute = POOL.splitlines()[1:3]
    rows = contested_rows(corpus, _ledger(corpus, {claim, dispute}))
    assert [r["text"] for r in rows] == [claim, dispute]
    assert {r["article_id"] for r in rows} == {"pool"}
    assert {r["outlet"] for r in rows} == {"Korva Courier"}
    by_dispute = rows[1]
    assert (by_dispute["claim_by"], by_dispute["contested_by"], by_dispute["cues"]) == (
        "Odile Brandt",
        "Ines Kowal",
        "could not confirm",
    )
    assert by_dispute["_types"] == {"person:odile brandt": "person"}
    # a contested sentence without a dispute cue: the claim is its own source's
    assert (rows[0]["claim_by"], rows[0]["contested_by"], rows[0]["cues"]) == ("Odile Brandt", "", "")


def test_a_disputer_is_never_the_party_it_contests(corpus: Corpus) -> None:
    (row,) = contested_rows(corpus, _ledger(corpus, {"The union denied the figures."}))
    assert row["contested_by"] == "Union" and row["_disputers"] == ["org-role@depot:union"]
    assert row["claim_by"] == "" and row["_targets"] == []


def test_no_rows_without_contested_labels(corpus: Corpus) -> None:
    assert contested_rows(corpus, _ledger(corpus, set())) == []


def test_export_is_valid_claimreview_naming_the_parties(corpus: Corpus) -> None:
    claim, dispute = POOL.splitlines()[1:3]
    rows = contested_rows(corpus, _ledger(corpus, {claim, dispute, "The union denied the figures."}))
    data = claimreview(corpus, rows)
    Draft202012Validator(CLAIMREVIEW).validate(data)
    items = data["@graph"]
    assert [i["claimReviewed"] for i in items] == [claim, dispute, "The union denied the figures."]
    assert [i["identifier"] for i in items] == [r["sentence_id"] for r in rows]
    assert items[1]["itemReviewed"]["author"] == [{"@type": "Person", "name": "Odile Brandt"}]
    assert items[1]["reviewRating"]["ratingExplanation"] == "Contested by Ines Kowal (could not confirm)."
    assert items[0]["reviewRating"]["ratingExplanation"] == "Contested by the article itself (no named disputer)."
    assert "author" not in items[2]["itemReviewed"]  # no contested party known
    assert items[1]["itemReviewed"]["appearance"] == [
        {
            "@type": "NewsArticle",
            "identifier": "pool",
            "headline": "Pool row in Korva",
            "publisher": {"@type": "Organization", "name": "Korva Courier"},
        }
    ]
    assert {i["author"]["name"] for i in items} == {f"annotator {__version__} (automated; not a verdict)"}


def test_export_carries_the_articles_url_and_date(corpus: Corpus) -> None:
    dated = Corpus(
        corpus.rows,
        corpus.articles,
        corpus.titles,
        {**corpus.urls, "pool": "https://example.org/korva/pool"},
        {**corpus.published, "pool": "2026-05-04"},
    )
    rows = contested_rows(dated, _ledger(dated, {POOL.splitlines()[2], "The union denied the figures."}))
    pool, depot = claimreview(dated, rows)["@graph"]
    assert pool["url"] == pool["itemReviewed"]["appearance"][0]["url"] == "https://example.org/korva/pool"
    assert pool["datePublished"] == pool["itemReviewed"]["appearance"][0]["datePublished"] == "2026-05-04"
    assert "url" not in depot and "datePublished" not in depot


HOSTILE_URLS = [
    "javascript:alert(document.cookie)",
    " JavaScript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "https:///no-host",
    "http://[::1",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_url_other_than_http_is_dropped_and_the_claim_kept(corpus: Corpus, url: str) -> None:
    """Through the reader (an Article) and through a Corpus built by hand: no hostile URL in the
    export, the contested claim still there."""
    read = corpus_of([Article(id="pool", text=POOL, url=url)])
    assert read.urls["pool"] is None and {r["url"] for r in read.rows} == {None}
    forged = Corpus(corpus.rows, corpus.articles, corpus.titles, {**corpus.urls, "pool": url}, corpus.published)
    for c in (read, forged):
        rows = contested_rows(c, _ledger(c, {POOL.splitlines()[2]}))
        graph = claimreview(c, rows)["@graph"]
        assert [item["claimReviewed"] for item in graph] == [POOL.splitlines()[2]]
        assert url.strip() not in json.dumps(graph) and "url" not in graph[0]


@pytest.mark.parametrize(
    ("url", "kept"),
    [("https://example.org/a?b=1#c", True), ("HTTP://Example.org", True), (" https://example.org/x ", True)]
    + [(u, False) for u in HOSTILE_URLS],
)
def test_web_url_keeps_only_http_with_a_host(url: str, kept: bool) -> None:
    assert web_url(url) == (url.strip() if kept else None)

"""What kind of mistake a wrong label is, named for a reader: "dispute cue outweighed", "pronoun or continuing
speaker", "anonymous or collective source read as named".

:func:`error_kind` names the kind of one error from the gold label, the predicted label and the sentence's
*traits*, a frozenset of strings from the fixed vocabulary :data:`TRAITS`; :func:`kind_table` counts the kinds of
many errors. Both are pure Python and know nothing of how the traits were found.

:func:`traits_of` is the one adapter from the article analysis
(:class:`annotator.attribution.article.SentenceAnalysis`) to that vocabulary: when the analysis changes, only it
changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from annotator.attribution.article import FEATURES, SentenceAnalysis
from annotator.labels import CONTESTED

ATTRIBUTED, UNVERIFIED = "attributed", "unverified"

#: the traits of a sentence that an error kind may depend on
TRAITS: frozenset[str] = frozenset(
    {
        "quote",  # the sentence has a quotation
        "continued_quote",  # it continues a quotation of an earlier sentence (starts inside it)
        "dispute_cue",  # a dispute cue outside quotations (denied, rejected, false...)
        "dispute_cue_quoted",  # a dispute cue inside a quotation
        "not_verified",  # a negated verification outside quotations (could not confirm, no evidence)
        "hedge",  # reportedly, allegedly, is said to... outside quotations
        "source_named",  # a reporting or dispute cue with a named person or organisation
        "source_role",  # ... with a role or body that points to one (the coroner, the health ministry)
        "source_document",  # ... with a document, dataset or publication (the report, court documents)
        "source_anonymous",  # ... with an anonymous source (a senior official, a person familiar with...)
        "source_collective",  # ... with a collective source (officials, analysts, rights groups)
        "source_pronoun",  # ... with a pronoun (he said)
        "source_pronoun_resolved",  # a pronoun source whose antecedent was found in the article
        "no_cue",  # no cue at all
    }
)

# the kinds, by the (gold, predicted) pair they explain
DISPUTE_QUOTED_MISSED = "dispute inside a quotation missed"
DISPUTE_OUTWEIGHED = "dispute cue outweighed"
DENIAL_WITHOUT_CUE = "denial worded without a dispute cue"
PRONOUN_SPEAKER = "pronoun or continuing speaker"
NAMED_NOT_FOUND = "named source not found"
NAMED_OUTWEIGHED = "named source found but outweighed"
ANONYMOUS_AS_NAMED = "anonymous or collective source read as named"
HEDGE_AS_ATTRIBUTED = "hedge with no named source read as attributed"
SOURCE_NOT_CREDITED = "source not behind the claim read as attributed"
BARE_AS_ATTRIBUTED = "bare statement read as attributed"
DISPUTES_NOTHING = "dispute cue that disputes nothing"
CONTESTED_WITHOUT_CUE = "read as contested with no dispute cue"
OTHER = "other"

_NAMED_LIKE = frozenset({"source_named", "source_role", "source_document"})
_DISPUTE_LIKE = frozenset({"dispute_cue", "not_verified"})
#: the trait each feature of the analysis sets (:data:`annotator.attribution.article.FEATURES`)
_TRAIT_OF_FEATURE = {
    "quote": "quote",
    "continues_named": "continued_quote",
    "continues_anonymous": "continued_quote",
    "continues_unknown": "continued_quote",
    "dispute": "dispute_cue",
    "dispute_quoted": "dispute_cue_quoted",
    "rebuttal": "dispute_cue",  # a rebuttal phrase ("simply wrong", "a fantasy") is a dispute cue for a reader
    "rebuttal_quoted": "dispute_cue_quoted",
    "not_verified": "not_verified",
    "hedge": "hedge",
    "hedge_named": "hedge",
    "source_named": "source_named",
    "source_role": "source_role",
    "source_document": "source_document",
    "source_anonymous": "source_anonymous",
    "source_collective": "source_collective",
    "source_pronoun": "source_pronoun",
    "source_resolved": "source_pronoun_resolved",
    "no_cue": "no_cue",
}


def error_kind(gold: str, predicted: str, traits: Iterable[str]) -> str:
    """The kind of the error of predicting ``predicted`` for a sentence labelled ``gold`` with ``traits`` (a
    subset of :data:`TRAITS`); :data:`OTHER` for a pair no kind explains. ``gold`` must differ from ``predicted``.

    Examples
    --------
    >>> error_kind("contested", "attributed", {"source_named", "dispute_cue"})
    'dispute cue outweighed'
    >>> error_kind("attributed", "unverified", {"source_pronoun"})
    'pronoun or continuing speaker'
    """
    if gold == predicted:
        raise ValueError(f"not an error: gold and predicted are both {gold!r}")
    t = frozenset(traits)
    unknown = t - TRAITS
    if unknown:
        raise ValueError(f"unknown traits {sorted(unknown)}; the vocabulary is {sorted(TRAITS)}")
    if gold == CONTESTED:
        if t & _DISPUTE_LIKE:
            return DISPUTE_OUTWEIGHED
        return DISPUTE_QUOTED_MISSED if "dispute_cue_quoted" in t else DENIAL_WITHOUT_CUE
    if predicted == CONTESTED:
        return DISPUTES_NOTHING if t & (_DISPUTE_LIKE | {"dispute_cue_quoted"}) else CONTESTED_WITHOUT_CUE
    if (gold, predicted) == (ATTRIBUTED, UNVERIFIED):
        return _attributed_missed(t)
    if (gold, predicted) == (UNVERIFIED, ATTRIBUTED):
        return _unverified_as_attributed(t)
    return OTHER


def _attributed_missed(t: frozenset[str]) -> str:
    if t & _NAMED_LIKE:
        return NAMED_OUTWEIGHED
    if t & {"source_pronoun", "source_pronoun_resolved", "continued_quote"}:
        return PRONOUN_SPEAKER
    return NAMED_NOT_FOUND


def _unverified_as_attributed(t: frozenset[str]) -> str:
    if t & {"source_anonymous", "source_collective"}:
        return ANONYMOUS_AS_NAMED
    if "hedge" in t and not t & _NAMED_LIKE:
        return HEDGE_AS_ATTRIBUTED
    if t & (_NAMED_LIKE | {"source_pronoun", "source_pronoun_resolved"}):
        return SOURCE_NOT_CREDITED
    return BARE_AS_ATTRIBUTED


class KindCount(NamedTuple):
    """One line of the error table: a kind, how many errors are of it, and their share of all errors."""

    kind: str
    errors: int
    share: float


def kind_table(kinds: Iterable[str]) -> list[KindCount]:
    """The error kinds counted, most frequent first (ties by name); shares of the total, summing to 1."""
    counts = Counter(kinds)
    total = sum(counts.values())
    return [KindCount(k, n, n / total) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def error_kinds(
    gold: Sequence[str], predicted: Sequence[str], analyses: Sequence[SentenceAnalysis], texts: Sequence[str]
) -> list[str | None]:
    """Per sentence, the kind of its error (None where the prediction is right)."""
    return [
        None if g == p else error_kind(g, p, traits_of(a, t))
        for g, p, a, t in zip(gold, predicted, analyses, texts, strict=True)
    ]


def error_summary(
    gold: Sequence[str], predicted: Sequence[str], analyses: Sequence[SentenceAnalysis], texts: Sequence[str]
) -> dict[str, Any]:
    """The errors of a labelled set by kind, as JSON: ``{"n": sentences, "errors": wrong labels, "kinds":
    [{"kind", "errors", "share"}, ...]}`` (most frequent kind first; ``share`` of the wrong labels)."""
    kinds = [k for k in error_kinds(gold, predicted, analyses, texts) if k is not None]
    return {
        "n": len(gold),
        "errors": len(kinds),
        "kinds": [{"kind": k.kind, "errors": k.errors, "share": round(k.share, 6)} for k in kind_table(kinds)],
    }


def format_summary(summary: dict[str, Any]) -> str:
    """:func:`error_summary` as a plain-text table: kind, errors, share of errors."""
    width = max([len("kind"), *(len(k["kind"]) for k in summary["kinds"])])
    lines = [
        f"errors by kind ({summary['errors']} wrong of {summary['n']})",
        f"{'kind':<{width}} {'errors':>6} {'share':>6}",
    ]
    lines += [f"{k['kind']:<{width}} {k['errors']:>6} {k['share']:>6.1%}" for k in summary["kinds"]]
    return "\n".join(lines)


# -- the adapter from the analysis (rewrite only this when the analysis changes) -------------------------------------


def traits_of(analysis: SentenceAnalysis, text: str = "") -> frozenset[str]:
    """The traits (:data:`TRAITS`) of a sentence, from its article analysis (``text`` is unused: the analysis
    holds it)."""
    on = _set(analysis)
    out = {_TRAIT_OF_FEATURE[f] for f in on if f in _TRAIT_OF_FEATURE}
    if "anonymous_any" in on and not out & {"source_anonymous", "source_collective"}:
        out.add("source_collective")  # "analysts expect...": an anonymous word with no reporting cue
    if analysis.quotes and analysis.quotes[0][0] == 0 and analysis.text[:1] not in "“\"‘«'":
        out.add("continued_quote")  # the sentence starts inside a quotation opened in an earlier one
    return frozenset(out)


def _set(analysis: SentenceAnalysis) -> frozenset[str]:
    return frozenset(f for f, v in zip(FEATURES, analysis.features, strict=True) if v)

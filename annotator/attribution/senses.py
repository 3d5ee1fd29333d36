"""Which cue words are not cues where they stand (pure; compiled by mypyc): a cue word used as a noun or inside a name
("Zhuravlev's claims", "United States"), and a dispute word in a sense that disputes no claim ("rejected three of the
five bids", "was denied access", "questioned 2,104 adults", household rubbish).
"""

from __future__ import annotations

from annotator.attribution.mentions import Token
from annotator.attribution.source_words import source_words

_COMPOUND_HEADS = frozenset({"tank", "tanks"})  # a cue word that is the first half of a compound noun
# dispute verbs whose object may be an offer, a bid or a request rather than a claim ("rejected three bids")
_OBJECT_VERBS = frozenset(
    [
        "rejected",
        "rejects",
        "reject",
        "rejecting",
        "denied",
        "denies",
        "deny",
        "denying",
        "dismissed",
        "dismisses",
        "rebuffed",
        "challenged",
        "challenges",
        "refused",
    ]
)
_OBJECT_REACH = 5  # tokens after the verb in which its object is looked for
_LITERAL_RUBBISH_BEFORE = frozenset({"the", "of", "household", "uncollected", "and", "with", "dumped", "clear"})
_LITERAL_RUBBISH_AFTER = frozenset(
    {"collection", "collections", "bins", "bin", "bags", "piled", "tip", "dump", "strewn"}
)


def literal_dispute(toks: list[Token], a: int, b: int) -> bool:
    """A dispute word in a sense that disputes no claim: a verb whose object is an offer, a bid or a request
    ("rejected three of the five bids", "was denied access"), a person dismissed from a job ("was dismissed in
    April"), a poll's respondents ("questioned 2,104 adults"), household rubbish."""
    word = toks[a].lower
    n = len(toks)
    if a != b:
        return False
    if word == "rubbish":
        return (a > 0 and toks[a - 1].lower in _LITERAL_RUBBISH_BEFORE) or (
            a + 1 < n and toks[a + 1].lower in _LITERAL_RUBBISH_AFTER
        )
    if word == "questioned":
        return a + 1 < n and toks[a + 1].text[0].isdigit()
    if word == "dismissed" and a > 0 and toks[a - 1].lower in source_words().be_forms:
        return not (a + 1 < n and toks[a + 1].lower == "as")  # "was dismissed as nonsense" disputes
    if word not in _OBJECT_VERBS:
        return False
    objects = source_words().literal_objects
    for k in range(a + 1, min(n, a + 1 + _OBJECT_REACH)):
        t = toks[k]
        if t.lower in objects:
            return True
        if not t.is_word or t.lower == "that":
            break
    return False


def noun_or_name(toks: list[Token], a: int, b: int, cue_text: str) -> bool:
    """A cue word used as a noun ("Zhuravlev's claims", "denied reports") or inside a name ("United States")."""
    if toks[a].is_capitalised and a > 0 and toks[a - 1].is_word and toks[a - 1].is_capitalised:
        return True
    if b + 1 < len(toks) and toks[b + 1].lower in _COMPOUND_HEADS:
        return True  # "an independent think tank"
    w = source_words()
    if cue_text.lower() in w.noun_forms and a == 0:
        return True  # "Claims and counter-claims"
    if cue_text.lower() in w.noun_forms and a > 0:
        prev = toks[a - 1]
        if prev.lower in w.determiners or prev.lower in w.noun_contexts or prev.text.endswith(("'s", "’s", "s'", "s’")):
            return True
    return False

"""Who stands behind each sentence's claim, across a corpus: source types, aliases, pronouns and roles (pure).

:func:`attribute` takes the sentences of every article, finds cues and source phrases with
:func:`annotator.attribution.cues.analyse_sentence`, types every source, resolves pronouns and roles, merges aliases
within and
across articles, and finds who contests whom. Spans are end-exclusive character offsets into the sentence text.

Source types
    ``person`` (a name with a title, a name of two to four words never written after "the" in its article, or a
    single word that is the surname of such a name), ``organisation`` (a capitalised name with an organisation word
    or written after "the", a single capitalised word that is nobody's surname such as "Washington", or a definite
    organisation noun: "the regional environment agency"), ``outlet`` (a known outlet name, a name ending in an
    outlet word such as Gazette/Mail/Star, or an outlet seen as an article's source), ``document`` (head noun in
    ``document_words``: "a timeline shared by the firm", "Documents shared by Budanov"), ``anonymous`` (an
    unnamed official or source: "a senior official", "a person familiar with...", "Senior officials in the US"),
    ``collective`` (groups: "analysts", "rights groups", "Several fishermen", "Residents of ...").

Aliases
    A person's key is the title-stripped name folded to lower case without accents ("kyrlo budanov"). A lone
    surname ("Budanov") takes the key of the full name with that surname in the same article, else of the only
    full name with that surname in the corpus; otherwise it stays a key of its own. Outlets and organisations are
    keyed by their folded name without "the". Anonymous, collective and document sources are keyed per article
    (two articles' "officials" are not the same people), as are definite roles that cannot be resolved.

Pronoun and role resolution (the heuristic, and its limits)
    "He"/"She" as the subject of a cue resolve to (1) the first named person mentioned earlier in the same sentence
    ("a senior Russian lawmaker, Alexei Zhuravlev, listed weapons he claims..."), else (2) the named person who
    opens the previous sentence (named within its first six words: "Trump has long stood by ... . He has accused
    ..."), else (3) the *last named person that was a source* in the same article. A definite person role ("the
    Ukrainian spy chief", "The Ukrainian official") resolves to (3). "It" resolves to the last named organisation
    source; a short definite organisation noun ("the board") to the named organisation source of the article
    whose name contains that noun ("Mid Wyre Health Board"), otherwise it stays a source of its own in that
    article (all of one article's "the company" are one source). Limits: no gender or number agreement (a "she"
    after a male source resolves to him); a role that introduces a *new* unnamed person is merged into the
    previous named source; nothing resolves across articles or forward; rule (2) can pick a person who was only
    mentioned; "they" is not resolved; and an unnamed organisation ("the club") is not matched to a named one
    ("Ashby Rovers").

Who contests whom
    A dispute cue with an active subject ("Budanov said he could not confirm Zhuravlev's claims", "The company
    denied...") has that subject as the *disputer*; its *targets* are the sources of the article named after the cue
    or in a possessive ("Zhuravlev's"), else the source of the previous sentence's claim. Cues whose subject is
    the claim itself (``passive_dispute_cues``: "could not be verified", "has not provided any evidence") have no
    disputer; their target is that subject when it is a source, else the sentence's own reporting source ("Several
    fishermen said ..., although their accounts could not be independently verified").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from annotator.attribution.cues import (
    ANONYMOUS,
    COLLECTIVE,
    DISPUTE,
    DOCUMENT,
    HEDGE,
    NAME,
    ORG_ROLE,
    ORGANISATION,
    OUTLET,
    PERSON,
    PERSON_ROLE,
    PRONOUN,
    REPORTING,
    SOURCE_TYPES,
    Cue,
    RawAttribution,
    RawSentence,
    RawSource,
    analyse_sentence,
    contains,
    ends_with,
    source_words,
)
from annotator.attribution.mentions import Mention, Span, fold, inside

__all__ = [
    "ANONYMOUS",
    "ANONYMOUS_TYPES",
    "COLLECTIVE",
    "DISPUTE",
    "DOCUMENT",
    "HEDGE",
    "ORGANISATION",
    "OUTLET",
    "PERSON",
    "REPORTING",
    "SOURCE_TYPES",
    "AliasIndex",
    "ArticleInput",
    "Attribution",
    "SentenceSources",
    "Source",
    "analyse_sentence",
    "attribute",
    "attribute_one",
    "infer_outlet",
    "portable_key",
    "scoped_key",
]

ANONYMOUS_TYPES = frozenset({ANONYMOUS, COLLECTIVE})
_LOWER_AFTER_HYPHEN = re.compile(r"-[a-z]")
_PREVIOUS_WINDOW = 2
_TARGET_REACH = 4  # a contested party named this many tokens after the cue ("could not confirm Zhuravlev's")
_SUBJECT_REACH = 6  # a person mention within this many tokens of a sentence's start is taken as its subject


@dataclass(frozen=True)
class Source:
    """Who a claim is credited to. ``span`` is into the sentence text; ``key`` the canonical key shared by all its
    aliases (``None`` when a pronoun or role could not be resolved); ``name`` the canonical display name;
    ``resolved_from`` is "pronoun" or "role" when the span itself does not name the source."""

    span: Span
    text: str
    type: str | None
    key: str | None = None
    name: str | None = None
    resolved_from: str | None = None


@dataclass(frozen=True)
class Attribution:
    """A cue with its source (if any) and, for a dispute cue, the keys of the sources it contests."""

    cue: Cue
    source: Source | None
    targets: tuple[str, ...] = ()

    @property
    def disputer(self) -> str | None:
        return self.source.key if self.cue.kind == DISPUTE and self.source else None


@dataclass(frozen=True)
class SentenceSources:
    """Everything found in one sentence."""

    article_id: str
    sentence_id: str
    text: str
    attributions: tuple[Attribution, ...]
    hedges: tuple[Cue, ...]
    mentions: tuple[Mention, ...]

    @property
    def primary(self) -> Source | None:
        """The source the sentence's claim is credited to: the first reporting cue's resolved source, else the
        first dispute cue's."""
        for kind in (REPORTING, DISPUTE):
            for a in self.attributions:
                if a.cue.kind == kind and a.source is not None and a.source.key is not None:
                    return a.source
        return None

    @property
    def disputes(self) -> tuple[Attribution, ...]:
        return tuple(a for a in self.attributions if a.cue.kind == DISPUTE)

    @property
    def source_spans(self) -> tuple[Span, ...]:
        return tuple(sorted({a.source.span for a in self.attributions if a.source is not None}))

    @property
    def cue_spans(self) -> tuple[Span, ...]:
        return tuple(sorted({a.cue.span for a in self.attributions} | {h.span for h in self.hedges}))


# -- articles and the corpus ------------------------------------------------------------------------


@dataclass
class AliasIndex:
    """Keys, display names, types and aliases of every source seen, merged across articles."""

    outlets: dict[str, str] = field(default_factory=dict)  # folded name -> display name
    surnames: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    person_names: dict[str, str] = field(default_factory=dict)  # person key -> longest title-stripped mention
    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    types: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add_outlet(self, name: str) -> str:
        folded = _strip_the(fold(name))
        self.outlets.setdefault(folded, re.sub(r"^[Tt]he\s+", "", name.strip()))
        return folded

    def is_outlet(self, folded_name: str) -> bool:
        bare = _strip_the(folded_name)
        words = bare.split()
        w = source_words()
        return (
            bare in self.outlets
            or bare in w.outlet_names
            or f"the {bare}" in w.outlet_names
            or bool(words and words[-1] in w.outlet_words and len(words) >= 2)
        )

    def outlet_key(self, folded_name: str) -> str:
        bare = _strip_the(folded_name)
        if bare not in self.outlets:
            # "the Courier" -> the one known outlet whose last word it is
            matches = [k for k in self.outlets if k.split()[-1] == bare]
            if len(matches) == 1:
                bare = matches[0]
        return f"outlet:{bare}"

    def record(self, key: str, type_: str, display: str, alias: str | None) -> None:
        self.types.setdefault(key, type_)
        display = display[:1].upper() + display[1:]
        if key not in self.names or (type_ == PERSON and len(display) > len(self.names[key])):
            self.names[key] = display
        if alias:
            self.aliases[key].add(alias)


def _strip_the(folded: str) -> str:
    return folded[4:] if folded.startswith("the ") else folded


@dataclass
class ArticleInput:
    """One article for :func:`attribute`: its id, outlet (if known) and sentences ``(sentence_id, text)``."""

    article_id: str
    sentences: Sequence[tuple[str, str]]
    outlet: str | None = None


_OUTLET_PATTERNS = (
    re.compile(r"^By\s+[^,|\n]{2,60},\s*(?P<outlet>[A-Z][^|\n,]{2,60}?)\s*(?:\||$)", re.MULTILINE),
    re.compile(r"^(?P<outlet>(?:The\s+)?[A-Z][\w'’ -]{2,40}?)\s*\|", re.MULTILINE),
    re.compile(r"(?:Copyright|©)\s*(?:©\s*)?(?:\d{4}\s+)?(?P<outlet>(?:The\s+)?[A-Z][\w&'’ -]{2,60}?)\.?\s*All rights"),
    re.compile(r"\bfrom the (?P<outlet>[A-Z][\w'’ -]{2,40}?),\s+sign up"),
)


def infer_outlet(article_text: str) -> str | None:
    """The outlet an article was published by, read from its own furniture when the input has no ``source``: a
    byline ("By Tamsin Rowe, Harbour Gazette | ..."), a masthead line ("The Kirkhaven Record | Science | ..."), a
    copyright line, or a newsletter prompt ("... from the Daily Star, sign up ..."). Only names that look like an
    outlet (a known outlet, or ending in an outlet word such as Gazette, Record, Star) are accepted."""
    probe = AliasIndex()
    for pattern in _OUTLET_PATTERNS:
        for m in pattern.finditer(article_text):
            name = m.group("outlet").strip()
            if probe.is_outlet(fold(name)):
                return re.sub(r"^[Tt]he\s+", "", name)
    return None


def attribute(articles: Iterable[ArticleInput]) -> tuple[dict[str, list[SentenceSources]], AliasIndex]:
    """Sources of every sentence of every article, and the corpus-wide alias index.

    Returns ``{article_id: [SentenceSources per sentence, in order]}`` and the :class:`AliasIndex` (keys, display
    names, types and aliases). Needs the whole corpus first: a surname in one article can be resolved by a full
    name in another, and a contested party must be known as a source somewhere.
    """
    index = AliasIndex()
    raw: list[tuple[ArticleInput, list[RawSentence], _ArticleFacts]] = []
    for art in articles:
        if art.outlet:
            index.add_outlet(art.outlet)
        sentences = [analyse_sentence(text) for _, text in art.sentences]
        raw.append((art, sentences, _ArticleFacts.collect(sentences)))
    for _, _, facts in raw:
        for key, words in facts.full_names.items():
            index.surnames[words[-1]].add(key)
    resolved = [(art, sents, facts, _resolve_sources(art, sents, facts, index)) for art, sents, facts in raw]
    for key, name in index.person_names.items():
        if key in index.names and len(name) > len(index.names[key]):
            index.names[key] = name  # "Mrs. Lyall" is quoted, "Rebecca Lyall" was named
    result: dict[str, list[SentenceSources]] = {}
    for art, sentences, facts, attributions in resolved:
        result[art.article_id] = _targets(art, sentences, facts, index, attributions)
    return result, index


def attribute_one(article_id: str, sentences: Sequence[str], *, outlet: str | None = None) -> list[SentenceSources]:
    """:func:`attribute` for one article given as a list of sentence texts (sentence ids are their indices)."""
    rows = [(str(i), text) for i, text in enumerate(sentences)]
    result, _ = attribute([ArticleInput(article_id, rows, outlet)])
    return result[article_id]


@dataclass
class _ArticleFacts:
    """What one article says about its names: which are written after "the", which carry titles."""

    after_the: set[str] = field(default_factory=set)
    titled: set[str] = field(default_factory=set)
    full_names: dict[str, list[str]] = field(default_factory=dict)  # person key -> its words

    @classmethod
    def collect(cls, sentences: list[RawSentence]) -> _ArticleFacts:
        facts = cls()
        w = source_words()
        for s in sentences:
            for m in s.mentions:
                before = s.tokens[m.first_token - 1].lower if m.first_token > 0 else ""
                if m.after_the or (before,) in w.organisation_words:
                    facts.after_the.add(m.key)  # "the Northmere Agrichem site", "the charity Headfirst"
                if m.titles or (before,) in w.person_roles:
                    facts.titled.add(m.key)  # "Lt Col Ruth Okafor", "defender Joel Mensah"
        for s in sentences:
            for m in s.mentions:
                if facts.looks_like_person(m) and m.n_words >= 2:
                    facts.full_names[m.key] = m.key.split()
        return facts

    def looks_like_person(self, m: Mention) -> bool:
        words = m.key.split()
        w = source_words()
        if not words or contains(words, w.organisation_words) or contains(words, w.place_words):
            return False
        if words[-1] in w.outlet_words or _LOWER_AFTER_HYPHEN.search(m.name):
            return False  # "Harbour Gazette", "A-level", "Gulf-based"
        if m.key in self.titled:
            return True
        return 2 <= len(words) <= 4 and m.key not in self.after_the and all(c.isalpha() or c == " " for c in m.key)


def _person_key(m: Mention, facts: _ArticleFacts, index: AliasIndex) -> str | None:
    """The person key of a mention, or None if it is not a person."""
    words = m.key.split()
    if len(words) == 1:
        local = [k for k, w in facts.full_names.items() if w[-1] == words[0]]
        if len(local) == 1:
            return f"person:{local[0]}"
        known = index.surnames.get(words[0], set())
        if len(known) == 1:
            return f"person:{next(iter(known))}"
        if m.titles:
            return f"person:{m.key}"
        return None
    return f"person:{m.key}" if facts.looks_like_person(m) else None


def _type_mention(m: Mention, facts: _ArticleFacts, index: AliasIndex) -> tuple[str, str, str]:
    """(type, key, display name) of a named source."""
    folded = m.key
    if index.is_outlet(("the " if m.after_the else "") + folded):
        key = index.outlet_key(folded)
        return OUTLET, key, index.outlets.get(key[7:], m.name)
    person = _person_key(m, facts, index)
    if person is not None:
        return PERSON, person, m.name
    return ORGANISATION, f"org:{folded}", m.name


def _subject_person(
    raw: RawSentence, facts: _ArticleFacts, index: AliasIndex, before: int, *, reach: int | None = None
) -> tuple[str, str] | None:
    """The first named person mentioned (outside quotes) before offset ``before`` (and within the first ``reach``
    tokens), as (key, name)."""
    for m in raw.mentions:
        if m.span[1] > before or (reach is not None and m.first_token > reach):
            break
        if inside(raw.quotes, *m.span) or m.possessive:
            continue
        person = _person_key(m, facts, index)
        if person is not None:
            return person, m.name
    return None


def _resolve_sources(
    art: ArticleInput, sentences: list[RawSentence], facts: _ArticleFacts, index: AliasIndex
) -> list[list[Attribution]]:
    aid = art.article_id
    last_person: Source | None = None
    last_org: Source | None = None
    out: list[list[Attribution]] = []
    previous_subject: tuple[str, str] | None = None
    named_orgs: list[str] = []
    for raw in sentences:
        attributions: list[Attribution] = []
        for ra in raw.attributions:
            src = None
            if ra.source is not None:
                src = _resolve(aid, ra.source, raw, facts, index, last_person, last_org, previous_subject, named_orgs)
            if src is not None and src.key is not None:
                index.record(src.key, src.type or ANONYMOUS, src.name or src.text, _alias(src))
                if src.type == PERSON:
                    last_person = src
                elif src.type == ORGANISATION and not src.key.startswith("org-role@"):
                    last_org = src
                    named_orgs.append(src.key)
            attributions.append(Attribution(ra.cue, src))
        for m in raw.mentions:
            if not inside(raw.quotes, *m.span):
                person = _person_key(m, facts, index)
                if person is not None:
                    index.aliases[person].add(m.text)
                    if len(m.name) > len(index.person_names.get(person, "")):
                        index.person_names[person] = m.name
        # the subject of this sentence, for a pronoun that opens the next one: its first person mention, if it
        # comes within the first few words ("Budanov argued that...", "Earlier this month, ..., Alexei Zhuravlev")
        previous_subject = _subject_person(raw, facts, index, len(raw.text), reach=_SUBJECT_REACH)
        out.append(attributions)
    return out


def _resolve(
    aid: str,
    rs: RawSource,
    raw: RawSentence,
    facts: _ArticleFacts,
    index: AliasIndex,
    last_person: Source | None,
    last_org: Source | None,
    previous_subject: tuple[str, str] | None,
    named_orgs: list[str],
) -> Source:
    base = Source(rs.span, rs.text, None)
    if rs.kind == NAME and rs.mention is not None:
        type_, key, display = _type_mention(rs.mention, facts, index)
        if type_ == ORGANISATION and (rs.mention.key,) in source_words().organisation_words:
            # one capitalised common noun ("Council said", "Company disputes"): this article's council
            key = scoped_key("org-role", aid, rs.mention.key)
        return replace(base, type=type_, key=key, name=display)
    if rs.kind == PRONOUN:
        if rs.core in ("he", "she"):
            found = _subject_person(raw, facts, index, rs.span[0]) or previous_subject
            if found is not None:
                key, name = found
                return replace(base, type=PERSON, key=key, name=index.names.get(key, name), resolved_from="pronoun")
            if last_person is not None:
                return replace(base, type=PERSON, key=last_person.key, name=last_person.name, resolved_from="pronoun")
        elif last_org is not None:
            return replace(base, type=ORGANISATION, key=last_org.key, name=last_org.name, resolved_from="pronoun")
        return base
    if rs.kind == PERSON_ROLE:
        if last_person is not None:
            return replace(base, type=PERSON, key=last_person.key, name=last_person.name, resolved_from="role")
        words = rs.core.split()
        type_ = ANONYMOUS if ends_with(words, source_words().anonymous_nouns) else PERSON
        kind = ANONYMOUS if type_ == ANONYMOUS else "person-role"
        return replace(base, type=type_, key=scoped_key(kind, aid, rs.core), name=_display(rs.text))
    if rs.kind == ORG_ROLE:
        # "the board" -> the Mid Wyre Health Board quoted earlier; other roles stay the article's own
        for key in reversed(named_orgs):
            if rs.core in key.split(":", 1)[1].split():
                return replace(base, type=ORGANISATION, key=key, name=index.names.get(key), resolved_from="role")
        return replace(base, type=ORGANISATION, key=scoped_key("org-role", aid, rs.core), name=_display(rs.text))
    if rs.kind == ORGANISATION and not any(c.isupper() for c in rs.text[1:]):
        # no proper name in it ("the regional environment agency", "Police say"): this article's own
        return replace(base, type=ORGANISATION, key=scoped_key("org-role", aid, rs.core), name=_display(rs.text))
    if rs.kind == ORGANISATION:
        return replace(base, type=ORGANISATION, key=f"org:{rs.core}", name=_display(rs.text))
    return replace(base, type=rs.kind, key=scoped_key(rs.kind, aid, rs.core), name=_display(rs.text))


def scoped_key(kind: str, article_id: str, core: str) -> str:
    """The key of a source that only means something inside one article: ``"anonymous@<article>:officials"``."""
    return f"{kind}@{article_id}:{core}"


def portable_key(key: str, article_id: str) -> str:
    """``key`` without its article scope, to compare sources across articles: two articles' "the company said"
    are the same kind of attribution even though they are not known to be the same source."""
    return key.replace(f"@{article_id}:", ":", 1)


def _alias(src: Source) -> str | None:
    return None if src.resolved_from is not None else src.text


def _display(text: str) -> str:
    return re.sub(r"^(?:[Tt]he|[Aa]n?|[Oo]ne)\s+", "", text.strip())


def _is_source(src: Source | None) -> bool:
    return src is not None and src.key is not None and src.type != DOCUMENT


def _targets(
    art: ArticleInput,
    sentences: list[RawSentence],
    facts: _ArticleFacts,
    index: AliasIndex,
    attributions: list[list[Attribution]],
) -> list[SentenceSources]:
    out: list[SentenceSources] = []
    recent: list[tuple[int, str]] = []  # (sentence index, key of its reporting source)
    known = {a.source.key for atts in attributions for a in atts if a.source is not None and a.source.key}
    for n, ((sid, text), raw, atts) in enumerate(zip(art.sentences, sentences, attributions, strict=True)):
        final: list[Attribution] = []
        reporting = next((a.source for a in atts if a.cue.kind == REPORTING and a.source and a.source.key), None)
        for ra, a in zip(raw.attributions, atts, strict=True):
            if a.cue.kind != DISPUTE:
                final.append(a)
                continue
            final.append(_dispute(ra, a, raw, facts, index, reporting, recent, n, known))
        out.append(SentenceSources(art.article_id, sid, text, tuple(final), tuple(raw.hedges), tuple(raw.mentions)))
        if reporting is not None and reporting.key is not None:
            recent.append((n, reporting.key))
    return out


def _dispute(
    ra: RawAttribution,
    a: Attribution,
    raw: RawSentence,
    facts: _ArticleFacts,
    index: AliasIndex,
    reporting: Source | None,
    recent: list[tuple[int, str]],
    n: int,
    known: set[str],
) -> Attribution:
    subject = a.source if _is_source(a.source) else None
    disputer = None if ra.passive or subject is None else subject.key
    targets: list[str] = []
    cue_end = next(i for i, t in enumerate(raw.tokens) if t.end >= a.cue.span[1])
    for m in raw.mentions:
        near = 0 < m.first_token - cue_end <= _TARGET_REACH
        after = m.span[0] >= a.cue.span[1]
        if not ((after and (near or m.possessive)) or (ra.passive and m.possessive)) or inside(raw.quotes, *m.span):
            continue
        _, key, _ = _type_mention(m, facts, index)
        if key != disputer and key in known:
            targets.append(key)
            break
    if ra.passive and not targets:
        if subject is not None and subject.key is not None:
            targets.append(subject.key)  # "the US has not provided any evidence"
        elif reporting is not None and reporting.key and reporting.span[0] < a.cue.span[0]:
            targets.append(reporting.key)  # "X said ..., although their accounts could not be verified"
    source = subject if disputer else None
    if ra.passive and reporting is not None and reporting.span[0] > a.cue.span[1]:
        source, disputer = reporting, reporting.key  # "Claims ... were false, the club said."
    if not targets:
        window = 1 if ra.passive else _PREVIOUS_WINDOW
        for m_index, key in reversed(recent):
            if n - m_index <= window and key != disputer:
                targets.append(key)
                break
    return Attribution(a.cue, source, tuple(targets))

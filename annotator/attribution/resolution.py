"""Each source phrase of an article typed and resolved: names as persons, organisations or outlets; pronouns and
roles to the source they stand for (:func:`resolve_sources`, one article at a time, after every article's names
are known to the :class:`annotator.attribution.aliases.AliasIndex`).

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from annotator.attribution.aliases import AliasIndex, scoped_key
from annotator.attribution.cues import RawSentence, RawSource
from annotator.attribution.kinds import (
    ANONYMOUS,
    COLLECTIVE,
    NAME,
    ORG_ROLE,
    ORGANISATION,
    OUTLET,
    PERSON,
    PERSON_ROLE,
    PRONOUN,
)
from annotator.attribution.mentions import Mention, inside
from annotator.attribution.records import ArticleInput, Attribution, Source
from annotator.attribution.source_words import contains, ends_with, source_words

_LOWER_AFTER_HYPHEN = re.compile(r"-[a-z]")
_ARTICLE = re.compile(r"^(?:[Tt]he|[Aa]n?|[Oo]ne)\s+")
_SUBJECT_REACH = 6  # a person mention within this many tokens of a sentence's start is taken as its subject


@dataclass
class ArticleFacts:
    """What one article says about its names: which are written after "the", which carry titles."""

    after_the: set[str] = field(default_factory=set)
    titled: set[str] = field(default_factory=set)
    full_names: dict[str, list[str]] = field(default_factory=dict)  # person key -> its words
    person_keys: dict[tuple[str, str, str], str | None] = field(default_factory=dict)  # _person_key, remembered

    @classmethod
    def collect(cls, sentences: list[RawSentence]) -> ArticleFacts:
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


def _person_key(m: Mention, facts: ArticleFacts, index: AliasIndex) -> str | None:
    """The person key of a mention, or None if it is not a person (remembered per article: the facts and the
    corpus's surnames are complete before any source is resolved)."""
    memo = (m.key, m.name, m.titles)
    if memo in facts.person_keys:
        return facts.person_keys[memo]
    key = _person_key_of(m, facts, index)
    facts.person_keys[memo] = key
    return key


def _person_key_of(m: Mention, facts: ArticleFacts, index: AliasIndex) -> str | None:
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


def type_mention(m: Mention, facts: ArticleFacts, index: AliasIndex) -> tuple[str, str, str]:
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
    raw: RawSentence, facts: ArticleFacts, index: AliasIndex, before: int, *, reach: int | None = None
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


def resolve_sources(
    art: ArticleInput, sentences: list[RawSentence], facts: ArticleFacts, index: AliasIndex
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
    facts: ArticleFacts,
    index: AliasIndex,
    last_person: Source | None,
    last_org: Source | None,
    previous_subject: tuple[str, str] | None,
    named_orgs: list[str],
) -> Source:
    base = Source(rs.span, rs.text, None)
    if rs.kind == NAME and rs.mention is not None:
        type_, key, display = type_mention(rs.mention, facts, index)
        if type_ == ORGANISATION and (rs.mention.key,) in source_words().organisation_words:
            # one capitalised common noun ("Council said", "Company disputes"): this article's council
            key = scoped_key("org-role", aid, rs.mention.key)
        return _source(rs, type=type_, key=key, name=display)
    if rs.kind == PRONOUN:
        if rs.core in ("he", "she"):
            found = _subject_person(raw, facts, index, rs.span[0]) or previous_subject
            if found is not None:
                key, name = found
                return _source(rs, type=PERSON, key=key, name=index.names.get(key, name), resolved_from="pronoun")
            if last_person is not None:
                return _source(rs, type=PERSON, key=last_person.key, name=last_person.name, resolved_from="pronoun")
        elif last_org is not None:
            return _source(rs, type=ORGANISATION, key=last_org.key, name=last_org.name, resolved_from="pronoun")
        return base
    if rs.kind == PERSON_ROLE:
        if last_person is not None:
            return _source(rs, type=PERSON, key=last_person.key, name=last_person.name, resolved_from="role")
        words = rs.core.split()
        type_ = ANONYMOUS if ends_with(words, source_words().anonymous_nouns) else PERSON
        kind = ANONYMOUS if type_ == ANONYMOUS else "person-role"
        return _source(rs, type=type_, key=scoped_key(kind, aid, rs.core), name=_display(rs.text))
    if rs.kind == ORG_ROLE:
        # "the board" -> the Mid Wyre Health Board quoted earlier; other roles stay the article's own
        for key in reversed(named_orgs):
            if rs.core in key.split(":", 1)[1].split():
                return _source(rs, type=ORGANISATION, key=key, name=index.names.get(key), resolved_from="role")
        return _source(rs, type=ORGANISATION, key=scoped_key("org-role", aid, rs.core), name=_display(rs.text))
    if rs.kind == ORGANISATION and not any(c.isupper() for c in rs.text[1:]):
        # no proper name in it ("the regional environment agency", "Police say"): this article's own
        return _source(rs, type=ORGANISATION, key=scoped_key("org-role", aid, rs.core), name=_display(rs.text))
    if rs.kind == ORGANISATION:
        return _source(rs, type=ORGANISATION, key=f"org:{rs.core}", name=_display(rs.text))
    if rs.kind == COLLECTIVE and " " not in rs.core:
        # "Williams said ..." opening a sentence reads as a plural; the surname of a person named in full is him
        for key, words in facts.full_names.items():
            if words[-1] == rs.core:
                return _source(rs, type=PERSON, key=f"person:{key}", name=index.names.get(f"person:{key}", rs.text))
    return _source(rs, type=rs.kind, key=scoped_key(rs.kind, aid, rs.core), name=_display(rs.text))


def _source(
    rs: RawSource,
    *,
    type: str | None,
    key: str | None,
    name: str | None,
    resolved_from: str | None = None,
) -> Source:
    """The :class:`Source` of a source phrase (the constructor, not ``dataclasses.replace``: ten times faster)."""
    return Source(rs.span, rs.text, type, key, name, resolved_from)


def _alias(src: Source) -> str | None:
    return None if src.resolved_from is not None else src.text


def _display(text: str) -> str:
    return _ARTICLE.sub("", text.strip())

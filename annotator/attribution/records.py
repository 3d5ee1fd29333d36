"""What the source finder returns (:func:`annotator.attribution.sources.attribute`): a :class:`Source` per cue,
an :class:`Attribution` that joins them, every sentence's :class:`SentenceSources`; and the :class:`ArticleInput` it
reads. Spans are end-exclusive character offsets into the sentence text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.attribution.cues import Cue
from annotator.attribution.kinds import DISPUTE, REPORTING
from annotator.attribution.mentions import Mention, Span


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


@dataclass
class ArticleInput:
    """One article for :func:`attribute`: its id, outlet (if known) and sentences ``(sentence_id, text)``."""

    article_id: str
    sentences: Sequence[tuple[str, str]]
    outlet: str | None = None

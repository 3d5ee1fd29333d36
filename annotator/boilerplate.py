"""Line rules for scraped site furniture, loaded from ``schemas/boilerplate.json`` (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from annotator.errors import SchemaError
from annotator.resources import schema_path

REPEATED_LINE = "repeated_line"
RELATED_TEASER = "related_teaser"


Anywhere = tuple[str, re.Pattern[str], tuple[str, ...]]


@dataclass(frozen=True)
class _Tier:
    """The rules that apply to lines up to ``max_chars`` long."""

    max_chars: float
    whole: re.Pattern[str] | None
    anywhere: tuple[Anywhere, ...]


@dataclass(frozen=True)
class BoilerplateRules:
    """A compiled set of line rules.

    Furniture is short, so each rule applies to lines up to its ``max_chars``; the rules are
    grouped into tiers by that limit, and a line is tested only against its tier. In a tier, the
    whole-line rules are joined into one alternation with a named group per rule (one regex match
    however many rules there are); ``anywhere`` rules are searched for only in lines that contain
    one of their keywords (as written, Capitalised or UPPERCASE: substring tests are far cheaper
    than a regex or lowercasing the line).
    """

    names: tuple[str, ...]
    tiers: tuple[_Tier, ...]
    drop_repeated_lines: bool = True
    teaser_sections: frozenset[str] = frozenset()

    def match(self, line: str) -> str | None:
        """Return the name of the rule that ``line`` (already stripped) matches, or None."""
        n = len(line)
        for tier in self.tiers:
            if n <= tier.max_chars:
                break
        else:
            return None
        if tier.whole is not None:
            m = tier.whole.fullmatch(line)
            if m is not None and m.lastgroup:
                return self.names[int(m.lastgroup[1:])]
        for name, pattern, keywords in tier.anywhere:
            if keywords:
                for k in keywords:
                    if k in line:
                        break
                else:
                    continue
            if pattern.search(line):
                return name
        return None


def compile_rules(spec: dict[str, Any], *, where: str = "boilerplate rules") -> BoilerplateRules:
    """Compile a rules document, checked against ``schemas/boilerplate.schema.json``."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(spec))
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise SchemaError(f"{where}: {at}: {error.message}")
    rules = spec["rules"]
    default_max = spec.get("max_line_chars", 160)
    names: list[str] = []
    # (max_chars, whole-line alternation part or None, anywhere entry or None)
    compiled_rules: list[tuple[float, str | None, Anywhere | None]] = []
    for i, rule in enumerate(rules):
        flags = 0 if rule.get("case_sensitive", False) else re.IGNORECASE
        try:
            compiled = re.compile(rule["pattern"], flags)
        except re.error as exc:
            raise SchemaError(f"{where}: rule {rule['name']!r} is not a valid regex ({exc})") from None
        names.append(str(rule["name"]))
        limit = rule.get("max_chars", default_max)
        max_chars = float("inf") if limit is None else float(limit)
        if rule.get("anywhere", False):
            keywords = tuple(dict.fromkeys(v for k in rule.get("keywords", ()) for v in _variants(str(k))))
            compiled_rules.append((max_chars, None, (names[-1], compiled, keywords)))
        else:
            scope = "?:" if flags == 0 else "?i:"
            compiled_rules.append((max_chars, f"(?P<r{i}>({scope}{rule['pattern']}))", None))
    tiers = []
    for limit in sorted({m for m, _, _ in compiled_rules}):
        live = [(part, any_) for m, part, any_ in compiled_rules if m >= limit]
        parts = [part for part, _ in live if part is not None]
        tiers.append(
            _Tier(
                max_chars=limit,
                whole=re.compile("|".join(parts)) if parts else None,
                anywhere=tuple(any_ for _, any_ in live if any_ is not None),
            )
        )
    return BoilerplateRules(
        names=tuple(names),
        tiers=tuple(tiers),
        drop_repeated_lines=bool(spec.get("drop_repeated_lines", True)),
        teaser_sections=frozenset(str(n) for n in spec.get("teaser_sections", ())),
    )


def _variants(keyword: str) -> tuple[str, ...]:
    low = keyword.lower()
    return (keyword, low, low.capitalize(), low.upper())


def load_rules(path: str | Path | None = None) -> BoilerplateRules:
    """Load boilerplate rules from ``path``, or the shipped ``schemas/boilerplate.json``."""
    if path is None:
        return _default_rules()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_rules() -> BoilerplateRules:
    return _load(schema_path("boilerplate.json"))


def _load(path: Path) -> BoilerplateRules:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read boilerplate rules ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return compile_rules(spec, where=str(path))


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_path("boilerplate.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)

"""Line rules for scraped site furniture, loaded from ``schemas/boilerplate.json`` (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from annotator.errors import SchemaError
from annotator.resources import schema_path

REPEATED_LINE = "repeated_line"
RELATED_TEASER = "related_teaser"


@dataclass(frozen=True)
class BoilerplateRules:
    """A compiled set of line rules.

    Whole-line rules are joined into one alternation with a named group per rule, so a line costs
    one regex match however many rules there are; ``anywhere`` rules are searched for only in lines
    that contain one of their keywords.
    """

    names: tuple[str, ...]
    short: re.Pattern[str] | None  # every whole-line rule, for lines up to max_line_chars
    long: re.Pattern[str] | None  # the any_length whole-line rules, for longer lines
    anywhere: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = ()
    drop_repeated_lines: bool = True
    max_line_chars: int = 160
    teaser_sections: frozenset[str] = frozenset()

    def match(self, line: str) -> str | None:
        """Return the name of the rule that ``line`` (already stripped) matches, or None."""
        whole = self.short if len(line) <= self.max_line_chars else self.long
        if whole is not None:
            m = whole.fullmatch(line)
            if m is not None and m.lastgroup:
                return self.names[int(m.lastgroup[1:])]
        if self.anywhere:
            low = line.lower()
            for name, pattern, keywords in self.anywhere:
                if keywords:
                    for k in keywords:
                        if k in low:
                            break
                    else:
                        continue
                if pattern.search(line):
                    return name
        return None


def compile_rules(spec: dict[str, Any], *, where: str = "boilerplate rules") -> BoilerplateRules:
    """Compile a rules document (the structure of ``schemas/boilerplate.json``)."""
    rules = spec.get("rules")
    if not isinstance(rules, list) or not rules:
        raise SchemaError(f"{where}: 'rules' must be a non-empty list; got {type(rules).__name__}")
    names: list[str] = []
    parts: list[str] = []
    long_parts: list[str] = []
    anywhere: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or "name" not in rule or "pattern" not in rule:
            raise SchemaError(f"{where}: rule {i} needs 'name' and 'pattern'; got {rule!r}")
        flags = 0 if rule.get("case_sensitive", False) else re.IGNORECASE
        try:
            compiled = re.compile(rule["pattern"], flags)
        except re.error as exc:
            raise SchemaError(f"{where}: rule {rule['name']!r} is not a valid regex ({exc})") from None
        names.append(str(rule["name"]))
        if rule.get("anywhere", False):
            keywords = tuple(str(k).lower() for k in rule.get("keywords", ()))
            anywhere.append((names[-1], compiled, keywords))
        else:
            scope = "?:" if flags == 0 else "?i:"
            parts.append(f"(?P<r{i}>({scope}{rule['pattern']}))")
            if rule.get("any_length", False):
                long_parts.append(parts[-1])
    return BoilerplateRules(
        names=tuple(names),
        short=re.compile("|".join(parts)) if parts else None,
        long=re.compile("|".join(long_parts)) if long_parts else None,
        anywhere=tuple(anywhere),
        drop_repeated_lines=bool(spec.get("drop_repeated_lines", True)),
        max_line_chars=int(spec.get("max_line_chars", 160)),
        teaser_sections=frozenset(str(n) for n in spec.get("teaser_sections", ())),
    )


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
    if not isinstance(spec, dict):
        raise SchemaError(f"{path}: expected a JSON object; got {type(spec).__name__}")
    return compile_rules(spec, where=str(path))

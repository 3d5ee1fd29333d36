"""Line rules for scraped site furniture, loaded from ``schemas/boilerplate.json`` (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import re2

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
    prefilter: Any = None  # compiled RE2 pattern, see candidates()

    def candidates(self, text: str) -> list[tuple[int, int]] | None:
        """Character ranges of ``text`` outside which no line can match a rule, or None if unknown.

        One RE2 scan of the whole article (a DFA over its UTF-8 bytes: no per-line Python call)
        finds every line that could be boilerplate; :meth:`match` then decides each of those lines
        exactly. The scan errs on the permissive side (see :func:`_re2_pattern`), so a line that
        touches no range is not boilerplate. Ranges are sorted and non-overlapping; None means the
        rules could not be translated for RE2 and every line must go through :meth:`match`.
        """
        if self.prefilter is None:
            return None
        data = text.encode("utf-8")
        found = _scan(self.prefilter, data)
        if not found or len(data) == len(text):  # ASCII: byte offsets are character offsets
            return found
        ranges: list[tuple[int, int]] = []
        byte_pos = char_pos = 0
        for s, e in found:  # RE2 matches start and end on UTF-8 character boundaries
            char_pos += _char_len(data, byte_pos, s)
            start = char_pos
            char_pos += _char_len(data, s, e)
            byte_pos = e
            ranges.append((start, char_pos))
        return ranges

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


def compile_rules(spec: dict[str, Any], *, where: str = "boilerplate rules", check: bool = True) -> BoilerplateRules:
    """Compile a rules document, checked against ``schemas/boilerplate.schema.json`` unless ``check`` is false."""
    if check:
        check_rules(spec, where=where)
    rules = spec["rules"]
    default_max = spec.get("max_line_chars", 160)
    names: list[str] = []
    # (max_chars, whole-line alternation part or None, anywhere entry or None)
    compiled_rules: list[tuple[float, str | None, Anywhere | None]] = []
    for i, rule in enumerate(rules):
        flags = 0 if rule.get("case_sensitive", False) else re.IGNORECASE
        names.append(str(rule["name"]))
        limit = rule.get("max_chars", default_max)
        max_chars = float("inf") if limit is None else float(limit)
        if rule.get("anywhere", False):
            keywords = tuple(dict.fromkeys(v for k in rule.get("keywords", ()) for v in _variants(str(k))))
            compiled_rules.append((max_chars, None, (names[-1], _compile(rule, flags, where), keywords)))
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
                whole=_alternation(parts, rules, where) if parts else None,
                anywhere=tuple(any_ for _, any_ in live if any_ is not None),
            )
        )
    return BoilerplateRules(
        names=tuple(names),
        tiers=tuple(tiers),
        drop_repeated_lines=bool(spec.get("drop_repeated_lines", True)),
        teaser_sections=frozenset(str(n) for n in spec.get("teaser_sections", ())),
        prefilter=_prefilter(rules),
    )


def _compile(rule: dict[str, Any], flags: int, where: str) -> re.Pattern[str]:
    try:
        return re.compile(rule["pattern"], flags)
    except re.error as exc:
        raise SchemaError(f"{where}: rule {rule['name']!r} is not a valid regex ({exc})") from None


def _alternation(parts: list[str], rules: list[dict[str, Any]], where: str) -> re.Pattern[str]:
    """One pattern of the whole-line rules; if it does not compile, the error names the first rule that does not
    compile alone (each rule is compiled once, in the alternation, when all are valid)."""
    try:
        return re.compile("|".join(parts))
    except re.error as exc:
        for rule in rules:
            _compile(rule, 0 if rule.get("case_sensitive", False) else re.IGNORECASE, where)
        raise SchemaError(f"{where}: the line rules do not compile together ({exc})") from None


# -- the RE2 prefilter -------------------------------------------------------------------------

#: Python's ``\s`` (str patterns) without the line break, and its ``\w``, as RE2 class contents.
_PY_SPACE = r"\t\x{0b}\f\r \x{1c}-\x{1f}\x{85}\p{Z}"
_PY_WORD = r"\p{L}\p{N}_"
_OUTSIDE = {
    "s": f"[{_PY_SPACE}]",
    "S": f"[^{_PY_SPACE}\\n]",
    "w": f"[{_PY_WORD}]",
    "W": f"[^{_PY_WORD}\\n]",
    "d": r"\p{Nd}",
    "D": r"[^\p{Nd}\n]",
    "b": "",  # dropped: a word boundary only narrows a match (RE2's is ASCII-only)
    "B": "",
}
_INSIDE = {"s": _PY_SPACE, "w": _PY_WORD, "d": r"\p{Nd}"}


class _UntranslatableError(ValueError):
    pass


def _re2_pattern(pattern: str) -> str:
    """Translate one Python rule pattern into an RE2 pattern that matches at least as much.

    Python's ``\\s``, ``\\w``, ``\\d`` are Unicode-aware and RE2's are ASCII-only, so they become
    Unicode classes; ``\\b`` is dropped; ``^``/``$`` also admit the surrounding blanks that lines
    lose when stripped. Negated shorthands inside a class (``[^\\S]``) cannot be expressed: those
    raise, as do constructs RE2 lacks (look-arounds, back-references), and the rules then run
    without a prefilter.
    """
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            esc = pattern[i + 1]
            if in_class and esc in _INSIDE:
                out.append(_INSIDE[esc])
            elif in_class and esc in "SWD":
                raise _UntranslatableError(pattern)
            elif not in_class and esc in _OUTSIDE:
                out.append(_OUTSIDE[esc])
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]" and not (out[-1] == "[" or out[-1] == "[^"):
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append("[^" if pattern.startswith("[^", i) else "[")
            i += 2 if pattern.startswith("[^", i) else 1
            continue
        elif ch == "^":
            out.append(f"(?:^[{_PY_SPACE}]*)")
        elif ch == "$":
            out.append(f"(?:[{_PY_SPACE}]*$)")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _scan(pattern: Any, data: bytes) -> list[tuple[int, int]]:
    """Spans of all non-overlapping matches in ``data``.

    Calls the compiled RE2 object directly: google-re2's ``finditer`` builds a match object and
    maps offsets per match, which costs more than the scan itself on article-sized texts.
    """
    match = getattr(getattr(pattern, "_regexp", None), "Match", None)
    if match is None:  # another google-re2 layout: the public API gives the same spans
        return [m.span() for m in pattern.finditer(data)]
    found: list[tuple[int, int]] = []
    pos, n = 0, len(data)
    while pos <= n:
        s, e = match(_UNANCHORED, data, pos, n)[0]
        if s < 0:
            break
        found.append((s, e))
        pos = e if e > s else e + 1
        while pos < n and data[pos] & 0xC0 == 0x80:  # stay on character boundaries
            pos += 1
    return found


_UNANCHORED = re2._Anchor.UNANCHORED


def _decode_len(data: bytes, start: int, end: int) -> int:
    return len(data[start:end].decode("utf-8"))


#: Characters in ``data[start:end]`` (UTF-8): google-re2's own helper when it has one.
_char_len: Any = getattr(getattr(re2, "_re2", None), "BytesToCharLen", _decode_len)


def _prefilter(rules: list[dict[str, Any]]) -> Any:
    """One RE2 pattern for a whole article: each whole-line rule anchored to a line, each
    ``anywhere`` rule by its keywords (or, without keywords, its own pattern)."""
    parts = []
    try:
        for rule in rules:
            flags = "" if rule.get("case_sensitive", False) else "(?i)"
            if not rule.get("anywhere", False):
                body = _re2_pattern(rule["pattern"])
                parts.append(f"(?m:^[{_PY_SPACE}]*(?:{flags}{body})[{_PY_SPACE}]*$)")
            elif rule.get("keywords"):
                parts.append("(?i:" + "|".join(re2.escape(k) for k in rule["keywords"]) + ")")
            else:
                parts.append(f"(?m:{flags}{_re2_pattern(rule['pattern'])})")
    except _UntranslatableError:
        return None
    options = re2.Options()
    options.never_capture = True  # the DFA only: which rule matched is decided by match()
    options.log_errors = False
    options.max_mem = 64 << 20
    try:
        return re2.compile("|".join(parts), options)
    except re2.error:
        return None


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
    # the shipped file is checked against its schema by the test suite, not at every start (jsonschema's import
    # alone is a fifth of `annotator prelabel`'s start-up)
    return _load(schema_path("boilerplate.json"), check=False)


def _load(path: Path, *, check: bool = True) -> BoilerplateRules:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read boilerplate rules ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return compile_rules(spec, where=str(path), check=check)


def check_rules(spec: dict[str, Any], *, where: str = "boilerplate rules") -> None:
    """Raise :class:`SchemaError` naming the first place where ``spec`` breaks ``schemas/boilerplate.schema.json``."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator().iter_errors(spec))
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise SchemaError(f"{where}: {at}: {error.message}")


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(schema_path("boilerplate.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)

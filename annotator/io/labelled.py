"""Labelled sentences for training and evaluation: the seed corpus (``data/train/*.jsonl``) and ``annotator pull``
output, as one validated table.

Two row formats are read from JSONL, CSV or Parquet files (or directories of them):

- corpus rows (``schemas/train.schema.json``): ``text``, ``label``, ``topic``, ``article_id``, optional ``kind`` and
  ``source`` / ``cue`` spans (``[start, end]``, end-exclusive character offsets into ``text``, or null);
- pulled annotations: ``sentence_id``, ``text``, ``label`` and ``annotator`` (one row per annotation; optional
  ``source_span`` / ``cue_span``, ``topic``). Several annotations of one sentence are resolved to the reviewer's
  decision when they carry one (``review_label``, see ``annotator review``), else to their majority label; a tie is
  left out and counted. Rows of ``annotator pull --resolved`` (no ``annotator``) count as one label each, the
  decision or majority that pull chose; a tie there (``origin`` "tie", no label) is left out and counted. The
  article id is the part of ``sentence_id`` before its last ``:``.

Labels must be in the label set of ``schemas/label_config.xml``. A bad line is reported with its file and line
number (through ``on_error``) and left out; the rest is read.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.errors import InputError
from annotator.io import Row
from annotator.io.files import cannot_read, format_of, open_text, suffixes, text_lines
from annotator.io.parse import json_value
from annotator.io.write import unescape_cell
from annotator.labels import CONFIG_NAME, labels
from annotator.resources import schema_path

if TYPE_CHECKING:
    import pandas as pd
    from jsonschema import Draft202012Validator

TRAIN_SCHEMA = "train.schema.json"
# Topics of data/train held out of the shipped model's training data, chosen for distinct vocabularies (people on
# the move and the Home Office; studies, papers and labs; trains, roads and airports) while leaving nine topics to
# learn from. Fixed, so the card's held-out metrics are comparable from one model to the next.
HELD_OUT_TOPICS: tuple[str, ...] = ("migration", "science", "transport")
COLUMNS = ("text", "label", "topic", "article_id", "kind", "source", "cue", "sentence_id", "annotations", "agreed")
#: :func:`read_annotations`' columns: one row per annotation, with its annotator
ANNOTATION_COLUMNS = (*COLUMNS, "annotator")
FORMATS = ("jsonl", "csv", "parquet")
SUFFIXES = suffixes(FORMATS)
_SPAN_FIELDS = {"source": ("source", "source_span"), "cue": ("cue", "cue_span")}


@dataclass
class CorpusReport:
    """What reading labelled data found: files, rows kept, errors, annotations resolved and ties left out."""

    files: int = 0
    rows: int = 0
    annotations: int = 0
    ties: int = 0
    reviewed: int = 0  # pulled sentences whose label is a reviewer's decision (review_label)
    skipped: int = 0  # pulled rows without a label (skipped or cancelled annotations)
    errors: list[InputError] = field(default_factory=list)


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_path(TRAIN_SCHEMA).read_text(encoding="utf-8")))


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the labelled files (``.jsonl``, ``.ndjson``, ``.csv``, ``.parquet``) under directories."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        else:
            out.append(p)
    return out


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, record) pairs of one file; a record that is not an object is yielded as it is, to be reported."""
    if not path.exists():
        raise cannot_read(path, FileNotFoundError(path))  # before its suffix: a missing path has no type to tell
    fmt = format_of(path, FORMATS)
    if fmt == "parquet":
        yield from _parquet_records(path)
        return
    if fmt == "csv":
        with open_text(path) as fh:
            # our CSV writers escape cells a spreadsheet would run as formulas: read them back as they were
            for n, rec in enumerate(csv.DictReader(fh), start=2):
                yield f"line {n} of {path}", {k: unescape_cell(v) for k, v in rec.items()}
        return
    for n, line in text_lines(path):
        if not line.strip():
            continue
        where = f"line {n} of {path}"
        try:
            yield where, json_value(where, line)
        except InputError as err:
            yield where, err


def _parquet_records(path: Path) -> Iterator[tuple[str, Any]]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    except ValueError as exc:  # pyarrow's ArrowInvalid: not a Parquet file
        raise InputError(str(path), f"cannot read ({exc})") from exc
    for n, rec in enumerate(frame.to_dict(orient="records"), start=1):
        # a list column (a span) reads as numpy arrays, numbers as numpy scalars: plain Python, as JSON gives them
        yield f"row {n} of {path}", {k: v.tolist() if hasattr(v, "tolist") else v for k, v in rec.items()}


def _missing(value: Any) -> bool:
    """None, "", NaN: a field left empty (a span read from Parquet is an array, never missing)."""
    return value is None or (isinstance(value, str) and value == "") or (isinstance(value, float) and math.isnan(value))


def _span(where: str, name: str, value: Any, text: str) -> list[int] | None:
    """A span field as [start, end], or None; JSON text (CSV) is parsed; a list of spans keeps the first."""
    if _missing(value):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(where, f"field {name!r} is not a JSON span: {value!r}") from exc
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple) and value and isinstance(value[0], list | tuple | dict):
        value = value[0]  # pulled rows may carry several regions; the first is the one we keep
    if isinstance(value, dict):
        value = [value.get("start"), value.get("end")]
    if value is None or (isinstance(value, list | tuple) and not value):
        return None
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise InputError(where, f"field {name!r} must be [start, end] (integers) or null; got {value!r}")
    start, end = value
    if not 0 <= start < end <= len(text):
        raise InputError(where, f"field {name!r} {list(value)} is not a span of the text (length {len(text)})")
    return [start, end]


def _label(where: str, value: Any) -> str:
    known = labels()
    if not isinstance(value, str) or value not in known:
        raise InputError(where, f"unknown label {value!r}; {CONFIG_NAME} defines {list(known)}")
    return value


def _corpus_row(where: str, rec: dict[str, Any]) -> Row:
    rec = {k: v for k, v in rec.items() if not (k in ("kind", "source", "cue") and _missing(v))}
    for name in ("source", "cue"):
        if isinstance(rec.get(name), str):  # CSV: spans are JSON text
            try:
                rec[name] = json.loads(rec[name])
            except json.JSONDecodeError as exc:
                raise InputError(where, f"field {name!r} is not a JSON span: {rec[name]!r}") from exc
    errors = sorted(_validator().iter_errors(rec), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        at = f"field {'.'.join(map(str, err.path))!r}: " if err.path else ""
        raise InputError(where, f"{at}{err.message}")
    text = rec["text"]
    return {
        "text": text,
        "label": _label(where, rec["label"]),
        "topic": rec["topic"],
        "article_id": rec["article_id"],
        "kind": rec.get("kind"),
        "source": _span(where, "source", rec.get("source"), text),
        "cue": _span(where, "cue", rec.get("cue"), text),
        "sentence_id": rec.get("sentence_id"),
        "annotations": 1,
        "agreed": None,
    }


def _pulled_row(where: str, rec: dict[str, Any]) -> Row | None:
    for name in ("sentence_id", "text"):
        if not isinstance(rec.get(name), str) or not rec[name]:
            got = sorted(rec) if name not in rec else repr(rec[name])
            raise InputError(where, f"field {name!r} missing or empty; got {got}")
    if _missing(rec.get("label")):
        return None  # a skipped or cancelled annotation
    text = rec["text"]
    sid = rec["sentence_id"]
    topic = rec.get("topic")
    return {
        "text": text,
        "label": _label(where, rec["label"]),
        "topic": None if _missing(topic) else str(topic),
        "article_id": sid.rsplit(":", 1)[0] if ":" in sid else sid,
        "kind": None if _missing(rec.get("kind")) else rec.get("kind"),
        "source": next((_span(where, f, rec[f], text) for f in _SPAN_FIELDS["source"] if f in rec), None),
        "cue": next((_span(where, f, rec[f], text) for f in _SPAN_FIELDS["cue"] if f in rec), None),
        "sentence_id": sid,
        "annotations": 1,
        "agreed": rec.get("agreed") if isinstance(rec.get("agreed"), bool) else None,
        "review_label": None if _missing(rec.get("review_label")) else _label(where, rec["review_label"]),
    }


def _resolve(rows: list[Row], report: CorpusReport) -> dict[str, Row]:
    """One row per pulled sentence (by sentence id): the reviewer's decision if a row carries one, else the
    majority label; ties are left out and counted."""
    by_sentence: dict[str, list[Row]] = {}
    for row in rows:
        by_sentence.setdefault(row["sentence_id"], []).append(row)
    out: dict[str, Row] = {}
    for sid, group in by_sentence.items():
        counts = Counter(r["label"] for r in group).most_common()
        decision = next((r["review_label"] for r in group if r.get("review_label")), None)
        if decision is not None:
            report.reviewed += 1
            out[sid] = {**group[0], "label": decision, "annotations": len(group), "agreed": len(counts) == 1}
            continue
        if len(group) == 1:
            out[sid] = group[0]
            continue
        if len(counts) > 1 and counts[0][1] == counts[1][1]:
            report.ties += 1
            continue
        label = counts[0][0]
        first = next(r for r in group if r["label"] == label)
        out[sid] = {**first, "annotations": len(group), "agreed": len(counts) == 1}
    return out


def read_labelled(
    paths: Iterable[str | Path],
    *,
    report: CorpusReport | None = None,
    on_error: Callable[[InputError], None] | None = None,
) -> pd.DataFrame:
    """Read labelled sentences into one table with :data:`COLUMNS`.

    Parameters
    ----------
    paths : iterable of str or Path
        Files (``.jsonl``, ``.ndjson``, ``.csv``, ``.parquet``) or directories of them.
    report : CorpusReport, optional
        Filled with counts and the errors met.
    on_error : callable, optional
        Called with each :class:`~annotator.errors.InputError` (a bad file or line) as it is met; the rest is read.

    Returns
    -------
    pandas.DataFrame
        One row per labelled sentence, in input order (resolved pulled sentences at the place of their first
        annotation).
    """
    report = report if report is not None else CorpusReport()
    corpus: list[Row] = []
    pulled: list[Row] = []
    order: list[tuple[list[Row], int]] = []  # (corpus or pulled, index) in input order
    for row, _rec, is_pulled in _labelled_rows(paths, report, on_error):
        table = pulled if is_pulled else corpus
        table.append(row)
        order.append((table, len(table) - 1))
    rows = _in_order(order, pulled, _resolve(pulled, report))
    report.rows = len(rows)
    import pandas as pd  # pandas only when a table is made: commands that need none start faster

    return pd.DataFrame.from_records(rows, columns=list(COLUMNS))


def read_annotations(
    paths: Iterable[str | Path],
    *,
    report: CorpusReport | None = None,
    on_error: Callable[[InputError], None] | None = None,
) -> pd.DataFrame:
    """As :func:`read_labelled`, but pulled annotations are not resolved: one row per annotation, in input order,
    with :data:`ANNOTATION_COLUMNS` (:data:`COLUMNS` and ``annotator``, None on corpus rows). For what looks at
    each annotator's label (``annotator audit``) rather than at each sentence's."""
    report = report if report is not None else CorpusReport()
    rows = [
        {**row, "annotator": _annotator(rec) if is_pulled else None}
        for row, rec, is_pulled in _labelled_rows(paths, report, on_error)
    ]
    report.rows = len(rows)
    import pandas as pd

    return pd.DataFrame.from_records(rows, columns=list(ANNOTATION_COLUMNS))


def _annotator(rec: dict[str, Any]) -> str | None:
    value = rec.get("annotator")
    return None if _missing(value) else str(value)


def _labelled_rows(
    paths: Iterable[str | Path], report: CorpusReport, on_error: Callable[[InputError], None] | None
) -> Iterator[tuple[Row, dict[str, Any], bool]]:
    """(row, record, whether it is a pulled annotation) for each labelled record of ``paths``, in input order;
    bad files and lines go to ``report.errors`` and ``on_error``, unlabelled annotations are counted as skipped."""

    def fail(err: InputError) -> None:
        report.errors.append(err)
        if on_error is not None:
            on_error(err)

    corpus: list[Row] = []
    pulled: list[Row] = []
    for path in expand(paths):
        report.files += 1
        try:
            for where, rec in _records(path):
                try:
                    row, table = _row(where, rec, corpus, pulled)
                except InputError as err:
                    fail(err)
                    continue
                if row is None:
                    tie = isinstance(rec, dict) and rec.get("origin") == "tie"  # pull --resolved: no majority
                    report.ties += tie
                    report.skipped += not tie
                    continue
                if table is pulled:
                    report.annotations += 1
                yield row, rec, table is pulled
        except InputError as err:
            fail(err)


def _row(where: str, rec: Any, corpus: list[Row], pulled: list[Row]) -> tuple[Row | None, list[Row]]:
    """One record as a row and the table it belongs to: ``pulled`` (an annotation; None if it has no label) or
    ``corpus``."""
    if isinstance(rec, InputError):
        raise rec
    if not isinstance(rec, dict):
        raise InputError(where, f"expected a JSON object; got {type(rec).__name__}")
    if "annotator" in rec or ("sentence_id" in rec and "topic" not in rec):
        return _pulled_row(where, rec), pulled
    return _corpus_row(where, rec), corpus


def _in_order(order: list[tuple[list[Row], int]], pulled: list[Row], resolved: dict[str, Row]) -> list[Row]:
    """Corpus rows and resolved pulled sentences (at the place of their first annotation), in input order."""
    seen: set[str] = set()
    rows: list[Row] = []
    for table, i in order:
        if table is not pulled:
            rows.append(table[i])
            continue
        sid = pulled[i]["sentence_id"]
        if sid in seen:
            continue
        seen.add(sid)
        match = resolved.get(sid)
        if match is not None:
            rows.append(match)
    return rows


def data_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of the labelled rows (text, label, topic, article_id, in order): what the model was trained on."""
    h = hashlib.sha256()
    for text, label, topic, article in frame[["text", "label", "topic", "article_id"]].itertuples(index=False):
        h.update(json.dumps([text, label, topic, article], ensure_ascii=False).encode("utf-8") + b"\n")
    return h.hexdigest()

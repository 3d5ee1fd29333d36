"""Label quality on real news, side by side: three systems on three sets, in one run.

Systems:

- the model under test (``models/default``, or ``--model``), through the package's prediction API;
- the old shipped model ``models/f485338fefb27e29`` run by the code it shipped with: the package at
  :data:`OLD_COMMIT` (``git archive``: ``annotator`` and ``schemas``) in a temporary directory, in a subprocess with
  ``PYTHONPATH`` set to it, writing its predictions as JSONL; skipped with a note when git or the commit is missing,
  or with ``--no-old``;
- a cue-word baseline (:func:`cue_words`), the twenty lines a user would write first: a dispute word (denied,
  rejected, false, could not confirm, no evidence...) makes a sentence contested; a named-looking reporting phrase
  ("<Capitalised> said", "according to <Capitalised>") attributed; anything else unverified. Its one-hot
  confidence makes its calibration error its error rate.

Sets:

- realnews_dev (``../shared/data/realnews_dev``, evaluation only): each system pre-labels the twelve ``.txt`` files
  end to end (read, split, predict); the agreed gold units (``gold.jsonl``, without ``heading`` and ``?``) are
  matched to the predicted sentences of their article by whitespace-normalised text, a gold unit inside a longer
  predicted sentence taking that sentence's label;
- held-out topics: the rows of ``data/train`` whose topic is in ``annotator.io.labelled.HELD_OUT_TOPICS``;
- seeds: the two scraped articles in ``../shared/seeds``, pre-labelled end to end and scored against the project's
  own labels (``benchmarks/seeds_labels.jsonl``: offsets of ``annotator split``'s sentences, never their text;
  ``schemas/seed_labels.schema.json``).

Every prediction reads each sentence in its article (``articles=``, as ``annotator prelabel`` will). Per system and
set: n, macro-F1, per-label F1, expected calibration error (10 equal-width bins) and the confusion matrix (rows gold,
columns predicted); then the model under test's errors on realnews_dev by kind
(:mod:`annotator.classifier.error_kinds`), each one with ``--show-errors``; its ``annotator prelabel`` throughput
(``benchmarks/prelabel.py``'s corpus and runner, about 2 MB, one worker); the peak memory.

Usage: python benchmarks/quality.py [--model DIR] [--json FILE] [--no-old] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # for shared_data: where ../shared lives
import shared_data

ROOT = Path(__file__).resolve().parents[1]
SEED_LABELS = ROOT / "benchmarks" / "seeds_labels.jsonl"
Row = dict[str, Any]

# -- the cue-word baseline ------------------------------------------------------------------------------------------

# the labelling guideline's own words (../shared/spec/labels.md): its dispute words and typical reporting cues; not
# tuned on any set
_DISPUTE = re.compile(
    r"\b(?:disput|den(?:y|ies|ied|ial)|reject|doubt|unconfirmed|contradict|debunk|false|misleading|no evidence"
    r"|(?:could|can|did|has|have) ?n[o']t (?:be |been )?(?:independently )?(?:confirm|verif|provide))",
    re.IGNORECASE,
)
_VERB = r"(?:said|says|told|added|wrote|announced|confirmed|reported|found|estimates|accused|argued|warned|claimed)"
_NAMED = re.compile(rf"\b[A-Z][\w’'.-]+ (?:has |had )?{_VERB}\b|\b{_VERB} [A-Z][a-z]|\b[Aa]ccording to (?:the )?[A-Z]")


def cue_words(text: str) -> str:
    """The baseline's label: contested on a dispute word, attributed on a named-looking reporting phrase, else
    unverified."""
    if _DISPUTE.search(text):
        return "contested"
    return "attributed" if _NAMED.search(text) else "unverified"


# -- the sets -------------------------------------------------------------------------------------------------------


@dataclass
class Gold:
    """A labelled unit: its article, text, label, and where it is listed (file and index, or offsets)."""

    article_id: str
    text: str
    label: str
    where: str


@dataclass
class LabelledSet:
    """A set: its gold units and either the files pre-labelled end to end or the rows predicted as they are."""

    name: str
    gold: list[Gold]
    files: list[str] = field(default_factory=list)  # end to end: gold matched to the predicted sentences


_QUOTES = "\"'“”‘’ "


def norm(text: str) -> str:
    return " ".join(text.split())


def realnews() -> LabelledSet:
    folder = shared_data.need_or_exit(shared_data.REALNEWS_DEV, pattern="*.txt")
    rows = [json.loads(line) for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = [
        Gold(Path(r["file"]).stem, r["text"], r["label"], f"{r['file']} #{r['index']}")
        for r in rows
        if r["label"] not in ("heading", "?")
    ]
    return LabelledSet("realnews_dev", gold, sorted(str(p) for p in folder.glob("*.txt")))


def held_out() -> LabelledSet:
    from annotator.io.labelled import HELD_OUT_TOPICS, read_labelled

    frame = read_labelled([ROOT / "data" / "train"])
    frame = frame[frame["topic"].isin(HELD_OUT_TOPICS)]
    gold = [
        Gold(a, t, lab, f"{a} #{i}")
        for i, (a, t, lab) in enumerate(zip(frame["article_id"], frame["text"], frame["label"], strict=True))
    ]
    return LabelledSet("held-out topics", gold)


def seeds() -> LabelledSet:
    """The seed articles, with the project's labels read (and checked against their schema) from
    ``benchmarks/seeds_labels.jsonl``; each unit's text is cut from the article as ingested."""
    import jsonschema

    from annotator.io.articles import read_articles
    from annotator.resources import schema_path

    shared_data.need_or_exit(shared_data.SEEDS, pattern="*.txt")
    validator = jsonschema.Draft202012Validator(json.loads(schema_path("seed_labels.schema.json").read_text()))
    files = shared_data.seed_files()
    texts = {a.id: a.text for a in read_articles(files)}
    gold = []
    for n, line in enumerate(SEED_LABELS.read_text(encoding="utf-8").splitlines(), 1):
        rec = json.loads(line)
        error = jsonschema.exceptions.best_match(validator.iter_errors(rec))
        if error is not None:
            raise SystemExit(f"line {n} of {SEED_LABELS.name}: {error.message}")
        article = Path(rec["file"]).stem
        gold.append(
            Gold(
                article,
                texts[article][rec["start"] : rec["end"]],
                rec["label"],
                f"{rec['file']} {rec['start']}-{rec['end']}",
            )
        )
    return LabelledSet("seeds", gold, [str(p) for p in files])


# -- the systems: each gives, per set, predicted rows {article_id, text, label, scores} -------------------------------


def split_rows(files: Sequence[str]) -> list[Row]:
    """The sentences of ``files`` as ``annotator split`` (and so ``annotator prelabel``) makes them."""
    from annotator.io.articles import read_articles
    from annotator.text.split import article_rows

    return [{"article_id": r["article_id"], "text": r["text"]} for a in read_articles(files) for r in article_rows(a)]


def units(s: LabelledSet) -> list[Row]:
    """What a system in this process labels for set ``s``: its files' sentences, or its rows."""
    if s.files:
        return split_rows(s.files)
    return [{"article_id": g.article_id, "text": g.text} for g in s.gold]


def predict_ours(predictor: Any, rows: list[Row]) -> list[Row]:
    """The model under test on ``rows``, each read in its article; with each sentence's traits for error kinds."""
    from annotator.classifier.error_kinds import traits_of

    texts, articles = [r["text"] for r in rows], [r["article_id"] for r in rows]
    predictions = predictor.predict(texts, articles=articles)
    analyses = predictor.analyse(texts, articles)
    return [
        {**r, "label": p.label, "scores": p.scores, "traits": sorted(traits_of(a, r["text"]))}
        for r, p, a in zip(rows, predictions, analyses, strict=True)
    ]


def predict_cue_words(rows: list[Row]) -> list[Row]:
    out = []
    for r in rows:
        label = cue_words(r["text"])
        out.append({**r, "label": label, "scores": {label: 1.0}})
    return out


# -- scoring ----------------------------------------------------------------------------------------------------------


def match(gold: Sequence[Gold], predicted: Sequence[Row]) -> list[Row | None]:
    """Per gold unit, the predicted sentence of its article with the same text (whitespace-normalised, quotation
    marks at the ends left out), else the first one that contains it, else the first one it begins with (a gold
    unit split into several predicted sentences takes the label of the first, the one with the speaker); None when
    there is none."""
    by_article: dict[str, list[tuple[str, Row]]] = {}
    for row in predicted:
        by_article.setdefault(row["article_id"], []).append((_key(row["text"]), row))
    out: list[Row | None] = []
    for g in gold:
        text, candidates = _key(g.text), by_article.get(g.article_id, [])
        found = next((r for t, r in candidates if t == text), None)
        found = found or next((r for t, r in candidates if text in t), None)
        out.append(found or next((r for t, r in candidates if t and text.startswith(t)), None))
    return out


def _key(text: str) -> str:
    return norm(text).strip(_QUOTES)


def score(s: LabelledSet, predicted: list[Row]) -> tuple[dict[str, Any], list[tuple[Gold, Row]]]:
    """The metrics of ``predicted`` against the set's gold units, and the (gold, predicted) pairs scored."""
    import numpy as np

    from annotator.classifier.training import metrics
    from annotator.labels import labels

    found = match(s.gold, predicted) if s.files else list(predicted)
    pairs = [(g, r) for g, r in zip(s.gold, found, strict=True) if r is not None]
    order = list(labels())
    proba = np.array([[r["scores"].get(lab, 0.0) for lab in order] for _, r in pairs]).reshape(len(pairs), len(order))
    result = metrics([g.label for g, _ in pairs], proba, order)
    result["matched"] = len(pairs)
    result["gold_units"] = len(s.gold)
    result["spread"] = sum(_key(g.text) not in _key(r["text"]) for g, r in pairs)
    return result, pairs


# -- the run --------------------------------------------------------------------------------------------------------

LABELS = ("attributed", "unverified", "contested")  # the column order of the tables (checked against labels())


def table(s: LabelledSet, results: dict[str, dict[str, Any]]) -> None:
    """One set's figures for every system, then the confusion matrices side by side."""
    matched = sorted({f"{m['matched']}/{m['gold_units']}" for m in results.values()})
    how = "pre-labelled end to end, gold units matched by text" if s.files else "predicted as they are"
    spread = max(m["spread"] for m in results.values())
    note = f"; {spread} of them spread over several predicted sentences" if spread else ""
    print(f"\n{s.name}: {len(s.gold)} gold units, {how}; matched {' or '.join(matched)}{note}")
    print(f"{'system':<20} {'n':>5} {'macro-F1':>8} " + " ".join(f"{lab:>10}" for lab in LABELS) + f" {'ECE':>6}")
    for name, m in results.items():
        per = " ".join(f"{m['per_label'][lab]['f1']:>10.3f}" for lab in LABELS)
        print(f"{name:<20} {m['n']:>5} {m['macro_f1']:>8.3f} {per} {m['ece']:>6.3f}")
    print(f"confusion (rows gold, columns predicted: {', '.join(LABELS)})")
    print(f"{'':<12}" + "".join(f"{name:>20}" for name in results))
    for i, lab in enumerate(LABELS):
        cells = ["".join(f"{v:>5}" for v in m["confusion"]["matrix"][i]) for m in results.values()]
        print(f"{lab:<12}" + "".join(f"{c:>20}" for c in cells))


def errors(pairs: list[tuple[Gold, Row]], show: bool) -> dict[str, Any]:
    """The model under test's errors on a set, by kind (and each one with ``show``)."""
    from annotator.classifier.error_kinds import error_kind, format_summary, kind_table

    wrong = [(g, r, error_kind(g.label, r["label"], r["traits"])) for g, r in pairs if g.label != r["label"]]
    kinds = kind_table(k for _, _, k in wrong)
    summary = {
        "n": len(pairs),
        "errors": len(wrong),
        "kinds": [{"kind": k.kind, "errors": k.errors, "share": round(k.share, 6)} for k in kinds],
    }
    print(format_summary(summary))
    if show:
        print(f"\n{'where':<48} {'gold':<10} {'predicted':<10} {'conf':>5}  kind | sentence")
        for g, r, kind in sorted(wrong, key=lambda e: e[2]):
            print(f"{g.where:<48} {g.label:<10} {r['label']:<10} {max(r['scores'].values()):>5.2f}  {kind} | {g.text}")
    summary["each"] = [
        {"where": g.where, "gold": g.label, "predicted": r["label"], "confidence": max(r["scores"].values()), "kind": k}
        for g, r, k in wrong
    ]
    return summary


def throughput(model_dir: str) -> dict[str, Any]:
    """``annotator prelabel`` end to end on about 2 MB of articles, one worker (``benchmarks/prelabel.py``'s corpus
    and runner)."""
    from prelabel import build_corpus, run_cli  # benchmarks/prelabel.py, beside this script

    with tempfile.TemporaryDirectory(prefix="quality-prelabel-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        size = build_corpus(corpus, 2.0)
        m = run_cli(
            "prelabel", [str(corpus), "-o", str(Path(tmp) / "out.jsonl"), "--model", model_dir, "--workers", "1"]
        )
    print(
        f"\nannotator prelabel, model under test, {size / 1e6:.1f} MB of articles (data/articles and the seeds), one "
        f"worker: {m.sentences:,} sentences in {m.cpu:.1f} CPU s = {m.per_cpu:,.0f} sentences per CPU second "
        f"({m.per_wall:,.0f} per wall second; benchmarks/prelabel.py measures it in full)"
    )
    return {
        "megabytes": round(size / 1e6, 2),
        "sentences": m.sentences,
        "cpu_s": m.cpu,
        "sentences_per_cpu_s": m.per_cpu,
    }


def systems(args: argparse.Namespace, sets: list[LabelledSet]) -> dict[str, dict[str, list[Row]]]:
    """Per system, its predicted rows per set: the model under test first."""
    from quality_old import OLD_COMMIT, OLD_MODEL, predict_old

    from annotator.classifier.artefacts import load_predictor

    predictor = load_predictor(args.model)
    rows = {s.name: units(s) for s in sets}
    print(f"model under test: {args.model}, version {predictor.model_version}")
    out = {"model under test": {s.name: predict_ours(predictor, rows[s.name]) for s in sets}}
    if args.no_old:
        print("old model: skipped (--no-old)")
    else:
        files = {s.name: s.files for s in sets if s.files}
        old = predict_old(files, {s.name: rows[s.name] for s in sets if not s.files})
        if isinstance(old, str):
            print(f"old model: skipped, {old}")
        else:
            print(f"old model: {OLD_MODEL.name}, version {old[0]}, run by the code at {OLD_COMMIT[:7]}")
            out["old model"] = old[1]
    print("cue-word baseline: a dispute word, then a named-looking reporting phrase (benchmarks/quality.py)")
    out["cue-word baseline"] = {s.name: predict_cue_words(rows[s.name]) for s in sets}
    return out


def to_card(model_dir: Path, report: dict[str, Any], system: str) -> None:
    """Record the real-news figures of ``system`` (the model under test) on its card, under ``real_news``: the
    evaluation sets are read from ../shared at run time and never trained on; the card keeps only the figures."""
    from annotator.io.atomic import atomic_path

    path = model_dir / "card.json"
    card = json.loads(path.read_text(encoding="utf-8"))
    card["real_news"] = {
        "date": report["date"],
        "measured_by": "benchmarks/quality.py --card (evaluation only: never trained on)",
        "realnews_dev": report["sets"]["realnews_dev"][system],
        "errors_by_kind": report["errors"],
        "seeds": report["sets"]["seeds"][system],
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"real-news figures recorded on {path}")


def write_json(path: str, report: Any) -> None:
    """``report`` as indented JSON at ``path``, written atomically (the --json of the label-quality scripts)."""
    from annotator.io.atomic import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--model", default=str(ROOT / "models" / "default"), help="model under test (default models/default)"
    )
    ap.add_argument("--json", help="also write every figure to this JSON file (atomically)")
    ap.add_argument("--no-old", action="store_true", help="skip the old model run by its own code")
    ap.add_argument(
        "--card",
        action="store_true",
        help="record the model under test's real-news figures on its card (card.json: real_news); make model does",
    )
    ap.add_argument(
        "--show-errors", action="store_true", help="list each error of the model under test on realnews_dev"
    )
    args = ap.parse_args()
    from annotator.labels import labels

    assert set(labels()) == set(LABELS), labels()
    sets = [realnews(), held_out(), seeds()]
    predicted = systems(args, sets)
    report: dict[str, Any] = {"date": datetime.now(UTC).date().isoformat(), "sets": {}}
    for s in sets:
        results, pairs = {}, {}
        for name, per_set in predicted.items():
            results[name], pairs[name] = score(s, per_set[s.name])
        table(s, results)
        report["sets"][s.name] = results
        if s.name == "realnews_dev":
            first = next(iter(predicted))
            print(f"\nthe model under test's errors on {s.name}")
            report["errors"] = errors(pairs[first], args.show_errors)
    report["throughput"] = throughput(args.model)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB resident in this process, {children:.0f} MiB in the largest subprocess")
    report["peak_rss_mib"] = {"self": round(peak), "largest_child": round(children)}
    if args.card:
        first = next(iter(predicted))
        to_card(Path(args.model), report, first)
    if args.json:
        write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``make demo``: split the sample articles and show what came out.

(The Label Studio issue turns this into the full browser demo.)
"""

from __future__ import annotations

import sys

import pandas as pd

from annotator.ingest import ReadReport
from annotator.split import split


def main(argv: list[str] | None = None) -> int:
    paths = (argv if argv is not None else sys.argv[1:]) or ["data/articles"]
    report = ReadReport()
    df = split(paths, report=report)
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    print(f"{report.articles} articles from {report.files} files -> {len(df)} sentences\n")
    by_kind = df.pivot_table(index="article_id", columns="kind", values="sentence_id", aggfunc="count", fill_value=0)
    by_kind["quoted"] = df.dropna(subset=["quote_id"]).groupby("article_id").size()
    by_kind = by_kind.fillna(0).astype(int)
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(by_kind.to_string(), "\n")
    for row in df.head(12).to_dict("records"):
        quote = "quote" if isinstance(row["quote_id"], str) else ""
        text = str(row["text"])
        text = text if len(text) <= 90 else text[:89] + "…"
        print(f"{row['sentence_id']:<40} {row['kind']:<8} {quote:<5} {text}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Files in and out: reading articles (plain text, Markdown, HTML, JSONL, CSV; files, directories or standard
input) and labelled sentence files, and writing rows (JSONL, CSV, Parquet) atomically. Everything that touches a
path or a file format lives here, so every command reads and writes the same way.

May import: the top-level kernel modules (``annotator.errors``, ``annotator.resources``, ``annotator.labels``).
Never imports: any other subpackage (``io`` sits at the bottom; it knows nothing of sentences, models or servers).
"""

from typing import Any

#: one row of a table (a sentence, a prediction, a ledger line, an annotation): column name -> value, as read from
#: and written to JSONL, CSV and Parquet; defined here, once, for every subpackage
Row = dict[str, Any]

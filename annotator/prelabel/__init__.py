"""Pre-labelling in batch: prediction rows per sentence, the labelling priority, and the engines that run
it over a corpus on one machine (processes) or on a Dask cluster, writing JSONL, CSV, Parquet or Label Studio tasks.

May import: the kernel, ``io``, ``text``, ``classifier``, :mod:`annotator.studio.tasks` (the task format).
Never imports: ``backend``, ``claims``, ``cli``.
"""

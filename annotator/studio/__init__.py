"""Label Studio: the client (label-studio-sdk behind one class), the local server (``annotator studio``),
tasks and predictions in Label Studio's JSON, push and pull (idempotent), inter-annotator agreement and per-annotator
quality figures, the review project (adjudication), gold tasks and ``make demo``.

May import: the kernel, ``io``, ``text``, ``classifier``, :mod:`annotator.prelabel.priority`.
Never imports: ``backend``, ``claims``, ``cli``.
"""

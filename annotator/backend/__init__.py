"""The live ML backend for Label Studio (``annotator serve``): the Starlette app (``/predict``, ``/setup``,
``/webhook``, ``/health``), micro-batching, and retraining in a separate process as annotations arrive.

May import: the kernel, ``io``, ``classifier``, ``prelabel``, ``studio``.
Never imports: ``claims``, ``cli``.
"""

"""The live ML backend for Label Studio (``annotator serve``): the Starlette app (``/predict``, ``/setup``,
``/webhook``, ``/health``), micro-batching, and retraining in a separate process as annotations arrive; who may
reach it (its secret, the Host and Origin check: ``guard``) and the uvicorn server with its deadlines (``server``).

May import: the kernel, ``io``, ``classifier``, ``prelabel``, ``studio``.
Never imports: ``claims``, ``cli``.
"""

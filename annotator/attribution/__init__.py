"""Who stands behind each sentence of an article, read once: ``article`` is the one analysis that the classifier's
features, the explanations, the ledger, drift and the report all read. It runs, per sentence, ``cues`` (tokens,
quotations and name mentions from ``mentions``; reporting, dispute and hedge cues with their source phrases, typed by
``kinds``) and ``signals`` (cues inside quotations, negated verification, anonymous phrases), then, per article or
corpus, ``sources`` (``aliases``, ``resolution`` and ``disputes``, returning ``records``). Word lists come from
``lexicon`` (``schemas/lexicon.json``); ``quantities`` reads numbers for claim drift.

May import: the kernel.
Never imports: ``io``, ``text``, ``classifier``, ``prelabel``, ``studio``, ``backend``, ``claims``, ``cli``.
"""

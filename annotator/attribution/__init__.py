"""Who stands behind a sentence: the lexicon (the guideline's word lists), mentions (tokens, names,
quotation spans), cues (reporting, hedging, disputing), typed sources and quantities, and ``analysis``, the
per-sentence cue analysis that the classifier's features and explanations read.

May import: the kernel.
Never imports: ``io``, ``text``, ``classifier``, ``prelabel``, ``studio``, ``backend``, ``claims``, ``cli``.
"""

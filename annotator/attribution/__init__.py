"""Who stands behind a sentence: the lexicon (the word lists of ``schemas/lexicon.json``), mentions (tokens, names,
quotation spans), cues (reporting, hedging, disputing), sources across a corpus (``sources`` runs ``aliases``,
``resolution`` and ``disputes`` and returns ``records``) and quantities; and ``analysis`` (with ``phrase_index`` and
``source_phrase``), the compiled per-sentence cue analysis that the classifier's features and explanations read.

May import: the kernel.
Never imports: ``io``, ``text``, ``classifier``, ``prelabel``, ``studio``, ``backend``, ``claims``, ``cli``.
"""

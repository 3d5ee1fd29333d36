"""From article text to sentences: boilerplate rules (cookie banners, share links, teasers), the sentence
segmenter and quotation spans, and ``split`` (articles -> sentence rows with ids and offsets). Compiled with mypyc.

May import: the kernel and :mod:`annotator.io`.
Never imports: ``attribution``, ``classifier``, ``prelabel``, ``studio``, ``backend``, ``claims``, ``cli``.
"""

"""What the sentences add up to: the article corpus (articles read once, with sentences and sources),
near-duplicate sentences, claim drift between outlets, the credibility ledger of quoted sources, and the HTML report
(with its inline SVG charts and, given agreement figures, the Annotation section) and ClaimReview export.

May import: the kernel, ``io``, ``text``, ``attribution``, ``classifier`` (a model's labels).
Never imports: ``prelabel``, ``studio``, ``backend``, ``cli``.
"""

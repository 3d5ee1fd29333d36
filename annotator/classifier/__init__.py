"""The scikit-learn classifier: features (the cue analysis as columns, word and character n-grams),
training and evaluation, the compiled predictor (numpy only, loads without scikit-learn) and model artefacts (skops
files, ``predictor.npz``, model cards).

May import: the kernel, :mod:`annotator.io` (labelled files, atomic writes), :mod:`annotator.attribution`.
Never imports: ``text``, ``prelabel``, ``studio``, ``backend``, ``claims``, ``cli``.
"""

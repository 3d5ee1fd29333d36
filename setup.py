"""Compile the hot paths with mypyc (the rest is in pyproject.toml).

``text/segment.py`` and ``text/boilerplate.py`` (the sentence splitter), ``attribution/`` up to ``article.py`` (the
article analysis every prediction runs) and the per-sentence row building of batch pre-labelling (``text/split.py``,
``prelabel/rows.py``, ``prelabel/priority.py``) are plain, fully typed Python; mypyc turns them into C extensions at build time (the splitter 1.35x,
the analysis about 1.4x, the row building about 5% of `annotator prelabel`; see benchmarks/segment.py and
benchmarks/prelabel.py). Set ANNOTATOR_PURE_PYTHON=1 to build a pure-Python wheel instead (same behaviour, slower).
"""

import os

from setuptools import setup

ext_modules = []
if os.environ.get("ANNOTATOR_PURE_PYTHON") != "1":
    from mypyc.build import mypycify

    # the build environment has no third-party packages or stubs: they are Any to the compiler, so a
    # "type: ignore" that `make lint` needs (numpy's untyped functions) is unused here
    compiled = [
        "text/segment",
        "text/boilerplate",
        "text/quotes",
        "text/split",
        "attribution/lexicon",
        "attribution/source_words",
        "attribution/mentions",
        "attribution/kinds",
        "attribution/phrases",
        "attribution/senses",
        "attribution/cues",
        "attribution/signals",
        "attribution/records",
        "attribution/aliases",
        "attribution/resolution",
        "attribution/disputes",
        "attribution/sources",
        "attribution/article",
        "prelabel/rows",
        "prelabel/priority",
    ]
    options = ["--ignore-missing-imports", "--no-warn-unused-ignores"]
    ext_modules = mypycify([*options, *(f"annotator/{name}.py" for name in compiled)], opt_level="3")

setup(ext_modules=ext_modules)

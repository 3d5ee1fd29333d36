"""Compile the hot paths with mypyc (the rest is in pyproject.toml).

``segment.py`` and ``boilerplate.py`` (the sentence splitter) and ``guideline.py`` (the guideline analysis every
prediction runs) are plain, fully typed Python; mypyc turns them into C extensions at build time (1.35x and about
1.4x faster, see benchmarks/segment.py and benchmarks/prelabel.py). Set ANNOTATOR_PURE_PYTHON=1 to build a
pure-Python wheel instead (same behaviour, slower).
"""

import os

from setuptools import setup

ext_modules = []
if os.environ.get("ANNOTATOR_PURE_PYTHON") != "1":
    from mypyc.build import mypycify

    # the build environment has no type stubs: third-party modules are Any to the compiler
    ext_modules = mypycify(
        ["--ignore-missing-imports", "annotator/segment.py", "annotator/boilerplate.py", "annotator/guideline.py"], opt_level="3"
    )

setup(ext_modules=ext_modules)

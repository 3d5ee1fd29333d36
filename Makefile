# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

PORT   ?= 8080

.PHONY: demo demo-stop test test-fast lint bench install clean model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The package is installed from a built wheel (not editable), so tests run what ships.
# build/ is removed first: setuptools would otherwise put stale compiled modules of an earlier layout in the wheel
$(STAMP): $(BIN)/python pyproject.toml constraints.txt setup.py $(shell find annotator schemas models data/train -type f -not -name '*.pyc')
	rm -rf build
	$(BIN)/python -m pip install --quiet -c constraints.txt ".[dev,studio,serve,dask]"
	touch $(STAMP)

install: $(STAMP)

# Starts Label Studio in the background (data in .studio/), pushes data/articles, prints the URL and login.
demo: $(STAMP)
	$(BIN)/python -m annotator.studio.demo --port $(PORT) data/articles

demo-stop: $(STAMP)
	$(BIN)/python -m annotator.studio.demo --stop

lint: $(STAMP)
	$(BIN)/ruff check annotator tests benchmarks
	$(BIN)/ruff format --check annotator tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The edit-test loop: everything but the tests marked studio (a real Label Studio), browser (chromium) or slow
# (over ~5 s, or a model trained on data/train); no lint. `make test` still runs all of them.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not studio and not browser and not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/segment.py
	$(BIN)/python benchmarks/drift.py
	$(BIN)/python benchmarks/train.py
	$(BIN)/python benchmarks/studio.py
	$(BIN)/python benchmarks/prelabel.py
	$(BIN)/python benchmarks/backend.py
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/audit.py
	$(BIN)/python benchmarks/agreement.py
	$(BIN)/python benchmarks/review.py

# The shipped model: trained on data/train minus the held-out topics (annotator.io.labelled.HELD_OUT_TOPICS), whose
# metrics go on models/default/card.json. Deterministic: tests/classifier/test_training.py retrains and compares.
model: $(STAMP)
	$(BIN)/annotator train data/train --out models/default
	-$(BIN)/python benchmarks/quality.py --no-old --card  # the real-news figures on the card (needs ../shared)

clean:
	rm -rf $(VENV) build *.egg-info

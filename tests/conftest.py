"""Shared fixtures: a real Label Studio server for the session (started with the real ``annotator studio`` command),
a connection to it, a small real scikit-learn model behind the ``Predictor`` protocol, and annotator's own model
trained here on the seed corpus (``model_dir``), and the shared data outside the repository (``seeds_dir``,
``golden_rules_file``, ``realnews_dev_dir``, ``labels_spec``), located by ``shared_data.py`` and skipped with the
missing path as reason when absent (failed instead under ``ANNOTATOR_REQUIRE_SHARED=1``).

The first run migrates a fresh Label Studio database (a minute or two on a busy machine) and keeps the migrated, empty
data directory under ``.cache/`` as a template; later sessions copy it, so the server starts in seconds. Each session
still runs its own server process on its own copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

# tests/ on sys.path, so that the tests (imported with --import-mode=importlib) can `import shared_data`
sys.path.append(str(Path(__file__).resolve().parent))
import pg_cluster
import shared_data

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO / "data" / "articles"
ARTEFACTS = REPO / "test-artefacts"  # gitignored: screenshots and logs worth looking at
CACHE = REPO / ".cache"
ANNOTATOR = str(Path(sys.executable).parent / "annotator")

# -- shared data: ../shared (or $ANNOTATOR_SHARED), never part of the repository -----------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{shared_data.MARKER}(reason): a parameter for shared data that is missing")
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (a throwaway cluster, tests/pg_cluster.py)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test parametrised over shared files that are missing fails, when they are required, with the reason naming
    the path (``shared_data.seed_params``; when they are not required, the parameter carries a skip mark instead)."""
    mark = item.get_closest_marker(shared_data.MARKER)
    if mark is not None:
        shared_data.missing(str(mark.args[0]))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The scraped seed articles (``*.txt``)."""
    return shared_data.need(shared_data.SEEDS, pattern="*.txt")


@pytest.fixture(scope="session")
def golden_rules_file() -> Path:
    """The Golden Rules of sentence splitting, one JSON object per line."""
    return shared_data.need(shared_data.GOLDEN_RULES)


@pytest.fixture(scope="session")
def realnews_dev_dir() -> Path:
    """Real news articles with two annotators' labels and a gold set."""
    return shared_data.need(shared_data.REALNEWS_DEV, pattern="*.txt")


@pytest.fixture(scope="session")
def labels_spec() -> Path:
    """The labelling guideline (``spec/labels.md``)."""
    return shared_data.need(shared_data.LABELS_SPEC)


@dataclass(frozen=True)
class Server:
    url: str
    token: str
    username: str
    password: str
    data_dir: Path
    pid: int | None = None  # of the `annotator studio` process


def _template() -> Path:
    """A migrated, empty Label Studio data directory (built once, then reused)."""
    from annotator.studio.local import LocalStudio, free_port

    template = CACHE / f"label-studio-{version('label-studio')}-template"
    if (template / "label_studio.sqlite3").exists() and (template / "credentials.json").exists():
        return template
    building = template.with_name(template.name + f".building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    with LocalStudio(building, port=free_port()):
        pass  # started (database migrated, admin and token created) and stopped
    shutil.rmtree(template, ignore_errors=True)
    building.rename(template)
    return template


# Markers that follow from the fixtures a test asks for, directly or through another fixture, so that they cannot be
# forgotten: a real Label Studio (the template is built by starting one once) is `studio`; annotator's model trained
# on data/train (``model_dir``, several seconds of training per session) is `slow`.
STUDIO_FIXTURES = frozenset({"studio_server", "studio_template", "postgres_server"})
POSTGRES_FIXTURES = frozenset({"postgres_cluster", "postgres_server"})
SLOW_FIXTURES = frozenset({"model_dir"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & STUDIO_FIXTURES:
            item.add_marker(pytest.mark.studio)
        if used & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
        if used & POSTGRES_FIXTURES:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def studio_template() -> Path:
    """A migrated, empty Label Studio data directory: copy it, do not use it in place."""
    return _template()


@pytest.fixture(scope="session")
def studio_server(tmp_path_factory: pytest.TempPathFactory, studio_template: Path) -> Iterator[Server]:
    """``annotator studio`` on a free port, on a copy of the template; stopped with SIGINT (Ctrl-C) at the end,
    which must end it cleanly (exit status 0, port closed)."""
    data_dir = tmp_path_factory.mktemp("studio") / "data"
    shutil.copytree(studio_template, data_dir, ignore=shutil.ignore_patterns("*.log", "*.pid"))
    log = tmp_path_factory.getbasetemp() / "annotator-studio.log"
    with _annotator_studio([], data_dir, log, dict(os.environ), timeout=240) as server:
        yield server


@contextlib.contextmanager
def _annotator_studio(options: list[str], data_dir: Path, log_path: Path, env: dict[str, str], *, timeout: float):
    """The real ``annotator studio --data-dir DATA_DIR OPTIONS`` on a free port, until healthy; SIGINT at the end must
    stop it cleanly (exit status 0, port closed)."""
    from annotator.studio.local import free_port, healthy

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [ANNOTATOR, "studio", "--port", str(port), "--data-dir", str(data_dir), *options],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while not healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"annotator studio did not come up; see {log.name} and {data_dir}/label-studio.log")
            time.sleep(0.5)
        creds = json.loads((data_dir / "credentials.json").read_text(encoding="utf-8"))
        try:
            yield Server(url, creds["token"], creds["username"], creds["password"], data_dir, proc.pid)
        finally:
            proc.send_signal(signal.SIGINT)
            status = proc.wait(timeout=60)
    assert status == 0, f"annotator studio exited with {status} on Ctrl-C"
    assert not healthy(url), "Label Studio still answers after annotator studio stopped"


# -- PostgreSQL: a throwaway cluster (tests/pg_cluster.py) and `annotator studio --postgres-*` on it -----------------


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[pg_cluster.Cluster]:
    """A throwaway PostgreSQL cluster on a free loopback port, stopped and removed at the end of the session; skipped
    when PostgreSQL is not installed (failed under ``ANNOTATOR_REQUIRE_POSTGRES=1``)."""
    from annotator.studio.local import free_port

    pg_cluster.need()
    cluster = pg_cluster.start(free_port())
    try:
        yield cluster
    finally:
        pg_cluster.stop(cluster)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory, postgres_cluster: pg_cluster.Cluster) -> Iterator[Server]:
    """``annotator studio --postgres-*`` on the throwaway cluster (the password in ``POSTGRE_PASSWORD``, never on the
    command line). Label Studio migrates the empty database first: about half a minute, up to a few on a busy
    machine."""
    c = postgres_cluster
    options = ["--postgres-host", c.host, "--postgres-port", str(c.port), "--postgres-db", c.database]
    options += ["--postgres-user", c.user]
    env = {**os.environ, "POSTGRE_PASSWORD": c.password}
    data_dir = tmp_path_factory.mktemp("studio-postgres") / "data"
    log = tmp_path_factory.getbasetemp() / "annotator-studio-postgres.log"
    with _annotator_studio(options, data_dir, log, env, timeout=420) as server:
        yield server


@pytest.fixture(scope="session")
def sdk(studio_server: Server):  # type: ignore[no-untyped-def]
    """The raw SDK client, to play the annotators' part and to inspect the server independently of our code."""
    from label_studio_sdk.client import LabelStudio

    return LabelStudio(base_url=studio_server.url, api_key=studio_server.token, timeout=300)


@pytest.fixture
def studio(studio_server: Server):  # type: ignore[no-untyped-def]
    from annotator.studio.client import Studio

    return Studio(studio_server.url, studio_server.token)


@pytest.fixture
def title() -> str:
    """A project title no other test uses."""
    return f"test {uuid.uuid4().hex[:10]}"


@pytest.fixture
def cli_env(studio_server: Server) -> dict[str, str]:
    return {**os.environ, "LABEL_STUDIO_URL": studio_server.url, "LABEL_STUDIO_API_KEY": studio_server.token}


@pytest.fixture
def project_tasks(sdk):  # type: ignore[no-untyped-def]
    """A function: every task of project ``title`` as the server has it, read with the raw SDK (not our code)."""

    def read(title: str) -> list[dict]:
        projects = [p for p in sdk.projects.list(title=title) if p.title == title]
        assert len(projects) == 1, f"expected one project titled {title!r}, found {len(projects)}"
        return [
            {
                "id": t.id,
                "data": t.data,
                "predictions": [p if isinstance(p, dict) else p.dict() for p in t.predictions or []],
                "annotations": [a if isinstance(a, dict) else a.dict() for a in t.annotations or []],
                "project": projects[0].id,
            }
            for t in sdk.tasks.list(project=projects[0].id, fields="all", page_size=1000)
        ]

    return read


# -- a small real model behind the Predictor protocol --------------------------------------------

_SOURCE_BEFORE = re.compile(r"((?:[A-Z][\w'’.-]*\s+){1,4})$")


class SklearnPredictor:
    """TF-IDF + logistic regression, trained on the sample articles with labels from the shared lexicon's cues
    (a dispute cue: contested; a reporting verb: attributed; else unverified). Cue spans are lexicon matches;
    the source span is the run of capitalised words right before a reporting verb."""

    def __init__(self, texts: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        from annotator.attribution.phrases import matcher

        self._lex = matcher()
        y = [self._cue_label(t) for t in texts]
        self.pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=1), LogisticRegression(max_iter=500))
        self.pipeline.fit(list(texts), y)
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:8]
        self._version = f"test-tfidf-lr-{digest}"

    def _cue_label(self, text: str) -> str:
        if self._lex.spans("dispute_cues", text):
            return "contested"
        if self._lex.spans("reporting_verbs", text):
            return "attributed"
        return "unverified"

    @property
    def model_version(self) -> str:
        return self._version

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.pipeline.classes_)

    def predict(self, texts: Sequence[str], *, articles: Sequence[object] | None = None):  # type: ignore[no-untyped-def]
        """``articles`` is accepted as the Predictor protocol has it, and ignored: n-grams read no context."""
        from annotator.predictions import Prediction

        if not texts:
            return []
        proba = self.pipeline.predict_proba(list(texts))
        classes = self.classes
        out = []
        for text, p in zip(texts, proba, strict=True):
            best = int(np.argmax(p))
            verbs = self._lex.spans("reporting_verbs", text)
            cues = sorted(verbs + self._lex.spans("dispute_cues", text))
            sources = []
            for start, _end in verbs:
                m = _SOURCE_BEFORE.search(text[:start])
                if m:
                    sources.append((m.start(1), m.start(1) + len(m.group(1).rstrip())))
            out.append(
                Prediction(
                    label=classes[best],
                    score=float(p[best]),
                    scores={c: float(x) for c, x in zip(classes, p, strict=True)},
                    source_spans=tuple(sources),
                    cue_spans=tuple(cues),
                )
            )
        return out


@pytest.fixture(scope="session")
def sample_rows() -> list[dict]:
    from annotator.text.split import split

    return split([ARTICLES]).to_dict("records")


@pytest.fixture(scope="session")
def predictor(sample_rows: list[dict]) -> SklearnPredictor:
    return SklearnPredictor([str(r["text"]) for r in sample_rows])


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """annotator's pipeline trained on ``data/train`` and saved with :func:`annotator.classifier.artefacts.save` (once
    per session)."""
    from annotator.classifier import artefacts
    from annotator.classifier.training import train
    from annotator.io.labelled import read_labelled

    frame = read_labelled([REPO / "data" / "train"])
    directory = tmp_path_factory.mktemp("model")
    artefacts.save(train(frame["text"].tolist(), frame["label"].tolist()), directory)
    return directory


# -- the browser: Debian's chromium, never a browser downloaded by Playwright -----------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium() -> dict[str, object]:
    """Keyword arguments for ``playwright.chromium.launch``: Debian's chromium, headless, with nothing reaching out."""
    import shutil

    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: apt-get install -y chromium"
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    args += ["--disable-component-update", "--disable-sync", "--no-first-run"]
    return {"executable_path": CHROMIUM, "args": args}

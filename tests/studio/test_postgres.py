"""Label Studio on PostgreSQL, as teams run it: the real ``annotator studio --postgres-*`` against a throwaway cluster
(tests/pg_cluster.py, started once per session by tests/conftest.py). What the server stores is read back from the
database's own tables with psycopg, not through Label Studio. Skipped when PostgreSQL is not installed, failed then
under ``ANNOTATOR_REQUIRE_POSTGRES=1`` (set by .ci/run)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pg_cluster
import psutil
import pytest
from cli_run import run

from annotator.studio.local import free_port
from annotator.text.split import split

REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "data" / "articles" / "harbour-ammonia-leak.txt"


def test_the_cluster_takes_the_role_with_its_password_only(postgres_cluster):
    import psycopg

    with postgres_cluster.connect() as conn:
        assert conn.execute("SELECT current_user, current_database()").fetchone() == ("labelstudio", "labelstudio")
        listening = conn.execute("SELECT current_setting('listen_addresses')").fetchone()
        assert listening == ("127.0.0.1",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=postgres_cluster.host, port=postgres_cluster.port, dbname="labelstudio", user="labelstudio",
            password="not-the-password", connect_timeout=10,
        )  # fmt: skip


def test_annotator_studio_keeps_everything_in_postgres(postgres_server, postgres_cluster):
    # no SQLite database beside the credentials: Label Studio's tables are in the cluster, made by its migrations
    assert (postgres_server.data_dir / "credentials.json").exists()
    assert not (postgres_server.data_dir / "label_studio.sqlite3").exists()
    with postgres_cluster.connect() as conn:
        (users,) = conn.execute("SELECT array_agg(email) FROM htx_user").fetchone()
        migrations = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    assert postgres_server.username in users and migrations > 100
    # the password reaches Label Studio through its environment, never through a command line (`ps` shows those)
    server = psutil.Process(postgres_server.pid)
    tree = [server, *server.children(recursive=True)]
    assert all(postgres_cluster.password not in " ".join(p.cmdline()) for p in tree)
    assert any(p.environ().get("POSTGRE_PASSWORD") == postgres_cluster.password for p in tree[1:])


def test_push_and_pull_round_trip_through_postgres(postgres_server, postgres_cluster, title, tmp_path, monkeypatch):
    from label_studio_sdk.client import LabelStudio

    monkeypatch.setenv("LABEL_STUDIO_URL", postgres_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", postgres_server.token)
    rows = split([ARTICLE]).to_dict("records")
    assert run(["push", str(ARTICLE), "--project", title, "--no-model"]) == 0
    with postgres_cluster.connect() as conn:
        found = conn.execute(
            "SELECT p.id, count(t.id) FROM project p LEFT JOIN task t ON t.project_id = p.id WHERE p.title = %s "
            "GROUP BY p.id",
            (title,),
        ).fetchall()
        assert len(found) == 1 and found[0][1] == len(rows), found
        project_id = found[0][0]
        stored = dict(conn.execute("SELECT data->>'sentence_id', data->>'text' FROM task WHERE project_id = %s",
                                   (project_id,)).fetchall())  # fmt: skip
    assert stored == {r["sentence_id"]: r["text"] for r in rows}

    sdk = LabelStudio(base_url=postgres_server.url, api_key=postgres_server.token, timeout=120)
    labels = ["attributed", "unverified", "contested"]
    tasks = sorted(sdk.tasks.list(project=project_id, fields="all"), key=lambda t: t.id)
    chosen = {}
    for i, task in enumerate(tasks[:3]):
        label = labels[i % 3]
        result = [{"from_name": "label", "to_name": "sentence", "type": "choices", "value": {"choices": [label]}}]
        sdk.annotations.create(id=task.id, result=result, lead_time=2.5)
        chosen[task.data["sentence_id"]] = label
    with postgres_cluster.connect() as conn:
        saved = conn.execute(
            "SELECT count(*) FROM task_completion c JOIN task t ON c.task_id = t.id WHERE t.project_id = %s",
            (project_id,),
        ).fetchone()
    assert saved == (3,)

    out = tmp_path / "labels.csv"
    assert run(["pull", "--project", title, "-o", str(out)]) == 0
    pulled = pd.read_csv(out)
    assert dict(zip(pulled["sentence_id"], pulled["label"], strict=True)) == chosen
    assert set(pulled["annotator"]) == {postgres_server.username}


@pytest.mark.studio  # it starts Label Studio (which stops at once)
def test_a_wrong_postgres_password_is_one_line_and_status_1(postgres_cluster, tmp_path, monkeypatch, capsys):
    c = postgres_cluster
    monkeypatch.setenv("POSTGRE_PASSWORD", "not-the-password")
    status = run(
        ["studio", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"), "--postgres-host", c.host,
         "--postgres-port", str(c.port), "--postgres-db", c.database, "--postgres-user", c.user]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1
    (line,) = [x for x in err.splitlines() if x.startswith("error:")]
    assert "password authentication failed" in line and "Traceback" not in err
    assert "not-the-password" not in err and c.password not in err
    assert pg_cluster.running(c)  # the cluster the other tests use is unharmed


def test_a_cluster_left_by_a_killed_session_is_stopped_by_the_next(postgres_cluster, tmp_path):
    import signal
    import subprocess
    import sys

    port = free_port()
    code = (
        f"import sys, time; sys.path.insert(0, {str(REPO / 'tests')!r}); import pg_cluster; "
        f"c = pg_cluster.start({port}); print(c.root, flush=True); time.sleep(300)"
    )
    session = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        root = Path(session.stdout.readline().strip())  # type: ignore[union-attr]
    finally:
        session.send_signal(signal.SIGKILL)  # no teardown runs
        session.wait(timeout=30)
    left = pg_cluster.Cluster("127.0.0.1", port, "", "", "", root, postgres_cluster.bindir, postgres_cluster.run_as)
    assert root.is_dir() and pg_cluster.running(left)
    assert pg_cluster.stop_abandoned(postgres_cluster.bindir, postgres_cluster.run_as) == 1
    assert not pg_cluster.running(left) and not root.exists()
    assert pg_cluster.running(postgres_cluster)  # this session's own cluster is not abandoned

"""The ML backend under load: a real `annotator serve` process on 127.0.0.1, and the same model called in-process
as the baseline (the floor: prediction without HTTP), in the same run.

Prints /predict latency p50/p95 for one task and for 100-task batches, both over HTTP and in-process (the ratio
is what HTTP, JSON and the Label Studio result format add), throughput and p95 under 32 concurrent clients, the
peak resident memory of the server, and the time of one retraining on 10,000 labels (the backend's own training
function: fit and save in its warm training process, then loading the new predictor). Targets: p95 < 50 ms for one
task; retraining < 5 s.

The 10,000 labels are the seed corpus (data/train) repeated; they hold only as many distinct sentences as the seed,
so the vocabulary is that of the seed while every other cost grows with the rows.

Usage: python benchmarks/backend.py [--model DIR] [--requests 400] [--clients 32] [--labels 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from annotator.backend.guard import TOKEN_FILE, read_credentials

ROOT = Path(__file__).resolve().parents[1]
ANNOTATOR = str(Path(sys.executable).parent / "annotator")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _tasks(texts: list[str]) -> dict[str, object]:
    return {"tasks": [{"id": i, "data": {"text": t}} for i, t in enumerate(texts)], "project": "1.1700000000"}


def sentences() -> list[str]:
    from annotator.text.split import split

    return split([ROOT / "data" / "articles"])["text"].tolist()


def latency_http(client: httpx.Client, texts: list[str], batch: int, n: int) -> list[float]:
    out = []
    for i in range(n):
        chunk = [texts[(i * batch + k) % len(texts)] for k in range(batch)]
        t0 = time.perf_counter()
        r = client.post("/predict", json=_tasks(chunk))
        out.append(time.perf_counter() - t0)
        r.raise_for_status()
        assert len(r.json()["results"]) == batch
    return out


def latency_inprocess(model: object, texts: list[str], batch: int, n: int) -> list[float]:
    out = []
    for i in range(n):
        chunk = [texts[(i * batch + k) % len(texts)] for k in range(batch)]
        t0 = time.perf_counter()
        model.predict(chunk)  # type: ignore[attr-defined]
        out.append(time.perf_counter() - t0)
    return out


async def concurrent_load(
    url: str, texts: list[str], clients: int, per_client: int, auth: tuple[str, str] | None
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60, auth=auth) as client:

        async def worker(c: int) -> None:
            nonlocal errors
            for i in range(per_client):
                text = texts[(c * per_client + i) % len(texts)]
                t0 = time.perf_counter()
                r = await client.post("/predict", json=_tasks([text]))
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in range(clients)))
        return time.perf_counter() - t0, latencies, errors


def retrain_time(labels: int, tmp: str) -> tuple[float, float]:
    """Wall and CPU seconds of one retraining on ``labels`` rows as the backend runs it: the fit and save in its
    training process (started and warmed up with the backend, as ``annotator.backend.retrain`` does), then loading the
    new predictor that is swapped in."""
    from annotator.backend.retrain import _warm, train_and_save
    from annotator.classifier.artefacts import load_predictor
    from annotator.io.labelled import read_labelled

    _warm()  # the backend's training process imports the training code when the backend starts
    seed = read_labelled([ROOT / "data" / "train"])
    texts = seed["text"].tolist()
    y = seed["label"].tolist()
    reps = -(-labels // len(texts))
    texts, y = (texts * reps)[:labels], (y * reps)[:labels]
    c0 = time.process_time()
    t0 = time.perf_counter()
    card = train_and_save(texts, y, tmp, {})
    load_predictor(card["path"])
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model directory (default: the shipped model)")
    ap.add_argument("--requests", type=int, default=400, help="sequential one-task requests (default 400)")
    ap.add_argument("--batches", type=int, default=40, help="sequential 100-task requests (default 40)")
    ap.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    ap.add_argument("--per-client", type=int, default=64, help="requests per concurrent client (default 64)")
    ap.add_argument("--labels", type=int, default=10_000, help="labels to retrain on (default 10,000)")
    args = ap.parse_args()

    from annotator.classifier.artefacts import load_model

    texts = sentences()
    model = load_model(args.model)
    port = _port()
    url = f"http://127.0.0.1:{port}"
    models_dir = tempfile.mkdtemp(prefix="annotator-bench-")  # serve generates its secret there
    cmd = [ANNOTATOR, "serve", "--port", str(port), "--no-retrain", "--log-level", "warning"]
    cmd += ["--models-dir", models_dir]
    cmd += ["--model", args.model] if args.model else []
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).json().get("status") == "UP":
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("annotator serve did not start:\n" + (server.stderr.read() if server.stderr else ""))
            time.sleep(0.1)
        proc = psutil.Process(server.pid)
        auth = read_credentials(Path(models_dir) / TOKEN_FILE)  # as Label Studio sends them: basic auth
        with httpx.Client(base_url=url, timeout=60, auth=auth) as client:
            latency_http(client, texts, 1, 20)  # warm up
            one = latency_http(client, texts, 1, args.requests)
            hundred = latency_http(client, texts, 100, args.batches)
        one_local = latency_inprocess(model, texts, 1, args.requests)
        hundred_local = latency_inprocess(model, texts, 100, args.batches)
        cpu0 = sum(proc.cpu_times()[:2])
        wall, loaded, errors = asyncio.run(concurrent_load(url, texts, args.clients, args.per_client, auth))
        server_cpu = sum(proc.cpu_times()[:2]) - cpu0
        peak = proc.memory_info().rss / 2**20
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(models_dir, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="bench-retrain-") as tmp:
        train_wall, train_cpu = retrain_time(args.labels, tmp)

    ms = 1000.0
    print(f"{'/predict':<34} {'p50 ms':>8} {'p95 ms':>8}   {'in-process p50':>14} {'p95':>7}   {'p50 ratio':>9}")
    for name, http, local in (("1 task", one, one_local), ("100 tasks", hundred, hundred_local)):
        label = f"{name} ({len(http)} sequential)"
        print(
            f"{label:<34} {statistics.median(http) * ms:>8.2f} {_pct(http, 0.95) * ms:>8.2f}"
            f"   {statistics.median(local) * ms:>14.2f} {_pct(local, 0.95) * ms:>7.2f}"
            f"   {statistics.median(http) / statistics.median(local):>8.2f}x"
        )
    total = args.clients * args.per_client
    print(
        f"{args.clients} concurrent clients: {total} one-task requests in {wall:.1f} s = {total / wall:,.0f} req/s, "
        f"p50 {statistics.median(loaded) * ms:.1f} ms, p95 {_pct(loaded, 0.95) * ms:.1f} ms, {errors} errors"
    )
    print(
        f"server CPU during that load: {server_cpu:.1f} s = {server_cpu / total * 1000:.2f} ms per request, "
        f"{total / server_cpu:,.0f} requests per server CPU second (the clients run on the same 2 cores)"
    )
    print(f"server resident memory after the load: {peak:.0f} MiB")
    print(f"retraining on {args.labels:,} labels (fit, save, load): {train_wall:.1f} s wall, {train_cpu:.1f} s CPU")
    print(f"targets: one-task p95 {_pct(one, 0.95) * ms:.1f} ms (< 50 ms); retraining {train_wall:.1f} s (< 5 s)")
    load = os.getloadavg()
    print(f"load average during the run (1/5/15 min): {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""POST /api/v1/submissions through a real uvicorn on 127.0.0.1 under a concurrent client: submissions/s and
p50/p99 latency on SQLite and, when reachable, PostgreSQL. Target on SQLite: ≥ 200/s with p99 < 100 ms.

The server runs as ``triage serve --workers W`` (default: one per CPU core); the client keeps one HTTP/1.1
connection per concurrent user (the standard library's client, so that it takes little of the machine's CPU).

Run: .venv/bin/python bench/http.py [N] [CONCURRENCY] [WORKERS]"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `http` package: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from http import client  # noqa: E402

import httpx  # noqa: E402

from bench.common import REPO, SEED, postgres_schema  # noqa: E402

TARGET_RATE, TARGET_P99_MS = 200.0, 100.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str) -> str:
    """Migrate, load the demo registry, return the intake clerk's token (station DL-FSSQ; messages naming
    places elsewhere are routed there by the orchestrator)."""
    from triage import db, migrate
    from triage.registry import demo

    migrate.upgrade(url)
    engine = db.make_engine(url)
    with db.transaction(engine) as session:
        users = demo.load_with_users(session=session).users
    engine.dispose()
    return next(u.token for u in users if u.username == "demo-intake")


def load(port: int, headers: dict, texts: list[str], n: int, concurrency: int) -> tuple[list[float], list[int], float]:
    """``n`` submissions of ``texts`` (in turn) from ``concurrency`` users, each on one keep-alive connection:
    (latencies in seconds, non-2xx statuses, wall seconds)."""
    latencies: list[float] = []
    errors: list[int] = []
    counter = iter(range(n))
    lock = threading.Lock()

    def work() -> None:
        http = client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                body = json.dumps({"text": texts[i % len(texts)]}).encode()  # station: the clerk's own (DL-FSSQ)
                t0 = time.perf_counter()
                http.request("POST", "/api/v1/submissions", body=body, headers={
                    **headers, "Content-Type": "application/json", "Idempotency-Key": f"bench-{uuid.uuid4().hex}"})
                answer = http.getresponse()
                answer.read()
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if answer.status not in (200, 201):
                        errors.append(answer.status)
        finally:
            http.close()

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - start


def run(url: str, label: str, n: int, concurrency: int, workers: int, var: Path) -> tuple[float, float]:
    from classifier.corpus import load_corpus

    token = prepare(url)
    texts = [e.text for e in load_corpus()]
    random.Random(SEED).shuffle(texts)
    port = free_port()
    env = dict(os.environ, TRIAGE_DATABASE_URL=url, TRIAGE_VAR_DIR=str(var))
    server = subprocess.Popen([sys.executable, "-m", "triage", "serve", "--port", str(port), "--workers", str(workers)],
                              cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        # Warm-up outside the timing, on as many connections as the run (each worker process gets some: its
        # per-statement and per-text caches warm up too), with texts the run does not use.
        _, warm_errors, _ = load(port, headers, texts[-10 * concurrency:], 10 * concurrency, concurrency)
        if warm_errors:
            raise SystemExit(f"{label}: the warm-up got non-2xx answers {sorted(set(warm_errors))}; not measuring")
        latencies, errors, wall = load(port, headers, texts, n, concurrency)
    finally:
        server.terminate()
        server.wait(timeout=10)
    lat = sorted(latencies)
    rate = n / wall
    p50, p99 = statistics.median(lat) * 1000, lat[max(0, int(len(lat) * 0.99) - 1)] * 1000
    print(f"{label:<11} {n} POST /api/v1/submissions, {concurrency} concurrent, {workers} worker(s): {rate:,.0f}/s; "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms; non-2xx {len(errors)}")
    return rate, p99


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else (os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as tmp:
        rate, p99 = run(f"sqlite:///{tmp}/http.db", "SQLite", n, concurrency, workers, Path(tmp) / "var")
    ok = rate >= TARGET_RATE and p99 < TARGET_P99_MS
    print(f"SQLite target ≥ {TARGET_RATE:.0f}/s with p99 < {TARGET_P99_MS:.0f} ms: ×{rate / TARGET_RATE:.2f} of "
          f"the rate, p99 {p99:.0f} ms — {'PASS' if ok else 'MISS'}")
    with postgres_schema("PostgreSQL") as url, tempfile.TemporaryDirectory() as tmp:
        if url is not None:
            run(url, "PostgreSQL", n, concurrency, workers, Path(tmp) / "var")


if __name__ == "__main__":
    main()

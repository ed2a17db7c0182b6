"""Durability: the real server is killed with SIGKILL under concurrent load and restarted; every submission
that got a 2xx answer is stored exactly once (client retries with the same Idempotency-Key included)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.e2e.serving import free_port, wait_until_up
from triage import db, migrate
from triage.registry import demo

REPO = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TRIAGE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
WORKERS, PER_WORKER = 6, 40
TEXTS = [
    "道里区抚顺街281号楼道窗户漏风漏雨，冬天冷得受不了，希望尽快修一修。",
    "南岗区学府路小区路灯坏了一个月了，晚上出门黑漆漆的，老人摔了好几回。",
    "香坊区和平路一家饭店油烟直排，楼上住户开不了窗，反映多次没人管。",
    "我在道外区一家装修公司干了三个月，老板拖欠工资八千多，电话13845120937。",
    "松北区公交站点撤了以后上班要多走二十分钟，能不能恢复原来的站点？",
]


def start(url: str, port: int, var: Path) -> subprocess.Popen:
    env = dict(os.environ, TRIAGE_DATABASE_URL=url, TRIAGE_VAR_DIR=str(var))
    proc = subprocess.Popen([sys.executable, "-m", "triage", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_until_up(f"http://127.0.0.1:{port}"):
        return proc
    proc.kill()
    pytest.fail("server did not start")


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'durable.db'}"
        return
    schema = f"d_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_every_acknowledged_submission_survives_sigkill_exactly_once(database, tmp_path):
    migrate.upgrade(database)
    engine = db.make_engine(database)
    with db.transaction(engine) as session:
        users = demo.load_with_users(session=session).users
    token = next(u.token for u in users if u.username == "demo-intake")
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1/submissions"
    headers = {"Authorization": f"Bearer {token}"}
    proc = start(database, port, tmp_path / "var")
    acknowledged: dict[str, str] = {}  # idempotency key → case number answered with 2xx
    pending: list[tuple[str, str]] = []  # (key, text) whose answer never came
    lock = threading.Lock()

    def work(worker: int) -> None:
        rng = random.Random(worker)
        with httpx.Client(timeout=10) as http:
            for i in range(PER_WORKER):
                key, text = f"w{worker}-{i}", rng.choice(TEXTS)
                try:
                    r = http.post(base, json={"text": text, "station": "DL-FSSQ"},
                                  headers={**headers, "Idempotency-Key": key})
                except httpx.TransportError:
                    with lock:
                        pending.append((key, text))
                    continue
                assert r.status_code < 500, r.text
                with lock:
                    if r.status_code in (200, 201):
                        acknowledged[key] = r.json()["case_number"]
                    else:
                        pending.append((key, text))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    while len(acknowledged) < WORKERS * PER_WORKER // 3 and any(t.is_alive() for t in threads):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-load: no shutdown hooks, no flushing
    proc.wait()
    for t in threads:
        t.join()
    assert pending, "the kill should have interrupted some requests"
    proc = start(database, port, tmp_path / "var")
    try:
        with httpx.Client(timeout=10) as http:
            # the client retries what it never heard back about, and one it did hear about, with the same keys
            retries = [*pending, next(iter(acknowledged.items()))]
            for key, text in retries:
                r = http.post(base, json={"text": text, "station": "DL-FSSQ"},
                              headers={**headers, "Idempotency-Key": key})
                assert r.status_code in (200, 201), r.text
                if key in acknowledged:
                    assert r.json()["case_number"] == acknowledged[key] and r.json()["replayed"]
                acknowledged[key] = r.json()["case_number"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    with engine.connect() as conn:
        stored = Counter(k for (k,) in conn.execute(sa.text("SELECT idempotency_key FROM submission")))
        numbers = dict(conn.execute(sa.text(
            "SELECT s.idempotency_key, c.number FROM submission s JOIN \"case\" c ON c.id = s.case_id")).all())
    engine.dispose()
    assert len(acknowledged) == WORKERS * PER_WORKER
    assert all(stored[k] == 1 for k in acknowledged), "an acknowledged submission is missing or stored twice"
    assert set(stored) == set(acknowledged)
    assert all(numbers[k] == n for k, n in acknowledged.items())

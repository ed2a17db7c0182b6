"""End to end: the real `triage serve` process with the shipped model, over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.e2e.serving import free_port, wait_until_up

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = dict(os.environ, TRIAGE_VAR_DIR=str(tmp_path_factory.mktemp("var")))
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    if not wait_until_up(base, seconds=30):
        proc.kill()
        pytest.fail("server did not start:\n" + (proc.stdout.read() if proc.stdout else ""))
    yield base, proc
    proc.terminate()
    proc.wait(timeout=10)


def test_served_classifier_routes_the_article_example_in_both_scripts(server):
    base, _ = server
    for text in (
        "道里区抚顺街281号到388号的居民反映：楼道窗户坏了多年，漏风漏雨，冬天楼道冷，希望换成塑钢窗。电话13845120937",
        "道裡區撫順街281號到388號的居民反映：樓道窗戶壞了多年，漏風漏雨，冬天樓道冷，希望換成塑鋼窗。電話13845120937",
    ):
        r = httpx.post(f"{base}/api/v1/classify", json={"text": text}, timeout=10)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["topic"]["label"] == "城乡建设"
        assert "13845120937" not in r.text and "〔手机号〕" in body["masked_text"]


def test_served_errors_use_the_uniform_body(server):
    base, _ = server
    r = httpx.post(f"{base}/api/v1/classify", json={"text": ""}, timeout=10)
    assert r.status_code == 422 and r.json()["code"] == "empty_text"
    assert httpx.get(f"{base}/docs", timeout=10).status_code == 200


def test_server_logs_carry_no_phone_numbers(server):
    base, proc = server
    httpx.post(f"{base}/api/v1/classify", json={"text": "电话13900001111，暖气不热"}, timeout=10)
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    assert "13900001111" not in out
    assert "Uvicorn running" in out or "Application startup complete" in out
    assert "已载入演示数据" in out  # an empty database gets the demo registry by itself


def test_two_workers_share_one_database_and_sum_their_metrics(tmp_path):
    from sqlmodel import func, select

    from triage import db, migrate
    from triage.cases.models import Submission
    from triage.registry import demo

    url = f"sqlite:///{tmp_path / 'var' / 'triage.db'}"
    migrate.upgrade(url)
    engine = db.make_engine(url)
    with db.transaction(engine) as session:
        token = next(u.token for u in demo.load_with_users(session=session).users if u.username == "demo-intake")
    port = free_port()
    env = dict(os.environ, TRIAGE_VAR_DIR=str(tmp_path / "var"), TRIAGE_DATABASE_URL=url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "serve", "--port", str(port), "--workers", "2"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(base, "/readyz"):
            pytest.fail("server did not start")
        texts = [f"南岗区学府路{n}号楼的{thing}坏了，请尽快修理" for n, thing in
                 enumerate(("路灯", "电梯", "暖气", "水管", "窗户", "楼门", "信报箱", "消防栓"), start=1)]
        codes = []

        def send(key: int) -> None:  # a fresh connection each: the workers take turns accepting them
            r = httpx.post(f"{base}/api/v1/submissions", json={"text": texts[key]}, timeout=60,
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k-{key}"})
            codes.append(r.status_code)

        keys = list(range(len(texts))) * 2  # each sent twice, concurrently
        threads = [threading.Thread(target=send, args=(k,)) for k in keys]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(set(codes)) in ([200, 201], [201]), codes
        metrics = httpx.get(f"{base}/metrics", timeout=30).text
        served = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                     if line.startswith("liaison_http_requests_total{") and 'route="/api/v1/submissions"' in line)
        assert served == len(threads)  # whichever worker answers /metrics counts both workers' requests
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert out.count("Application startup complete") == 2
    with db.transaction(engine) as session:  # both workers wrote: each message stored exactly once
        stored = session.exec(select(Submission.idempotency_key, func.count()).group_by(Submission.idempotency_key))
        assert dict(stored.all()) == {f"k-{k}": 1 for k in range(len(texts))}

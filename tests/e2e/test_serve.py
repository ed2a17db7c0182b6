"""End to end: the real `triage serve` process with the shipped model, over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
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

"""The caller's authentication (api.deps.principal) on a SQLite file: on the event loop's own connection."""

from __future__ import annotations

import asyncio
import threading

from starlette.requests import Request

from api import deps
from tests.api.conftest import NOW


def _request(token: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/",
                    "headers": [(b"authorization", f"Bearer {token}".encode())]})


def test_authentication_never_waits_for_the_shared_connection_pool(world):
    eng = deps.engine_for(world.settings)
    request = _request(world.tokens["intake"])
    asyncio.run(deps.principal(request, eng, NOW))  # first use: also records the token's use (a write, pooled)
    held = [eng.connect() for _ in range(eng.pool.size() + eng.pool._max_overflow)]  # every pooled connection
    answer: list = []
    worker = threading.Thread(target=lambda: answer.append(
        asyncio.run(deps.principal(request, eng, NOW))), daemon=True)
    try:
        worker.start()
        worker.join(timeout=10)  # the shared pool would make it wait 30 s for a connection
        assert answer and answer[0].username == "demo-intake"
    finally:
        for conn in held:
            conn.close()
        worker.join(timeout=60)
        deps.dispose_engines()

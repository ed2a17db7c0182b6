"""api.limits: request bodies over their path's limit get 413 with the uniform body, whether the size is declared
(Content-Length) or only streamed (chunked)."""

from __future__ import annotations

import asyncio
import json

from fastapi import FastAPI, Request

from api.limits import MB, BodySizeLimit

SMALL = {"/big": 1_000}


def inner_app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        return {"bytes": len(await request.body())}

    @app.post("/big")
    async def big(request: Request) -> dict:
        return {"bytes": len(await request.body())}

    @app.post("/json")
    def parsed(payload: dict) -> dict:
        return {"keys": len(payload)}

    return app


def call(app, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]] = ()) -> tuple[int, dict, bool]:
    """Drive ``app`` as a server would, sending the body in ``chunks``; (status, JSON body, whether the whole
    body was consumed)."""
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"content-type", b"application/json"), *headers], "client": ("127.0.0.1", 1),
             "server": ("test", 80)}
    asyncio.run(app(scope, receive, send))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent  # exactly one answer, never two
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return starts[0]["status"], json.loads(body), not messages


def test_streamed_body_over_the_limit_is_413_without_content_length():
    app = BodySizeLimit(inner_app(), default=1_000)
    status, body, _ = call(app, "/echo", [b"x" * 600, b"x" * 600, b"x" * 600])
    assert status == 413
    assert body == {"code": "payload_too_large", "message": body["message"], "detail": {"limit_bytes": 1_000}}
    assert "请求内容过大" in body["message"]


def test_streamed_body_over_the_limit_is_413_even_for_a_parsed_json_route():
    app = BodySizeLimit(inner_app(), default=1_000)
    status, body, _ = call(app, "/json", [b'{"a": "' + b"x" * 900, b"x" * 900 + b'"}'])
    assert (status, body["code"]) == (413, "payload_too_large")


def test_streamed_body_within_the_limit_passes_through():
    app = BodySizeLimit(inner_app(), default=1_000)
    assert call(app, "/echo", [b"x" * 500, b"x" * 500]) == (200, {"bytes": 1_000}, True)


def test_declared_length_over_the_limit_is_refused_before_the_body_is_read():
    app = BodySizeLimit(inner_app(), default=1_000)
    status, body, consumed = call(app, "/echo", [b"x" * 10, b"x" * 10], [(b"content-length", b"5000")])
    assert (status, body["detail"]) == (413, {"limit_bytes": 1_000})
    assert not consumed


def test_paths_have_their_own_limits():
    app = BodySizeLimit(inner_app(), default=100, limits=SMALL)
    assert call(app, "/big", [b"x" * 800])[0] == 200
    assert app.limit_for("/big/") == 1_000
    assert call(app, "/echo", [b"x" * 800])[0] == 413
    assert call(app, "/big", [b"x" * 1_001])[0] == 413


def test_default_limits_of_the_api():
    limits = BodySizeLimit(inner_app())
    assert limits.limit_for("/api/v1/submissions") == 1 * MB
    assert limits.limit_for("/api/v1/submissions/batch") == 10 * MB
    assert limits.limit_for("/api/v1/imports") == 50 * MB
    assert limits.limit_for("/api/v1/classify") == 1 * MB


def test_the_api_takes_a_batch_over_1_mb_but_not_over_10_mb(api, world):
    auth = world.auth("supervisor")  # refused by role: proves the body got past the size limit
    items = [{"text": "暖" * 20_000}] * 20  # ~1.2 MB
    r = api.post("/api/v1/submissions/batch", json={"items": items}, headers=auth)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = api.post("/api/v1/submissions/batch", json={"items": items * 9}, headers=auth)  # ~11 MB
    assert r.status_code == 413
    assert r.json() == {"code": "payload_too_large", "message": "请求内容过大：上限 10 MB",
                        "detail": {"limit_bytes": 10 * MB}}


def test_other_endpoints_refuse_json_over_1_mb(api, world):
    r = api.post("/api/v1/classify", json={"text": "暖" * 400_000}, headers=world.auth("intake"))
    assert (r.status_code, r.json()["detail"]) == (413, {"limit_bytes": MB})


def test_a_nul_character_in_the_query_is_a_clean_422(api, world):
    r = api.get("/api/v1/cases?q=%00abc", headers=world.auth("admin"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"

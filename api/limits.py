"""Request-size limits as a pure ASGI middleware: a body over its path's limit gets 413 with the uniform body,
judged by Content-Length when given and by the bytes actually streamed otherwise."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

MB = 1024 * 1024
DEFAULT_LIMIT = 1 * MB
PATH_LIMITS: dict[str, int] = {"/api/v1/submissions/batch": 10 * MB, "/api/v1/imports": 50 * MB}

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """Raised into the app when the streamed body passes the limit (the middleware answers 413)."""


def too_large_body(limit: int) -> bytes:
    size = f"{limit // MB} MB" if limit % MB == 0 else f"{limit} 字节"
    body = {"code": "payload_too_large", "message": f"请求内容过大：上限 {size}", "detail": {"limit_bytes": limit}}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


async def _send_bytes(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


async def _send_json(send: Send, status: int, data: dict) -> None:
    await _send_bytes(send, status, json.dumps(data, ensure_ascii=False).encode("utf-8"))


async def _reject(send: Send, limit: int) -> None:
    await _send_bytes(send, 413, too_large_body(limit))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimit:
    """Limit request bodies: ``default`` bytes, or ``limits[path]`` for the paths named there."""

    def __init__(self, app: ASGIApp, *, default: int = DEFAULT_LIMIT, limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.limits = dict(PATH_LIMITS if limits is None else limits)

    def limit_for(self, path: str) -> int:
        return self.limits.get(path.rstrip("/") or "/", self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if (b"%00" in scope.get("query_string", b"") or "\x00" in path) and not path.startswith("/open311/"):
            # (Open311 answers in its own error format and checks this itself)
            await _send_json(send, 422, {"code": "invalid_request", "message": "请求中含有空字符（NUL），无法处理",
                                         "detail": None})
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _reject(send, limit)
            return

        received, exceeded, started = 0, False, False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # whatever the app makes of the interrupted body, the answer is 413
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _reject(send, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
            if not started:
                await _reject(send, limit)


def install(app: Any) -> None:  # noqa: ANN401 - a FastAPI/Starlette application
    """Register the middleware on ``app`` with the default limits."""
    app.add_middleware(BodySizeLimit)

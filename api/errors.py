"""One place that turns domain errors and bad requests into the uniform JSON error body {code, message, detail}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from triage import errors
from triage.accounts.service import Forbidden, Unauthenticated

STATUS = {  # domain exceptions → HTTP, in one place
    errors.InvalidInput: 422,
    errors.DataFileError: 422,
    errors.ModelUnavailable: 503,
    errors.NotFound: 404,
    errors.IllegalTransition: 409,
    errors.Conflict: 409,
    Unauthenticated: 401,
    Forbidden: 403,
}
DB_ERRORS = {"db_unavailable": 503, "db_error": 503, "db_migration_failed": 503, "db_busy": 503}
TEXT_TOO_LONG = 413
HTTP_MESSAGES = {
    404: ("not_found", "找不到请求的资源"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
}


def error_body(code: str, message: str, detail: object = None) -> dict:
    return {"code": code, "message": message, "detail": detail}


def _status_of(exc: errors.TriageError) -> int:
    if exc.code == "text_too_long":
        return TEXT_TOO_LONG
    if exc.code in DB_ERRORS:
        return DB_ERRORS[exc.code]
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.TriageError)
    async def triage_error(_request: Request, exc: errors.TriageError) -> JSONResponse:
        status = _status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in exc.errors()]
        return JSONResponse(error_body("invalid_request", "请求格式不正确，请检查字段和类型", detail), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not parse the body at all (e.g. bytes that are not JSON text)
            body = error_body("invalid_request", "请求体无法解析，请发送 UTF-8 编码的 JSON")
            return JSONResponse(body, status_code=422)
        code, message = HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求无法处理"))
        return JSONResponse(error_body(code, message, exc.detail), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))  # e.g. Allow on a 405

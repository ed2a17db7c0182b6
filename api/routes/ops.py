"""GET /readyz (database answers and model loads) and GET /metrics (Prometheus text: this process's requests and
latency, plus database figures computed at scrape time, so they agree across worker processes)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from api import deps, observability
from api.deps import ClockDep, SettingsDep
from triage import classification, stats
from triage.errors import TriageError

router = APIRouter(tags=["operations"])
log = logging.getLogger("liaison_triage")
OK = "ok"


class Readiness(BaseModel):
    status: str = Field(description="ready / not_ready")
    database: str = Field(description="ok，或数据库不可用的原因")
    model: str = Field(description="模型版本，或模型不可用的原因")


def _database(cfg) -> str:  # noqa: ANN001 - Settings
    try:
        stats.ping(engine=deps.engine_for(cfg))
    except Exception as exc:  # any failure to connect or answer means "not ready", whatever its kind
        log.warning("readyz: database unavailable (%s)", type(exc).__name__)
        return f"数据库不可用（{type(exc).__name__}）"
    return OK


def _model(cfg) -> tuple[str, str | None]:  # noqa: ANN001 - Settings
    """(what to report, the version when loaded)."""
    try:
        loaded = classification.load(cfg.model_dir, cache_dir=cfg.jieba_cache_dir)
    except TriageError as exc:
        return f"模型不可用：{exc.message}", None
    return loaded.version, loaded.version


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness, "description": "未就绪"}})
def readyz(cfg: SettingsDep) -> JSONResponse:
    """就绪检查：数据库能应答 SELECT 1，且分类模型已加载。"""
    database = _database(cfg)
    model, version = _model(cfg)
    ready = database == OK and version is not None
    body = Readiness(status="ready" if ready else "not_ready", database=database, model=model)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus 文本格式"}})
def metrics(request: Request, cfg: SettingsDep, now: ClockDep) -> Response:
    """Prometheus 指标：请求数、延迟、各主题诉求数、各站点待办数、超期（红）与临期（黄）案件数。"""
    try:
        snapshot = stats.snapshot(engine=deps.engine_for(cfg), now=now)
    except Exception as exc:  # the process figures are still worth a scrape when the database is down
        log.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
        snapshot = None
    _, version = _model(cfg)
    text = observability.exposition(request.app.state.metrics, snapshot=snapshot, model_version=version)
    return Response(content=text, media_type=CONTENT_TYPE_LATEST)

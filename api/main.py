"""The FastAPI application: routers, error mapping, and a warm classifier at startup."""

from __future__ import annotations

import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from api import deps, errors, limits, observability
from api.routes import cases, chat, classify, health, open311, ops, registry, submissions
from triage import classification, db
from triage.errors import TriageError
from triage.registry import service as registry_views
from triage.settings import Settings, get_settings

log = logging.getLogger("liaison_triage")


_frozen = False


def _warm_registry(cfg: Settings) -> None:
    """The registry caches, built before the first request. A database that is not there yet (SQLite file
    missing) or not migrated is left alone: the first requests build them, or answer with the reason."""
    url = make_url(cfg.database_url)
    if db.is_sqlite(cfg.database_url) and not (url.database and Path(url.database).exists()):
        return
    try:
        with db.transaction(db.read_only(deps.engine_for(cfg))) as session:
            registry_views.warm(session=session)
    except SQLAlchemyError as exc:
        log.warning("registry caches not warmed at start-up: %s", type(exc).__name__)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = app.dependency_overrides.get(deps.settings, get_settings)()  # tests override the settings
    try:
        loaded = classification.load(settings.model_dir, cache_dir=settings.jieba_cache_dir)
        loaded.model.classify(["暖气不热"])  # the segmenter's dictionary too, before the first request
        log.info("model %s loaded from %s", loaded.version, loaded.path)
    except TriageError as exc:  # serve anyway: /healthz answers, classify says 503 with the reason
        log.error("model unavailable: %s (%s)", exc.message, exc.code)
    _warm_registry(settings)
    global _frozen
    if not _frozen:  # once per process: what start-up loaded (dictionaries, model) lives as long as the process;
        _frozen = True  # keep it out of the collector's full passes, which would walk it and pause requests
        gc.collect()
        gc.freeze()
    yield
    deps.dispose_engines()


def create_app() -> FastAPI:
    app = FastAPI(
        title="liaison-triage",
        description="人大代表联络站 群众诉求分办服务",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    limits.install(app)
    observability.install(app)  # outermost: times and counts every answer, 413s included
    app.include_router(health.router)
    for module in (classify, submissions, cases, registry, open311, chat, ops):
        app.include_router(module.router)
    return app

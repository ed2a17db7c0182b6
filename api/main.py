"""The FastAPI application: routers, error mapping, and a warm classifier at startup."""

from __future__ import annotations

import gc
import inspect
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import deps, errors, limits, observability
from api.routes import calendar, cases, chat, classify, health, open311, ops, registry, submissions
from triage import classification
from triage.errors import TriageError
from triage.registry import service as registry_views
from triage.settings import get_settings

log = logging.getLogger("liaison_triage")


_frozen = False


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = app.dependency_overrides.get(deps.settings, get_settings)()  # tests override the settings
    if inspect.isawaitable(settings):
        settings = await settings
    try:
        loaded = classification.load(settings.model_dir, cache_dir=settings.jieba_cache_dir)
        loaded.model.classify(["暖气不热"])  # the segmenter's dictionary too, before the first request
        log.info("model %s loaded from %s", loaded.version, loaded.path)
    except TriageError as exc:  # serve anyway: /healthz answers, classify says 503 with the reason
        log.error("model unavailable: %s (%s)", exc.message, exc.code)
    registry_views.warm(engine=deps.engine_for(settings))
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
    for module in (classify, submissions, cases, registry, calendar, open311, chat, ops):
        app.include_router(module.router)
    return app

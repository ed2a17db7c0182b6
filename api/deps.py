"""Wiring: the concrete settings, classifier, database, clock and caller the routes receive (tests override
``settings`` and ``clock``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session

from triage import classification, db
from triage.accounts import service as accounts
from triage.accounts.service import Principal
from triage.clock import system_clock
from triage.settings import Settings, get_settings

_engines: dict[str, Engine] = {}
_loop_engines: dict[str, Engine] = {}  # see loop_engine_for
_engines_lock = threading.Lock()


# The cheap dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, and a hop
# there and back for each of them costs more than the request's own work. They never block (the model is loaded
# once at start-up, see api.main, and a changed model is read in the thread pool; an engine is made without
# connecting).


async def settings() -> Settings:
    return get_settings()


async def classifier(cfg: Annotated[Settings, Depends(settings)]) -> classification.LoadedModel:
    """The active model; looking at its folder (and reading a retrained model, about a second) happens in the
    thread pool, so that requests of other callers go on meanwhile."""
    recent = classification.loaded_recently(cfg.model_dir)
    if recent is not None:
        return recent
    return await run_in_threadpool(classification.load, cfg.model_dir, cache_dir=cfg.jieba_cache_dir)


def engine_for(cfg: Settings) -> Engine:
    """One engine (connection pool) per database URL for the life of the process."""
    with _engines_lock:
        if cfg.database_url not in _engines:
            _engines[cfg.database_url] = db.make_engine(cfg.database_url)
        return _engines[cfg.database_url]


async def engine(cfg: Annotated[Settings, Depends(settings)]) -> Engine:
    return engine_for(cfg)


def dispose_engines() -> None:
    with _engines_lock:
        for eng in [*_engines.values(), *_loop_engines.values()]:
            eng.dispose()
        _engines.clear()
        _loop_engines.clear()


async def clock() -> datetime:
    """Now (aware UTC); tests override this dependency to move time."""
    return system_clock()


def session(request: Request, eng: Annotated[Engine, Depends(engine)]) -> Iterator[Session]:
    """A session whose work commits when the route returns without error, and rolls back otherwise
    (GET/HEAD requests read without taking SQLite's write lock)."""
    with db.transaction(db.read_only(eng) if request.method in ("GET", "HEAD") else eng) as s:
        yield s


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


_touched: dict[str, float] = {}  # token hash → when its last_used_at was last written (monotonic seconds)
TOUCH_EVERY = 60.0


async def principal(request: Request, eng: Annotated[Engine, Depends(engine)],
                    now: Annotated[datetime, Depends(clock)]) -> Principal:
    """The caller behind ``Authorization: Bearer <token>`` (401 without a valid one), looked up in a short
    read-only transaction of its own, so the route's own transaction (or the orchestrator's) is not held up by
    it. On a SQLite file the lookup is one indexed read that never waits for a writer, so it runs on the event
    loop, on a connection of the loop's own (:func:`loop_engine_for`): a hop to the thread pool costs more under
    load (see api.lanes). Elsewhere it runs in the thread pool. The token's last use is written at most once a
    minute, in the thread pool (a write may wait for the database's write lock)."""
    token = bearer_token(request)
    loop_engine = loop_engine_for(eng)
    if loop_engine is not None:
        caller = _authenticate(loop_engine, token)
    else:
        caller = await run_in_threadpool(_authenticate, eng, token)
    key = accounts.hash_token(token)
    if time.monotonic() - _touched.get(key, -TOUCH_EVERY) >= TOUCH_EVERY:
        _touched[key] = time.monotonic()
        await run_in_threadpool(_touch, eng, token, now)
    return caller


def loop_engine_for(eng: Engine) -> Engine | None:
    """For a SQLite file, an engine of the event loop's own: one connection per thread, and only the loop's
    thread uses it, so a read there never waits for a pooled connection (the shared pool's connections are
    given back by work the loop schedules: waiting for one on the loop could stall the worker). None for any
    other database."""
    if not db.is_sqlite_file(eng):
        return None
    url = eng.url.render_as_string(hide_password=False)
    with _engines_lock:
        if url not in _loop_engines:
            _loop_engines[url] = db.make_engine(url, per_thread=True)
        return _loop_engines[url]


def _authenticate(eng: Engine, token: str | None) -> Principal:
    with db.transaction(db.read_only(eng)) as s:
        return accounts.authenticate(session=s, token=token)


def _touch(eng: Engine, token: str | None, now: datetime) -> None:
    with db.transaction(eng) as s:
        accounts.authenticate(session=s, token=token, now=now)


SettingsDep = Annotated[Settings, Depends(settings)]
ClassifierDep = Annotated[classification.LoadedModel, Depends(classifier)]
EngineDep = Annotated[Engine, Depends(engine)]
SessionDep = Annotated[Session, Depends(session)]
ClockDep = Annotated[datetime, Depends(clock)]
PrincipalDep = Annotated[Principal, Depends(principal)]

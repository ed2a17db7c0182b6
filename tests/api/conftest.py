"""API test clients: the real app with its settings dependency overridden.

``client``: the session's tiny model, no database (classification only).
``world``: a SQLite file with the demo registry and one demo user per role, the shipped model; ``api`` is a client
on it and ``world.tokens[role]`` a bearer token for each role (intake, deputy, station_head, supervisor, admin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api import deps
from api.main import create_app
from triage import db, migrate
from triage.clock import FixedClock
from triage.registry import demo
from triage.settings import Settings

NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Tuesday 10:30 in Harbin


@pytest.fixture
def settings(tiny_model_dir, tmp_path) -> Settings:
    return Settings(model_dir=tiny_model_dir, var_dir=tmp_path / "var", max_text_chars=2_000)


@pytest.fixture
def client(settings):
    app = create_app()
    app.dependency_overrides[deps.settings] = lambda: settings
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


@dataclass
class World:
    settings: Settings
    tokens: dict[str, str]
    clock: FixedClock

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def world(tmp_path) -> World:
    cfg = Settings(var_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'api.db'}")
    migrate.upgrade(cfg.database_url)
    engine = db.make_engine(cfg.database_url)
    with db.transaction(engine) as session:
        summary = demo.load_with_users(session=session)
    engine.dispose()
    roles = {"接待员": "intake", "代表": "deputy", "站长": "station_head", "区人大": "supervisor", "管理员": "admin"}
    return World(cfg, {roles[u.role]: u.token for u in summary.users}, FixedClock(NOW))


@pytest.fixture
def api(world):
    app = create_app()
    app.dependency_overrides[deps.settings] = lambda: world.settings
    app.dependency_overrides[deps.clock] = world.clock
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()

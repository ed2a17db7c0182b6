"""API test client: the real app with its settings dependency pointed at the session's tiny model."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import deps
from api.main import create_app
from triage.settings import Settings


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

"""Fuzzing against our own OpenAPI schema: schemathesis generates requests for every operation; none may
answer 5xx. At least 500 generated cases run (counted, and checked by the last test of this module)."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from api import deps
from api.main import create_app

EXAMPLES_PER_OPERATION = 25
MIN_CASES = 500


@pytest.fixture
def app(world):
    cfg = world.settings.model_copy(update={"dingtalk_app_secret": "s", "slack_signing_secret": "s",
                                            "mattermost_token": "t", "webhook_token": "t"})
    application = create_app()
    application.dependency_overrides[deps.settings] = lambda: cfg
    application.dependency_overrides[deps.clock] = world.clock
    with TestClient(application):  # runs the lifespan once (model warm-up)
        yield application


def test_no_operation_answers_5xx(app, world):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    admin = world.auth("admin")
    failures: list[str] = []
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:
            nonlocal ran
            ran += 1
            response = case.call(headers={**admin, **(case.headers or {})})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:200]}")

        check()
    print(f"schemathesis: {ran} generated cases")
    assert failures == [], "\n".join(failures[:20])
    assert ran >= MIN_CASES, ran

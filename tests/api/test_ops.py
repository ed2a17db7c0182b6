"""Operations: /readyz, /metrics, and structured logs that never carry personal data."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api import deps, observability
from api.main import create_app
from triage import classification
from triage.settings import Settings

PHONE_IN_BODY, PHONE_IN_QUERY, ID_NUMBER = "13912345678", "13687654321", "230102199001011234"
HEATING = f"家里暖气不热已经一周了，屋里只有十几度，请尽快派人检修，电话{PHONE_IN_BODY}"


def client_with(settings: Settings):
    app = create_app()
    app.dependency_overrides[deps.settings] = lambda: settings
    return app, TestClient(app)


def submit(api, world, text: str = HEATING, query: str = "") -> dict:
    r = api.post(f"/open311/v2/requests.json{query}", data={
        "api_key": world.tokens["intake"], "service_code": "urban-construction", "description": text})
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    return api.get(f"/open311/v2/requests/{number}.json").json()[0]


def sample(text: str, name: str, labels: str = "") -> float | None:
    """The value of one series in Prometheus text, or None when absent."""
    m = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else None


def test_readyz_reports_database_and_model_version(api, world):
    r = api.get("/readyz")
    assert r.status_code == 200, r.text
    version = classification.load(world.settings.model_dir).version
    assert r.json() == {"status": "ready", "database": "ok", "model": version}


def test_readyz_is_503_when_the_database_is_unreachable(world):
    cfg = world.settings.model_copy(update={"database_url": "postgresql+psycopg://triage:s3cret@127.0.0.1:1/none"})
    app, client = client_with(cfg)
    with client:
        r = client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "not_ready" and body["database"].startswith("数据库不可用")
    assert body["model"] == classification.load(cfg.model_dir).version  # the part that works says so
    assert "s3cret" not in r.text


def test_readyz_is_503_when_the_model_cannot_load(world, tmp_path):
    cfg = world.settings.model_copy(update={"model_dir": tmp_path / "no-model-here"})
    app, client = client_with(cfg)
    with client:
        r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["database"] == "ok" and r.json()["model"].startswith("模型不可用")


def test_metrics_has_request_prediction_queue_and_deadline_series_after_a_submission(api, world):
    item = submit(api, world)
    text = api.get("/metrics").text
    route = '{method="POST",route="/open311/v2/requests.json",status="201"}'
    assert sample(text, "liaison_http_requests_total", route) == 1.0
    assert sample(text, "liaison_http_request_duration_seconds_count", '{route="/open311/v2/requests.json"}') == 1
    assert 'liaison_http_request_duration_seconds_bucket{le="0.1",route="/open311/v2/requests.json"}' in text
    assert sample(text, "liaison_http_requests_total",
                  '{method="GET",route="/open311/v2/requests/{service_request_id}.json",status="200"}') == 1.0
    assert sample(text, "liaison_predictions_total", f'{{topic="{item["service_name"]}"}}') == 1.0
    assert sample(text, "liaison_predictions_total", '{topic="纪检监察"}') == 0.0  # every topic, zeros included
    assert sample(text, "liaison_queue_depth", '{station="DL-FSSQ"}') == 1.0
    assert sample(text, "liaison_queue_depth", '{station="NG-HX"}') == 0.0
    assert sample(text, "liaison_cases_overdue") == 0.0 and sample(text, "liaison_cases_due_soon") == 0.0
    assert sample(text, "liaison_database_up") == 1.0
    assert sample(text, "liaison_model_info", f'{{version="{classification.load(world.settings.model_dir).version}"}}')


def test_metrics_say_which_of_this_and_next_years_calendar_is_known(api, world):
    text = api.get("/metrics").text  # the world's clock is in November 2026; the demo calendar ends with 2026
    assert sample(text, "liaison_calendar_year_known", '{year="2026"}') == 1.0
    assert sample(text, "liaison_calendar_year_known", '{year="2027"}') == 0.0
    admin = world.auth("admin")
    for day, note in (("2027-01-01", "元旦"), ("2027-02-08", "春节")):
        assert api.put(f"/api/v1/calendar/days/{day}", json={"is_workday": False, "note": note},
                       headers=admin).status_code == 200
        assert sample(api.get("/metrics").text, "liaison_calendar_year_known", '{year="2027"}') == 0.0
    assert api.put("/api/v1/calendar/days/2027-10-01", json={"is_workday": False, "note": "国庆节"},
                   headers=admin).status_code == 200
    assert sample(api.get("/metrics").text, "liaison_calendar_year_known", '{year="2027"}') == 1.0


def test_deadline_gauges_follow_the_clock(api, world):
    due = datetime.fromisoformat(submit(api, world)["expected_datetime"]).astimezone(UTC)
    world.clock.now = due - timedelta(hours=1)
    text = api.get("/metrics").text
    assert sample(text, "liaison_cases_due_soon") == 1.0 and sample(text, "liaison_cases_overdue") == 0.0
    world.clock.advance(hours=2)
    text = api.get("/metrics").text
    assert sample(text, "liaison_cases_due_soon") == 0.0 and sample(text, "liaison_cases_overdue") == 1.0


def test_metrics_label_unmatched_paths_without_their_query(api):
    assert api.get(f"/no/such/page?phone={PHONE_IN_QUERY}").status_code == 404
    text = api.get("/metrics").text
    assert sample(text, "liaison_http_requests_total", '{method="GET",route="<unmatched>",status="404"}') == 1.0
    assert PHONE_IN_QUERY not in text and "/no/such/page" not in text


def test_metrics_still_answer_when_the_database_is_down(world):
    cfg = world.settings.model_copy(update={"database_url": "postgresql+psycopg://triage:x@127.0.0.1:1/none"})
    app, client = client_with(cfg)
    with client:
        r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert sample(r.text, "liaison_database_up") == 0.0 and "liaison_queue_depth" not in r.text


def test_request_id_is_echoed_or_made_up(api):
    assert api.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = api.get("/healthz", headers={"X-Request-ID": "not ok; <script>"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)


def test_request_with_phone_in_body_and_query_logs_no_number(api, world, caplog):
    caplog.set_level(logging.INFO)
    submit(api, world, text=f"{HEATING}，身份证{ID_NUMBER}", query=f"?phone={PHONE_IN_QUERY}")
    lines = [r for r in caplog.records if getattr(r, "event", None) == "http_request"]
    post = next(r for r in lines if r.method == "POST")
    assert post.route == "/open311/v2/requests.json" and post.status == 201 and post.duration_ms >= 0
    assert post.request_id
    created = next(r for r in caplog.records if getattr(r, "event", None) == "open311_request_created")
    assert created.case_number and created.topic
    server = [r for r in caplog.records if not r.name.startswith("httpx")]  # httpx: the test client's own log
    assert server
    formatter = observability.JsonFormatter()
    for secret in (PHONE_IN_BODY, PHONE_IN_QUERY, ID_NUMBER):
        for record in server:
            assert secret not in formatter.format(record) and secret not in logging.Formatter().format(record)
    line = json.loads(formatter.format(post))
    assert {"ts", "level", "logger", "message", "method", "route", "status", "duration_ms", "request_id"} <= set(line)
    assert line["ts"].endswith("+08:00")


def test_uvicorn_access_line_with_a_phone_in_the_query_is_masked(api, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                                             f"/api/v1/cases?q={PHONE_IN_QUERY}", "1.1", 200)
    assert "/api/v1/cases?q=" in caplog.text and PHONE_IN_QUERY not in caplog.text


@pytest.fixture
def masked_logger():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(observability.PiiFilter())
    handler.setFormatter(observability.JsonFormatter())
    logger = logging.getLogger("tests.pii")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def test_filter_masks_message_args_extra_fields_and_exceptions(masked_logger):
    logger, stream = masked_logger
    logger.warning("来电 %s 反映问题", f"电话{PHONE_IN_BODY}", extra={"event": "x", "note": f"身份证 {ID_NUMBER}"})
    try:
        raise ValueError(f"bad contact {PHONE_IN_QUERY}")
    except ValueError:
        logger.exception("处理失败")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "来电 电话〔手机号〕 反映问题" and lines[0]["note"] == "身份证 〔身份证号〕"
    assert "〔手机号〕" in lines[1]["exc"] and "ValueError" in lines[1]["exc"]
    for secret in (PHONE_IN_BODY, PHONE_IN_QUERY, ID_NUMBER):
        assert secret not in stream.getvalue()


def test_configured_logging_masks_records_of_any_logger():
    stream = io.StringIO()
    handler = observability.configure_logging(stream=stream)
    try:
        logging.getLogger("triage.somewhere").warning("联系电话 %s", PHONE_IN_BODY)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger(observability.LOGGER).setLevel(logging.NOTSET)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["logger"] == "triage.somewhere" and line["message"] == "联系电话 〔手机号〕"


def test_start_up_builds_the_registry_caches_of_an_existing_database(world):
    from triage import db
    from triage.registry import service as registry_views

    app = create_app()
    app.dependency_overrides[deps.settings] = lambda: world.settings
    with TestClient(app):
        engine = db.base_engine(deps.engine_for(world.settings))
        assert {"directory", "places", "calendar"} <= set(registry_views._cache.get(engine, {}))


def test_start_up_creates_no_database_file_where_there_is_none(tmp_path, tiny_model_dir):
    missing = tmp_path / "not-yet.db"
    cfg = Settings(model_dir=tiny_model_dir, var_dir=tmp_path / "var", database_url=f"sqlite:///{missing}")
    app = create_app()
    app.dependency_overrides[deps.settings] = lambda: cfg
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200
    assert not missing.exists()


def test_start_up_goes_on_over_a_database_that_is_not_migrated(tmp_path, tiny_model_dir, caplog):
    empty = tmp_path / "empty.db"
    empty.touch()  # there, but without tables
    cfg = Settings(model_dir=tiny_model_dir, var_dir=tmp_path / "var", database_url=f"sqlite:///{empty}")
    app = create_app()
    app.dependency_overrides[deps.settings] = lambda: cfg
    with caplog.at_level(logging.WARNING), TestClient(app) as c:
        assert c.get("/healthz").status_code == 200
    assert any("registry caches not warmed" in r.getMessage() for r in caplog.records)

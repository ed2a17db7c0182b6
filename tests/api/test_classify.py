import pytest

from triage.settings import Settings

URL = "/api/v1/classify"


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # the message speaks Chinese
    return body


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_classify_returns_top3_confidences_and_masked_text(client):
    r = client.post(URL, json={"text": "我叫李桂芝，暖气不热，电话13845120937", "submitter_name": "李桂芝"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model_version"] == "test-tiny"
    assert len(body["topic"]["top"]) == 3 and len(body["department"]["top"]) == 3
    assert body["pii"] == ["name", "mobile"]
    assert "13845120937" not in r.text and "李桂芝" not in r.text
    assert body["needs_review"] == (body["topic"]["needs_review"] or body["department"]["needs_review"])


def test_traditional_script_is_accepted(client):
    r = client.post(URL, json={"text": "撫順社區樓道塑鋼窗漏風漏雨"})
    assert r.status_code == 200 and "抚顺社区" in r.json()["masked_text"]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_422(client, text):
    assert_error(client.post(URL, json={"text": text}), 422, "empty_text")


def test_too_long_text_is_413(client):
    body = assert_error(client.post(URL, json={"text": "暖" * 2_001}), 413, "text_too_long")
    assert body["detail"] == {"max_chars": 2_000}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"json": {"txt": "暖气不热"}},
        {"json": {"text": 123}},
        {"json": ["暖气不热"]},
        {"content": b"\x00\xff\xfe\x81", "headers": {"content-type": "application/json"}},
    ],
)
def test_malformed_bodies_are_422_with_the_uniform_body(client, kwargs):
    assert_error(client.post(URL, **kwargs), 422, "invalid_request")


def test_unknown_route_and_wrong_method(client):
    assert_error(client.get("/api/v1/nothing"), 404, "not_found")
    assert_error(client.get(URL), 405, "method_not_allowed")


def test_missing_model_is_503_and_health_still_answers(client, settings, tmp_path):
    from api import deps

    client.app.dependency_overrides[deps.settings] = lambda: Settings(model_dir=tmp_path / "none")
    assert_error(client.post(URL, json={"text": "暖气不热"}), 503, "model_not_found")
    assert client.get("/healthz").status_code == 200


def test_openapi_is_served(client):
    assert URL in client.get("/openapi.json").json()["paths"]

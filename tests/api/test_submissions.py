"""POST/GET /api/v1/submissions and the batch endpoint: decisions, idempotency, roles, masking, bad bodies."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import func, select

from triage import db
from triage.cases.models import Case, Submission

URL = "/api/v1/submissions"
BATCH = "/api/v1/submissions/batch"
PHONE = "13845120937"
HEATING = f"抚顺社区12号楼暖气不热，屋里只有十四度，老人孩子都冻感冒了，电话{PHONE}"
ELSEWHERE = "南马路街道菜市场门口的垃圾堆了一个星期没人清运，苍蝇乱飞，联系电话13912345678"  # routes to DW-NML


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    return body


def count(world, model, *where) -> int:
    engine = db.make_engine(world.settings.database_url)
    try:
        with db.transaction(engine) as s:
            return s.exec(select(func.count()).select_from(model).where(*where)).one()
    finally:
        engine.dispose()


def user_headers(api, world, username: str, role: str, **where) -> dict[str, str]:
    """A new user made through the admin endpoints, and its bearer header."""
    admin = world.auth("admin")
    made = api.post("/api/v1/users", json={"username": username, "role": role, **where}, headers=admin)
    assert made.status_code == 201, made.text
    token = api.post(f"/api/v1/users/{username}/tokens", json={}, headers=admin).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_intake_submission_answers_201_with_case_number_and_original_for_own_station(api, world):
    payload = {"text": HEATING, "channel": "电话", "contact": "0451-86001234"}
    r = api.post(URL, json=payload, headers=world.auth("intake"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["case_number"].startswith("DL-FSSQ-2026-")
    assert body["station"]["code"] == "DL-FSSQ" and body["replayed"] is False
    assert body["topic"] == "城乡建设" and body["deputies"][0]["code"] == "D001"
    assert PHONE not in body["masked_text"] and "mobile" in body["pii"]
    assert body["text"] == HEATING and body["contact"] == "0451-86001234"  # staff of the case's station


def test_same_idempotency_key_replays_the_same_case_and_stores_one_submission(api, world):
    headers = world.auth("intake") | {"Idempotency-Key": "desk-1-0001"}
    first = api.post(URL, json={"text": HEATING}, headers=headers)
    again = api.post(URL, json={"text": HEATING}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    a, b = first.json(), again.json()
    assert b["replayed"] is True and a["replayed"] is False
    assert (a["case_number"], a["submission_id"]) == (b["case_number"], b["submission_id"])
    assert b["cosigners"] == 0  # the retry did not join the case as a co-signer
    assert count(world, Submission, Submission.idempotency_key == "desk-1-0001") == 1
    assert count(world, Case) == 1


def test_a_different_key_with_the_same_text_is_a_new_submission(api, world):
    a = api.post(URL, json={"text": HEATING}, headers=world.auth("intake") | {"Idempotency-Key": "a"})
    b = api.post(URL, json={"text": HEATING}, headers=world.auth("intake") | {"Idempotency-Key": "b"})
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["submission_id"] != b.json()["submission_id"]
    assert b.json()["duplicate_of"] == a.json()["case_number"]  # joined the open case as a co-signer


def test_overlong_idempotency_key_is_422(api, world):
    r = api.post(URL, json={"text": HEATING}, headers=world.auth("intake") | {"Idempotency-Key": "k" * 201})
    assert_error(r, 422, "invalid_request")


@pytest.mark.parametrize("role", ["intake", "deputy"])
def test_phone_never_reaches_a_caller_who_may_not_see_the_original(api, world, role):
    r = api.post(URL, json={"text": ELSEWHERE, "contact": "13700001111"}, headers=world.auth(role))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["station"]["code"] == "DW-NML"  # routed away from the caller's stations, not assigned to them
    assert body["text"] is None and body["contact"] is None
    assert "13912345678" not in r.text and "13700001111" not in r.text


def test_admin_and_assigned_deputy_see_the_original(api, world):
    r = api.post(URL, json={"text": ELSEWHERE}, headers=world.auth("admin"))
    assert r.json()["text"] == ELSEWHERE
    r = api.post(URL, json={"text": HEATING}, headers=world.auth("deputy"))
    assert r.json()["deputies"][0]["code"] == "D001" and r.json()["text"] == HEATING


def test_submission_needs_a_valid_token_and_a_submitting_role(api, world):
    assert_error(api.post(URL, json={"text": HEATING}), 401, "unauthenticated")
    r = api.post(URL, json={"text": HEATING}, headers={"Authorization": "Bearer lt_nonsense"})
    assert_error(r, 401, "invalid_token")
    assert r.headers["www-authenticate"] == "Bearer"
    assert_error(api.post(URL, json={"text": HEATING}, headers=world.auth("supervisor")), 403, "forbidden")
    assert count(world, Submission) == 0


def test_intake_station_must_be_within_the_callers_scope(api, world):
    r = api.post(URL, json={"text": HEATING, "station": "DW-NML"}, headers=world.auth("intake"))
    assert_error(r, 403, "forbidden")
    assert_error(api.post(URL, json={"text": HEATING, "station": "XX-NONE"}, headers=world.auth("intake")),
                 404, "station_not_found")
    r = api.post(URL, json={"text": "家门口的路灯坏了三天了", "station": "dw-nml"}, headers=world.auth("admin"))
    assert r.status_code == 201 and r.json()["station"]["code"] == "DW-NML"  # no place named: the intake station


def test_intake_staff_default_to_their_own_station_when_no_place_is_named(api, world):
    r = api.post(URL, json={"text": "家门口的路灯坏了三天了，晚上出门看不见路"}, headers=world.auth("intake"))
    assert r.status_code == 201 and r.json()["station"]["code"] == "DL-FSSQ"


def test_text_over_the_limit_is_413_and_empty_text_422(api, world):
    body = assert_error(api.post(URL, json={"text": "暖" * 20_001}, headers=world.auth("intake")), 413, "text_too_long")
    assert body["detail"] == {"max_chars": 20_000}
    assert_error(api.post(URL, json={"text": "  \n "}, headers=world.auth("intake")), 422, "empty_text")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"content": b""},
        {"content": b"", "headers": {"content-type": "application/json"}},
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"content": b"\x00\xff\xfe\x81\x9c", "headers": {"content-type": "application/json"}},
        {"content": HEATING.encode(), "headers": {"content-type": "text/plain"}},
        {"json": ["暖气不热"]},
        {"json": {"txt": "暖气不热"}},
        {"json": {"text": "暖气\u0000不热"}},
        {"json": {"text": "暖气不热", "reception_session_id": 2**70}},
        {"json": {"text": "暖气不热", "channel": "渠" * 17}},
    ],
)
def test_empty_binary_and_malformed_bodies_are_422_with_the_uniform_body(api, world, kwargs):
    headers = world.auth("intake") | kwargs.pop("headers", {})
    assert_error(api.post(URL, headers=headers, **kwargs), 422, "invalid_request")
    assert count(world, Submission) == 0


def test_lone_surrogate_in_text_is_422_not_500(api, world):
    raw = b'{"text": "\\ud800 \xe6\x9a\x96\xe6\xb0\x94"}'
    r = api.post(URL, content=raw, headers=world.auth("intake") | {"content-type": "application/json"})
    assert_error(r, 422, "invalid_request")


def test_json_body_over_1_mb_is_413(api, world):
    r = api.post(URL, json={"text": "暖" * 400_000}, headers=world.auth("intake"))  # 1.2 MB of UTF-8
    body = assert_error(r, 413, "payload_too_large")
    assert body["detail"] == {"limit_bytes": 1024 * 1024}


def test_batch_reports_each_item_and_one_bad_item_does_not_fail_the_others(api, world):
    items = [
        {"text": HEATING, "idempotency_key": "b-1"},
        {"text": 123},
        {"text": " "},
        {"text": ELSEWHERE, "station": "DW-NML"},
        {"text": HEATING, "idempotency_key": "b-1"},
        {"text": "家门口的路灯坏了三天了", "contact": "13700001111"},
    ]
    r = api.post(BATCH, json={"items": items}, headers=world.auth("intake"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["replayed"], body["failed"]) == (2, 1, 3)
    by_index = {x["index"]: x for x in body["results"]}
    assert [by_index[i]["status_code"] for i in range(6)] == [201, 422, 422, 403, 200, 201]
    assert by_index[1]["error"]["code"] == "invalid_request"
    assert by_index[2]["error"]["code"] == "empty_text"
    assert by_index[3]["error"]["code"] == "forbidden"
    assert by_index[4]["decision"]["submission_id"] == by_index[0]["decision"]["submission_id"]
    assert by_index[5]["decision"]["contact"] == "13700001111"  # own station: the original
    assert count(world, Submission) == 2


def test_batch_masks_for_callers_outside_the_case(api, world):
    r = api.post(BATCH, json={"items": [{"text": ELSEWHERE}]}, headers=world.auth("deputy"))
    assert r.json()["results"][0]["decision"]["text"] is None
    assert "13912345678" not in r.text


def test_batch_over_1000_items_is_422_batch_too_large(api, world):
    r = api.post(BATCH, json={"items": [{"text": "暖气不热"}] * 1_001}, headers=world.auth("intake"))
    body = assert_error(r, 422, "batch_too_large")
    assert body["detail"]["max_items"] == 1_000
    assert count(world, Submission) == 0


def test_batch_roles(api, world):
    payload = {"items": [{"text": HEATING}]}
    assert_error(api.post(BATCH, json=payload), 401, "unauthenticated")
    assert_error(api.post(BATCH, json=payload, headers=world.auth("supervisor")), 403, "forbidden")
    assert_error(api.post(BATCH, json={"items": "暖气"}, headers=world.auth("intake")), 422, "invalid_request")


def test_get_submission_shows_the_decision_to_those_in_scope(api, world):
    made = api.post(URL, json={"text": HEATING}, headers=world.auth("intake")).json()
    url = f"{URL}/{made['submission_id']}"
    for role in ("intake", "station_head", "supervisor", "admin", "deputy"):
        r = api.get(url, headers=world.auth(role))
        assert r.status_code == 200, (role, r.text)
        assert r.json()["case_number"] == made["case_number"] and r.json()["text"] == HEATING


def test_get_submission_outside_the_callers_scope_is_404_like_an_unknown_id(api, world):
    made = api.post(URL, json={"text": HEATING}, headers=world.auth("intake")).json()
    other = user_headers(api, world, "nml-desk", "intake", station="DW-NML")
    hidden = assert_error(api.get(f"{URL}/{made['submission_id']}", headers=other), 404, "submission_not_found")
    unknown = assert_error(api.get(f"{URL}/999999", headers=other), 404, "submission_not_found")
    assert hidden["detail"] == unknown["detail"]
    assert_error(api.get(f"{URL}/{made['submission_id']}"), 401, "unauthenticated")
    assert_error(api.get(f"{URL}/0", headers=other), 422, "invalid_request")


def test_deputy_sees_the_station_queue_case_masked_when_not_assigned(api, world):
    made = api.post(URL, json={"text": "抚顺社区门口的小学放学时段车辆乱停，孩子过马路很危险，电话13611112222"},
                    headers=world.auth("intake")).json()
    assert "D001" not in [d["code"] for d in made["deputies"]]  # a school-traffic case: not D001's expertise
    r = api.get(f"{URL}/{made['submission_id']}", headers=world.auth("deputy"))
    assert r.status_code == 200 and r.json()["text"] is None
    assert "13611112222" not in r.text


IMPORTS = "/api/v1/imports"


def csv_upload(tmp_path, rows: list[list[str]], name: str = "msgs.csv") -> tuple[str, bytes, str]:
    import csv

    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return (name, path.read_bytes(), "text/csv")


def xlsx_upload(tmp_path, rows: list[list[str]]) -> tuple[str, bytes, str]:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "来信.xlsx"
    book.save(path)
    return ("来信.xlsx", path.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_import_of_a_csv_submits_each_row_counts_empty_ones_and_replays_on_reupload(api, world, tmp_path):
    upload = csv_upload(tmp_path, [["text", "contact"], [HEATING, "13700001111"], ["", "13700002222"],
                                   ["家门口的路灯坏了三天了，晚上出门看不见路", ""]])
    r = api.post(IMPORTS, files={"file": upload}, headers=world.auth("intake"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["empty"], body["created"], body["replayed"], body["failed"]) == (3, 1, 2, 0, 0)
    assert [x["index"] for x in body["results"]] == [0, 2]
    assert body["results"][0]["decision"]["contact"] == "13700001111"
    assert body["results"][1]["decision"]["station"]["code"] == "DL-FSSQ"  # the uploader's station by default
    again = api.post(IMPORTS, files={"file": upload}, headers=world.auth("intake")).json()
    assert (again["created"], again["replayed"]) == (0, 2)
    assert count(world, Submission) == 2


def test_import_of_an_xlsx_with_a_named_text_column_and_station(api, world, tmp_path):
    rows = [["编号", "内容"], ["1", "家门口的路灯坏了三天了"], ["2", "小区楼道里堆满杂物，消防通道被堵"]]
    upload = xlsx_upload(tmp_path, rows)
    r = api.post(IMPORTS, files={"file": upload}, data={"text_column": "内容", "station": "DW-NML"},
                 headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["created"], body["failed"], body["text_column"]) == (2, 2, 0, "内容")
    assert {x["decision"]["station"]["code"] for x in body["results"]} == {"DW-NML"}


def test_import_masks_rows_routed_outside_the_uploaders_scope(api, world, tmp_path):
    upload = csv_upload(tmp_path, [["text"], [ELSEWHERE]])
    r = api.post(IMPORTS, files={"file": upload}, headers=world.auth("intake"))
    assert r.json()["results"][0]["decision"]["text"] is None and "13912345678" not in r.text


def test_import_is_for_staff_and_admins_only(api, world, tmp_path):
    upload = csv_upload(tmp_path, [["text"], [HEATING]])
    assert_error(api.post(IMPORTS, files={"file": upload}), 401, "unauthenticated")
    for role in ("deputy", "supervisor"):
        assert_error(api.post(IMPORTS, files={"file": upload}, headers=world.auth(role)), 403, "forbidden")
    assert count(world, Submission) == 0


def test_import_rejects_bad_uploads_with_4xx(api, world, tmp_path):
    auth = world.auth("station_head")
    upload = csv_upload(tmp_path, [["content"], [HEATING]])
    assert_error(api.post(IMPORTS, files={"file": upload}, headers=auth), 422, "column_not_found")
    assert_error(api.post(IMPORTS, files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")}, headers=auth),
                 422, "file_type_unsupported")
    assert_error(api.post(IMPORTS, files={"file": ("x.xlsx", b"\x00\xffnot a zip", "application/octet-stream")},
                          headers=auth), 422, "file_unreadable")
    assert_error(api.post(IMPORTS, data={"station": "DL-FSSQ"}, files={"other": upload}, headers=auth),
                 422, "missing_file")
    assert_error(api.post(IMPORTS, json={"text": HEATING}, headers=auth), 422, "invalid_upload")
    assert_error(api.post(IMPORTS, content=b"\x00\x01\x02", headers=auth | {
        "content-type": "multipart/form-data; boundary=xyz"}), 422, "invalid_upload")


def test_import_takes_uploads_over_1_mb_but_not_over_50_mb(api, world):
    import json

    auth = world.auth("intake")
    line = json.dumps({"text": "抚顺社区楼道灯不亮，" * 60_000}, ensure_ascii=False)  # ~1.7 MB in one row
    r = api.post(IMPORTS, files={"file": ("long.jsonl", line.encode(), "application/x-ndjson")}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["error"]["code"] == "text_too_long"  # the body was taken, the text is too long
    huge = ("big.csv", b"text\n" + b"a" * (50 * 1024 * 1024), "text/csv")
    body = assert_error(api.post(IMPORTS, files={"file": huge}, headers=auth), 413, "payload_too_large")
    assert body["detail"] == {"limit_bytes": 50 * 1024 * 1024}


def test_import_errors_name_the_uploaded_file_not_a_server_path(api, world):
    r = api.post(IMPORTS, files={"file": ("坏表格.xlsx", b"not a zip", "application/octet-stream")},
                 headers=world.auth("intake"))
    body = assert_error(r, 422, "file_unreadable")
    assert "坏表格.xlsx" in body["message"] and "/tmp" not in body["message"]


def test_a_submission_runs_on_the_intake_lane_with_the_requests_context(api, world, monkeypatch):
    from api import observability
    from triage import service

    seen = []
    real = service.intake

    def spy(**kw):
        seen.append((threading.current_thread().name, observability.request_id.get()))
        return real(**kw)

    monkeypatch.setattr(service, "intake", spy)
    r = api.post(URL, json={"text": HEATING}, headers=world.auth("intake") | {"X-Request-ID": "desk-7.42"})
    assert r.status_code == 201, r.text
    assert len(seen) == 1 and seen[0][0].startswith("intake") and seen[0][1] == "desk-7.42"

"""Open311 GeoReport v2: services, requests (list, one, create), filters, the error format, and no personal data."""

from __future__ import annotations

import re

from sqlmodel import select

from api.routes.open311 import SERVICE_CODES
from triage import db
from triage.cases import workflow
from triage.cases.models import Case, Submission
from triage.registry import service as registry

BASE = "/open311/v2"
HEATING = "我们小区今年暖气一直不热，屋里只有十几度，老人孩子都冻感冒了，希望尽快派人检修"
WAGES = "我在工地干了半年活，包工头拖欠我们十几个工人三个月工资，一直推脱不给"
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def create(api, world, *, role: str = "intake", code: str = "urban-construction", text: str = HEATING,
           as_json: bool = False, headers: dict | None = None, **extra: str):
    fields = {"api_key": world.tokens[role], "service_code": code, "description": text, **extra}
    if as_json:
        return api.post(f"{BASE}/requests.json", json=fields, headers=headers)
    return api.post(f"{BASE}/requests.json", data=fields, headers=headers)


def created_id(response) -> str:
    assert response.status_code == 201, response.text
    [item] = response.json()
    assert set(item) == {"service_request_id", "service_notice", "account_id"} and item["account_id"] is None
    return item["service_request_id"]


def assert_geo_error(response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body[0]["description"])
    return body[0]["description"]


def one(api, number: str) -> dict:
    r = api.get(f"{BASE}/requests/{number}.json")
    assert r.status_code == 200, r.text
    [item] = r.json()
    return item


def test_services_are_the_15_topics_with_stable_ascii_codes(api):
    r = api.get(f"{BASE}/services.json")
    assert r.status_code == 200
    services = r.json()
    assert [s["service_name"] for s in services] == list(SERVICE_CODES)
    assert [s["service_code"] for s in services] == [code for code, _ in SERVICE_CODES.values()]
    assert len({s["service_code"] for s in services}) == 15
    for s in services:
        assert set(s) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert re.fullmatch(r"[a-z][a-z-]+", s["service_code"])
        assert s["metadata"] is False and s["type"] == "realtime"
        assert s["description"] and s["keywords"] and "、" not in s["keywords"] and s["group"]
    assert services[0]["service_code"] == "urban-construction" and services[0]["service_name"] == "城乡建设"


def test_created_request_reads_back_in_georeport_format(api, world):
    number = created_id(create(api, world))
    item = one(api, number)
    assert set(item) == REQUEST_FIELDS
    assert item["service_request_id"] == number and item["status"] == "open"
    assert item["service_name"] == "城乡建设" and item["service_code"] == "urban-construction"
    assert item["agency_responsible"] and item["status_notes"].startswith("待办")
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_WITH_OFFSET.match(item[key]), item[key]
    assert item["requested_datetime"] == "2026-11-24T10:30:00+08:00"  # the frozen clock, in Harbin time
    assert item["expected_datetime"] > item["requested_datetime"]
    assert item["zipcode"] is None and item["lat"] is None and item["long"] is None and item["media_url"] is None
    assert item["description"].startswith("我们小区今年暖气一直不热")


def test_expected_datetime_is_the_cases_sla_due(api, world):
    number = created_id(create(api, world))
    engine = db.make_engine(world.settings.database_url)
    with db.transaction(engine) as s:
        due = s.exec(select(Case.sla_due).where(Case.number == number)).one()
    engine.dispose()
    from triage.clock import local
    assert one(api, number)["expected_datetime"] == local(due).isoformat(timespec="seconds")


def test_json_body_is_accepted_as_well_as_a_form(api, world):
    number = created_id(create(api, world, as_json=True))
    assert one(api, number)["service_code"] == "urban-construction"


def test_reads_never_show_phone_name_or_email_of_the_submitter(api, world):
    text = "我是张秀兰，住在抚顺街，家里暖气不热已经一周了，电话13912345678，身份证230102199001011234"
    number = created_id(create(api, world, text=text, first_name="秀兰", last_name="张", phone="13687654321",
                               email="zhang.xl@example.com", address_string="抚顺街2号楼"))
    listing, single = api.get(f"{BASE}/requests.json"), api.get(f"{BASE}/requests/{number}.json")
    for r in (listing, single):
        assert r.status_code == 200
        for secret in ("13912345678", "13687654321", "230102199001011234", "张秀兰", "zhang.xl", "example.com"):
            assert secret not in r.text
    description = single.json()[0]["description"]
    assert "〔手机号〕" in description and "〔姓名〕" in description and "〔身份证号〕" in description
    engine = db.make_engine(world.settings.database_url)
    with db.transaction(engine) as s:
        stored = s.exec(select(Submission).where(Submission.channel == "Open311")).one()
    engine.dispose()
    assert stored.submitter_name == "张秀兰" and stored.contact == "13687654321；zhang.xl@example.com"
    assert stored.text.endswith("地址：抚顺街2号楼")  # the address is part of the text used for routing


def test_invalid_or_missing_api_key_is_401_in_georeport_format(api, world):
    fields = {"service_code": "urban-construction", "description": HEATING}
    assert_geo_error(api.post(f"{BASE}/requests.json", data=fields | {"api_key": "lt_not-a-real-token"}), 401)
    assert_geo_error(api.post(f"{BASE}/requests.json", data=fields), 401)


def test_a_user_without_submit_permission_is_403(api, world):
    assert_geo_error(create(api, world, role="supervisor"), 403)


def test_unknown_service_code_is_400(api, world):
    assert "service_code" in assert_geo_error(create(api, world, code="potholes"), 400)


def test_empty_description_is_400_and_multipart_is_415(api, world):
    assert "description" in assert_geo_error(create(api, world, text="   "), 400)
    r = api.post(f"{BASE}/requests.json", files={"description": ("a.txt", b"x")},
                 data={"api_key": world.tokens["intake"], "service_code": "urban-construction"})
    assert_geo_error(r, 415)


def test_malformed_json_body_is_400(api, world):
    r = api.post(f"{BASE}/requests.json", content=b"{not json", headers={"content-type": "application/json"})
    assert_geo_error(r, 400)
    r = api.post(f"{BASE}/requests.json", json=["a", "list"])
    assert_geo_error(r, 400)


def test_service_code_that_disagrees_with_the_classifier_puts_the_case_under_review(api, world):
    number = created_id(create(api, world, code="discipline-inspection"))
    item = one(api, number)
    assert item["status"] == "open" and item["status_notes"].startswith("待确认")
    assert item["service_name"] != "纪检监察"  # the classifier's topic stands until staff decide
    engine = db.make_engine(world.settings.database_url)
    with db.transaction(engine) as s:
        case = s.exec(select(Case).where(Case.number == number)).one()
    engine.dispose()
    assert case.status == "待确认"
    assert any("纪检监察" in reason and "不一致" in reason for reason in case.review_reasons)


def test_service_code_that_agrees_queues_the_case(api, world):
    number = created_id(create(api, world, code="urban-construction"))
    assert one(api, number)["status_notes"].startswith("待办")


def test_same_idempotency_key_returns_the_same_request(api, world):
    first = created_id(create(api, world, headers={"Idempotency-Key": "open311-retry-1"}))
    again = created_id(create(api, world, headers={"Idempotency-Key": "open311-retry-1"}))
    assert first == again
    assert len(api.get(f"{BASE}/requests.json").json()) == 1


def test_unknown_request_id_is_404_in_georeport_format(api):
    assert_geo_error(api.get(f"{BASE}/requests/DL-FSSQ-2026-999999.json"), 404)


def _close(world, number: str) -> None:
    """A deputy of the station claims and resolves the case (已办结 counts as closed)."""
    engine = db.make_engine(world.settings.database_url)
    with db.transaction(engine) as s:
        case = workflow.get_case(session=s, number=number, lock=True)
        deputy = registry.deputy_by_code(session=s, code="D001")
        workflow.claim(session=s, case=case, deputy_id=deputy.id, now=world.clock())
        workflow.resolve(session=s, case=case, actor="代表 王淑琴", now=world.clock(), reply="已联系供热公司上门检修")
    engine.dispose()


def test_filters_by_id_list_service_code_status_and_dates(api, world):
    heating = created_id(create(api, world))
    world.clock.advance(hours=1)
    wages = created_id(create(api, world, code="labour-social-security", text=WAGES))
    codes = {number: one(api, number)["service_code"] for number in (heating, wages)}
    assert codes[heating] != codes[wages]

    def ids(**params: str) -> list[str]:
        r = api.get(f"{BASE}/requests.json", params=params)
        assert r.status_code == 200, r.text
        return [item["service_request_id"] for item in r.json()]

    assert ids() == [wages, heating]  # newest first
    assert ids(service_request_id=f"{heating},{wages}") == [wages, heating]
    assert ids(service_request_id=heating, status="closed") == [heating]  # the id list overrides other filters
    assert ids(service_code=codes[heating]) == [heating]
    assert ids(start_date="2026-11-24T11:00:00+08:00") == [wages]
    assert ids(end_date="2026-11-24T02:45:00Z") == [heating]  # 10:45 in Harbin
    assert ids(start_date="2026-11-24T10:00:00", end_date="2026-11-24T10:59:00") == [heating]  # naive = Harbin
    _close(world, heating)
    assert ids(status="closed") == [heating] and ids(status="open") == [wages]
    assert ids(status="open,closed") == [wages, heating]
    closed = one(api, heating)
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "已办结：已办结并答复反映人；最近记录：已答复反映人"
    assert "供热公司" not in closed["status_notes"]  # the reply's words are not published


def test_default_listing_covers_the_last_90_days(api, world):
    number = created_id(create(api, world))
    world.clock.advance(days=91)
    assert api.get(f"{BASE}/requests.json").json() == []
    assert [i["service_request_id"] for i in
            api.get(f"{BASE}/requests.json", params={"start_date": "2026-11-01T00:00:00+08:00"}).json()] == [number]


def test_bad_filters_are_400(api):
    assert_geo_error(api.get(f"{BASE}/requests.json", params={"status": "pending"}), 400)
    assert_geo_error(api.get(f"{BASE}/requests.json", params={"start_date": "yesterday"}), 400)
    assert_geo_error(api.get(f"{BASE}/requests.json", params={"service_code": "potholes"}), 400)
    assert_geo_error(api.get(f"{BASE}/requests.json", params={"start_date": "2026-11-02T00:00:00+08:00",
                                                              "end_date": "2026-11-01T00:00:00+08:00"}), 400)
    assert_geo_error(api.get(f"{BASE}/requests.json", params={"end_date": "9999-12-31T23:59:59-23:59"}), 400)
    assert_geo_error(api.get(f"{BASE}/requests.json", params={"service_request_id": "A\x00B"}), 400)
    assert_geo_error(api.get(f"{BASE}/requests/A%00B.json"), 400)

"""Who may see and do what with cases over HTTP: 401 without a valid token, 403 across every boundary, and the
original text and contact only for station staff, assigned deputies, supervisors and admins."""

from __future__ import annotations

import pytest

from tests.api.test_cases import ELSEWHERE, HEAT, LAMP, V1, WAGES, add_user, assert_error, intake, post

PHONE = "13812345678"


@pytest.fixture
def people(world) -> dict[str, dict[str, str]]:
    """Headers of every demo role plus: a deputy of another station (D015, DW-NML), a deputy of the station who is
    not assigned (D011), D007 (of other stations, assigned by matching to WAGES), intake staff of the parent
    street station DL-FS, a station head of DW-NML and the supervisor of another district."""
    heads = {role: world.auth(role) for role in world.tokens}
    heads["far_deputy"] = add_user(world, "far-deputy", "deputy", deputy_code="D015")
    heads["bystander"] = add_user(world, "bystander", "deputy", deputy_code="D011")
    heads["d007"] = add_user(world, "lawyer", "deputy", deputy_code="D007")
    heads["fs_intake"] = add_user(world, "fs-intake", "intake", station_code="DL-FS")
    heads["nml_head"] = add_user(world, "nml-head", "station_head", station_code="DW-NML")
    heads["ng_supervisor"] = add_user(world, "ng-sup", "supervisor", district="南岗区")
    return heads


@pytest.fixture
def heat(world) -> str:
    """A DL-FSSQ case whose text carries a phone number; D001 (the demo deputy) is assigned to it."""
    decision = intake(world, HEAT, name="刘桂兰")
    assert [d["code"] for d in decision["deputies"]] == ["D001"]
    return decision["case_number"]


# --- 401 ---------------------------------------------------------------------------------------------------------
ENDPOINTS = [
    ("get", "/cases", None),
    ("get", "/cases/{n}", None),
    ("get", "/cases/{n}/timeline", None),
    ("post", "/cases/{n}/confirm", {}),
    ("post", "/cases/{n}/claim", None),
    ("post", "/cases/{n}/progress", {"note": "x"}),
    ("post", "/cases/{n}/merge", {"into": "{n}"}),
    ("post", "/submissions/1/split", {"reason": "x"}),
    ("get", "/queues/DL-FSSQ", None),
    ("post", "/queues/DL-FSSQ/claim-next", None),
    ("get", "/overdue", None),
    ("post", "/maintenance/sweep", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize("header", [None, "Bearer lt_not-a-real-token", "Basic ZGVtbzpkZW1v"])
def test_every_case_endpoint_needs_a_valid_token(api, world, heat, method, path, body, header):
    headers = {"Authorization": header} if header else {}
    if body and "into" in body:
        body = {"into": heat}
    r = api.request(method, V1 + path.format(n=heat), json=body, headers=headers)
    assert_error(r, 401, "invalid_token" if header and header.startswith("Bearer") else "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"


# --- 403 ---------------------------------------------------------------------------------------------------------
FORBIDDEN = [
    ("far_deputy", "get", "/cases/{n}", None),
    ("far_deputy", "get", "/cases/{n}/timeline", None),
    ("far_deputy", "post", "/cases/{n}/claim", None),
    ("far_deputy", "post", "/cases/{n}/transfer", {"department": "市住房和城乡建设局"}),
    ("far_deputy", "get", "/queues/DL-FSSQ", None),
    ("far_deputy", "post", "/queues/DL-FSSQ/claim-next", None),
    ("fs_intake", "get", "/cases/{n}", None),
    ("fs_intake", "post", "/cases/{n}/correct", {"topic": "民政"}),
    ("nml_head", "post", "/cases/{n}/reassign", {"deputy": "D015"}),
    ("nml_head", "post", "/cases/{n}/close", {"reason": "x"}),
    ("ng_supervisor", "get", "/cases/{n}", None),
    ("intake", "post", "/cases/{n}/merge", {"into": "{other}"}),
    ("intake", "post", "/cases/{n}/reassign", {"deputy": "D011"}),
    ("intake", "post", "/cases/{n}/claim", None),
    ("intake", "post", "/queues/DL-FSSQ/claim-next", None),
    ("intake", "post", "/maintenance/sweep", None),
    ("supervisor", "post", "/cases/{n}/claim", None),
    ("supervisor", "post", "/cases/{n}/confirm", {}),
    ("supervisor", "post", "/cases/{n}/transfer", {"department": "市住房和城乡建设局"}),
    ("supervisor", "post", "/maintenance/sweep", None),
    ("admin", "post", "/cases/{n}/claim", None),
    ("deputy", "post", "/cases/{n}/merge", {"into": "{other}"}),
    ("deputy", "post", "/cases/{n}/close", {"reason": "x"}),
    ("deputy", "post", "/cases/{n}/reassign", {"deputy": "D011"}),
    ("deputy", "post", "/cases/{n}/release", {"reason": "x"}),  # not claimed by them
    ("deputy", "post", "/cases/{n}/resolve", {"reply": "x"}),
    ("deputy", "post", "/maintenance/sweep", None),
    ("deputy", "get", "/queues/DW-NML", None),
    ("deputy", "post", "/queues/DW-NML/claim-next", None),
    ("station_head", "post", "/cases/{n}/claim", None),
    ("station_head", "get", "/overdue?station=DW-NML", None),
]


@pytest.mark.parametrize(("who", "method", "path", "body"), FORBIDDEN)
def test_callers_outside_their_role_or_station_get_403(api, world, people, heat, who, method, path, body):
    other = intake(world, LAMP)["case_number"]
    if body:
        body = {k: v.format(n=heat, other=other) for k, v in body.items()}
    r = api.request(method, V1 + path.format(n=heat), json=body, headers=people[who])
    assert_error(r, 403, "forbidden")
    assert PHONE not in r.text
    case = api.get(f"{V1}/cases/{heat}", headers=people["admin"]).json()
    assert case["status"] == "待办" and [e["action"] for e in case["timeline"]] == ["create"]


def test_only_the_claimant_deputy_may_progress_resolve_or_release(api, world, people, heat):
    post(api, world, "deputy", heat, "claim")
    for step, body in (("resolve", {"reply": "已修好"}), ("progress", {"note": "x"}), ("release", {"reason": "x"})):
        r = api.post(f"{V1}/cases/{heat}/{step}", json=body, headers=people["bystander"])
        assert "只有认领该案件的代表" in assert_error(r, 403, "forbidden")["message"]
    r = api.post(f"{V1}/cases/{heat}/claim", headers=people["bystander"])
    assert_error(r, 409, "illegal_transition")  # allowed to try, but the case is taken
    assert post(api, world, "station_head", heat, "progress", {"note": "站长代为记录"})["status"] == "处理中"
    assert post(api, world, "deputy", heat, "resolve", {"reply": "已修好"})["status"] == "已办结"


def test_merging_across_stations_is_refused(api, world, heat):
    far = intake(world, ELSEWHERE)["case_number"]
    r = api.post(f"{V1}/cases/{heat}/merge", json={"into": far}, headers=world.auth("admin"))
    assert_error(r, 409, "merge_other_station")


def test_splitting_needs_a_station_head_of_that_station(api, world, people):
    intake(world, LAMP)
    joined = intake(world, LAMP + "，电话13900001111")
    path = f"{V1}/submissions/{joined['submission_id']}/split"
    for who in ("intake", "deputy", "nml_head", "supervisor"):
        assert_error(api.post(path, json={"reason": "不同问题"}, headers=people[who]), 403, "forbidden")
    assert api.post(path, json={"reason": "不同问题"}, headers=people["station_head"]).status_code == 200


# --- original versus masked -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("who", "sees"), [
    ("intake", True), ("station_head", True), ("deputy", True), ("supervisor", True), ("admin", True),
    ("bystander", False),
])
def test_original_text_and_contact_only_for_those_allowed(api, people, heat, who, sees):
    r = api.get(f"{V1}/cases/{heat}", headers=people[who])
    assert r.status_code == 200, r.text
    case = r.json()
    sub = case["submissions"][0]
    assert case["sees_original"] is sees
    assert "〔手机号〕" in sub["masked_text"] and "〔手机号〕" in case["summary"]
    if sees:
        assert PHONE in sub["text"] and sub["contact"] == PHONE and sub["submitter_name"] == "刘桂兰"
    else:
        assert sub["text"] is None and sub["contact"] is None and sub["submitter_name"] is None
        assert PHONE not in r.text and "刘桂兰" not in r.text


@pytest.mark.parametrize("who", ["far_deputy", "fs_intake", "ng_supervisor"])
def test_outsiders_get_neither_the_case_nor_the_text(api, people, heat, who):
    for path in (f"/cases/{heat}", f"/cases/{heat}/timeline"):
        r = api.get(V1 + path, headers=people[who])
        assert_error(r, 403, "forbidden")
        assert PHONE not in r.text and "暖气" not in r.text
    for path in ("/cases", f"/cases?q={heat}", "/cases?q=暖气", "/overdue"):
        r = api.get(V1 + path, headers=people[who])
        assert r.status_code == 200 and r.json()["items"] == [], r.text


def test_a_deputy_reassigned_from_another_station_then_sees_the_original(api, world, people, heat):
    post(api, world, "station_head", heat, "reassign", {"deputy": "D015", "reason": "熟悉供热"})
    case = api.get(f"{V1}/cases/{heat}", headers=people["far_deputy"]).json()
    assert case["sees_original"] and case["submissions"][0]["contact"] == PHONE
    mine = api.get(f"{V1}/cases", params={"assigned_to_me": True}, headers=people["far_deputy"]).json()
    assert [i["case_number"] for i in mine["items"]] == [heat]
    claimed = api.post(f"{V1}/cases/{heat}/claim", headers=people["far_deputy"])
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "徐振东"


def test_replies_and_audit_reasons_are_masked_for_those_without_the_original(api, world, people, heat):
    post(api, world, "deputy", heat, "claim")
    post(api, world, "deputy", heat, "progress", {"note": f"已打{PHONE}联系刘桂兰，约周四上门"})
    staff = api.get(f"{V1}/cases/{heat}", headers=people["intake"]).json()
    assert staff["replies"][0]["text"] == staff["timeline"][-1]["reason"] == "已打〔手机号〕联系刘桂兰,约周四上门"
    for path in (f"/cases/{heat}", f"/cases/{heat}/timeline"):
        r = api.get(V1 + path, headers=people["bystander"])
        assert r.status_code == 200 and PHONE not in r.text and "刘桂兰" not in r.text
        assert "已打〔手机号〕联系〔姓名〕" in r.text


def test_a_deputy_lists_their_station_queue_and_assignments_elsewhere(api, world, people, heat):
    wages = intake(world, WAGES)
    assert [d["code"] for d in wages["deputies"]] == ["D007"]  # D007 is not a member of DL-FSSQ
    far = intake(world, ELSEWHERE)["case_number"]

    def listed(who: str) -> set[str]:
        return {i["case_number"] for i in api.get(f"{V1}/cases", headers=people[who]).json()["items"]}

    assert listed("d007") == {wages["case_number"]}
    assert listed("deputy") == listed("bystander") == listed("supervisor") == {heat, wages["case_number"]}
    assert listed("far_deputy") == listed("nml_head") == {far}
    assert listed("ng_supervisor") == set()
    assert listed("admin") == {heat, wages["case_number"], far}
    case = api.get(f"{V1}/cases/{wages['case_number']}", headers=people["d007"]).json()
    assert case["sees_original"] is True


def test_phone_search_is_for_station_staff_of_that_station_only(api, world, people, heat):
    def search(who: str, **params: str):  # noqa: ANN202
        return api.get(f"{V1}/cases", params={"phone_last4": "5678", **params}, headers=people[who])

    assert [i["case_number"] for i in search("intake", station="DL-FSSQ").json()["items"]] == [heat]
    assert search("station_head", station="DL-FSSQ").json()["total"] == 1
    assert_error(search("intake"), 422, "station_required")
    assert_error(search("intake", station="DL-FS"), 403, "forbidden")
    assert_error(search("fs_intake", station="DL-FSSQ"), 403, "forbidden")
    for who in ("deputy", "supervisor", "admin"):
        assert "仅限站点接待员和站长" in assert_error(search(who, station="DL-FSSQ"), 403, "forbidden")["message"]


def test_a_station_head_sweeps_everywhere_but_hears_only_of_their_own_station(api, world, people, heat):
    far = intake(world, ELSEWHERE)["case_number"]
    post(api, world, "deputy", heat, "claim")
    assert api.post(f"{V1}/cases/{far}/claim", headers=people["far_deputy"]).status_code == 200
    world.clock.advance(days=7)
    assert api.post(f"{V1}/maintenance/sweep", headers=people["station_head"]).json() == {"lapsed": [heat], "count": 2}
    assert api.get(f"{V1}/cases/{far}", headers=people["nml_head"]).json()["status"] == "待办"

"""Registry endpoints (stations, receptions, deputies, departments, taxonomy), /me, and the admin endpoints."""

from __future__ import annotations

import pytest

from tests.api.test_submissions import HEATING, assert_error, user_headers

V1 = "/api/v1"
ROLES = ("intake", "deputy", "station_head", "supervisor", "admin")


@pytest.mark.parametrize("path", ["/stations", "/stations/DL-FSSQ", "/stations/DL-FSSQ/receptions", "/deputies",
                                  "/deputies/D001", "/departments", "/taxonomy", "/me", "/me/assignments"])
def test_every_read_endpoint_needs_a_valid_token(api, path):
    assert_error(api.get(V1 + path), 401, "unauthenticated")
    assert_error(api.get(V1 + path, headers={"Authorization": "Bearer lt_wrong"}), 401, "invalid_token")


def test_stations_list_and_filters(api, world):
    auth = world.auth("deputy")
    everything = api.get(f"{V1}/stations", headers=auth).json()
    assert len(everything) >= 50 and [s["code"] for s in everything] == sorted(s["code"] for s in everything)
    daoli = api.get(f"{V1}/stations", params={"district": "道里区"}, headers=auth).json()
    assert daoli and {s["district"] for s in daoli} == {"道里区"}
    communities = api.get(f"{V1}/stations", params={"district": "道里区", "level": "社区"}, headers=auth).json()
    assert "DL-FSSQ" in [s["code"] for s in communities] and {s["level"] for s in communities} == {"社区"}
    fssq = next(s for s in communities if s["code"] == "DL-FSSQ")
    assert fssq["parent_code"] == "DL-FS" and fssq["reception_days"] == [3]
    assert api.get(f"{V1}/stations", params={"district": "火星区"}, headers=auth).json() == []


def test_station_detail_lists_its_deputies_with_their_open_load(api, world):
    auth = world.auth("intake")
    before = api.get(f"{V1}/stations/dl-fssq", headers=auth).json()
    d001 = next(d for d in before["deputies"] if d["code"] == "D001")
    assert {"D001", "D011", "D013"} <= {d["code"] for d in before["deputies"]}
    assert d001["expertise"] == ["城乡建设", "民政"] and d001["capacity"] == 9
    assert api.post(f"{V1}/submissions", json={"text": HEATING}, headers=auth).status_code == 201
    after = api.get(f"{V1}/stations/DL-FSSQ", headers=auth).json()
    assert next(d for d in after["deputies"] if d["code"] == "D001")["open_load"] == d001["open_load"] + 1
    assert_error(api.get(f"{V1}/stations/XX-NONE", headers=auth), 404, "station_not_found")


def test_station_head_records_a_reception_and_it_shows_in_the_register_and_the_deputys_record(api, world):
    head = world.auth("station_head")
    payload = {"day": "2026-11-25", "deputies": ["D001", "d011"], "theme_topic": "城乡建设", "hours": 3,
               "notes": "冬季供暖主题接待，联系人电话13811112222"}
    r = api.post(f"{V1}/stations/DL-FSSQ/receptions", json=payload, headers=head)
    assert r.status_code == 201, r.text
    assert r.json()["deputies"] == ["D001", "D011"] and r.json()["station"] == "DL-FSSQ"
    assert "13811112222" not in r.text
    listed = api.get(f"{V1}/stations/DL-FSSQ/receptions", headers=world.auth("deputy"))
    assert "13811112222" not in listed.text and listed.json()[0]["notes"].startswith("冬季供暖主题接待")
    register = listed.json()
    assert [(x["day"], x["theme"], x["hours"]) for x in register] == [("2026-11-25", "城乡建设", 3.0)]
    assert register[0]["deputies"] == ["王淑琴", "郑宏伟"]
    record = api.get(f"{V1}/deputies/D001", headers=head).json()["record"]
    assert (record["receptions"], record["hours"]) == (1, 3.0)


def test_only_the_stations_own_head_or_an_admin_records_receptions(api, world):
    payload = {"day": "2026-11-25", "deputies": ["D001"]}
    url = f"{V1}/stations/DL-FSSQ/receptions"
    assert_error(api.post(url, json=payload), 401, "unauthenticated")
    for role in ("intake", "deputy", "supervisor"):
        assert_error(api.post(url, json=payload, headers=world.auth(role)), 403, "forbidden")
    other_head = {"day": "2026-11-25", "deputies": ["D002"]}
    assert_error(api.post(f"{V1}/stations/DL-ZL/receptions", json=other_head, headers=world.auth("station_head")),
                 403, "forbidden")
    assert api.post(url, json=payload, headers=world.auth("admin")).status_code == 201


def test_reception_input_is_checked(api, world):
    url, head = f"{V1}/stations/DL-FSSQ/receptions", world.auth("station_head")
    assert_error(api.post(url, json={"day": "2026-11-25", "deputies": []}, headers=head), 422, "invalid_request")
    assert_error(api.post(url, json={"day": "25/11/2026", "deputies": ["D001"]}, headers=head), 422, "invalid_request")
    assert_error(api.post(url, json={"day": "2026-11-25", "deputies": ["D999"]}, headers=head), 404, "deputy_not_found")
    r = api.post(url, json={"day": "2026-11-25", "deputies": ["D001"], "theme_topic": "星际旅行"}, headers=head)
    assert_error(r, 422, "unknown_topic")


def test_deputies_filters_by_station_and_topic(api, world):
    auth = world.auth("supervisor")
    at_fssq = api.get(f"{V1}/deputies", params={"station": "DL-FSSQ"}, headers=auth).json()
    assert [d["code"] for d in at_fssq] == sorted(d["code"] for d in at_fssq)
    assert {"D001", "D011", "D013"} == {d["code"] for d in at_fssq}
    civil = api.get(f"{V1}/deputies", params={"station": "DL-FSSQ", "topic": "民政"}, headers=auth).json()
    assert "D001" in [d["code"] for d in civil] and all("民政" in d["expertise"] for d in civil)
    assert all("教育文体" in d["expertise"] for d in api.get(f"{V1}/deputies", params={"topic": "教育文体"},
                                                              headers=auth).json())
    assert_error(api.get(f"{V1}/deputies", params={"station": "XX"}, headers=auth), 404, "station_not_found")


def test_deputy_profile_has_the_record(api, world):
    body = api.get(f"{V1}/deputies/D001", headers=world.auth("intake")).json()
    assert (body["name"], body["stations"]) == ("王淑琴", ["DL-FSSQ", "DL-FS"])
    assert body["record"]["deputy"] == "D001" and body["record"]["cases_handled"] == 0
    assert_error(api.get(f"{V1}/deputies/D999", headers=world.auth("intake")), 404, "deputy_not_found")


def test_departments_and_taxonomy_come_from_the_tables(api, world):
    auth = world.auth("intake")
    departments = api.get(f"{V1}/departments", headers=auth).json()
    assert "市住房和城乡建设局" in [d["name"] for d in departments]
    taxonomy = api.get(f"{V1}/taxonomy", headers=auth).json()
    assert len(taxonomy["topics"]) == 15 and taxonomy["departments"] == departments
    assert all(t["description"] for t in taxonomy["topics"])


def test_me_describes_each_role(api, world):
    me = {role: api.get(f"{V1}/me", headers=world.auth(role)).json() for role in ROLES}
    assert {role: m["role"] for role, m in me.items()} == {r: r for r in ROLES}
    assert [s["code"] for s in me["intake"]["stations"]] == ["DL-FSSQ"]
    assert me["deputy"]["deputy"] == {"code": "D001", "name": "王淑琴"}
    assert {s["code"] for s in me["deputy"]["stations"]} == {"DL-FS", "DL-FSSQ"}
    assert me["supervisor"]["district"] == "道里区"
    assert {s["district"] for s in me["supervisor"]["stations"]} == {"道里区"}
    assert me["admin"]["stations"] == [] and me["admin"]["deputy"] is None


def test_my_assignments_lists_a_deputys_open_cases_and_refuses_other_roles(api, world):
    assert api.get(f"{V1}/me/assignments", headers=world.auth("deputy")).json() == []
    made = api.post(f"{V1}/submissions", json={"text": HEATING}, headers=world.auth("intake")).json()
    mine = api.get(f"{V1}/me/assignments", headers=world.auth("deputy")).json()
    assert [a["case_number"] for a in mine] == [made["case_number"]]
    assert mine[0]["assignment"]["role"] == "primary" and mine[0]["colour"] == "green"
    assert "13845120937" not in str(mine)
    for role in ("intake", "station_head", "supervisor", "admin"):
        assert_error(api.get(f"{V1}/me/assignments", headers=world.auth(role)), 403, "not_a_deputy")


def test_admin_creates_a_user_and_a_token_that_works_once_shown(api, world):
    admin = world.auth("admin")
    r = api.post(f"{V1}/users", json={"username": "zl-desk", "role": "intake", "display_name": "兆麟接待员",
                                      "station": "dl-zl"}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json() | {"created_at": None} == {"username": "zl-desk", "display_name": "兆麟接待员", "role": "intake",
                                               "role_name": "接待员", "station": "DL-ZL", "district": None,
                                               "deputy": None, "active": True, "created_at": None}
    t = api.post(f"{V1}/users/zl-desk/tokens", json={"name": "窗口电脑"}, headers=admin)
    assert t.status_code == 201 and t.json()["token"].startswith(t.json()["prefix"])
    me = api.get(f"{V1}/me", headers={"Authorization": f"Bearer {t.json()['token']}"}).json()
    assert (me["username"], [s["code"] for s in me["stations"]]) == ("zl-desk", ["DL-ZL"])
    deputy = api.post(f"{V1}/users", json={"username": "d2", "role": "deputy", "deputy": "D002"}, headers=admin)
    assert deputy.json()["deputy"] == {"code": "D002", "name": "刘国庆"}


def test_user_creation_input_errors(api, world):
    admin = world.auth("admin")
    assert_error(api.post(f"{V1}/users", json={"username": "demo-intake", "role": "intake", "station": "DL-FSSQ"},
                          headers=admin), 409, "username_taken")
    assert_error(api.post(f"{V1}/users", json={"username": "x", "role": "intake"}, headers=admin),
                 422, "station_required")
    assert_error(api.post(f"{V1}/users", json={"username": "x", "role": "king"}, headers=admin), 422, "invalid_request")
    assert_error(api.post(f"{V1}/users", json={"username": "a b", "role": "admin"}, headers=admin),
                 422, "invalid_username")
    assert_error(api.post(f"{V1}/users/nobody/tokens", headers=admin), 404, "user_not_found")


@pytest.mark.parametrize("role", ["intake", "deputy", "station_head", "supervisor"])
def test_admin_endpoints_are_refused_to_other_roles(api, world, role):
    auth = world.auth(role)
    assert_error(api.post(f"{V1}/users", json={"username": "x", "role": "admin"}, headers=auth), 403, "forbidden")
    assert_error(api.post(f"{V1}/users/demo-intake/tokens", headers=auth), 403, "forbidden")
    assert_error(api.patch(f"{V1}/deputies/D001", json={"capacity": 1}, headers=auth), 403, "forbidden")
    assert api.get(f"{V1}/deputies/D001", headers=auth).json()["capacity"] == 9


def test_admin_endpoints_need_a_token(api):
    assert_error(api.post(f"{V1}/users", json={"username": "x", "role": "admin"}), 401, "unauthenticated")
    assert_error(api.post(f"{V1}/users/demo-intake/tokens"), 401, "unauthenticated")
    assert_error(api.patch(f"{V1}/deputies/D001", json={"capacity": 1}), 401, "unauthenticated")


def test_patching_a_deputy_changes_matching_at_once(api, world):
    intake, admin = world.auth("intake"), world.auth("admin")
    first = api.post(f"{V1}/submissions", json={"text": HEATING}, headers=intake).json()  # builds the caches
    assert first["deputies"][0]["code"] == "D001" and "擅长城乡建设" in first["deputies"][0]["reasons"]
    r = api.patch(f"{V1}/deputies/d001", json={"expertise": ["民政"], "reception_days": [5, 1, 1]}, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["capacity"], r.json()["reception_days"], r.json()["expertise"]) == (9, [1, 5], ["民政"])
    other = api.post(f"{V1}/submissions", json={"text": "抚顺社区3号楼楼道里的灯坏了半个月，晚上上下楼摔了好几个人"},
                     headers=intake).json()
    assert other["case_number"] != first["case_number"] and other["topic"] == "城乡建设"
    d001 = [d for d in other["deputies"] if d["code"] == "D001"]
    assert not d001 or "擅长城乡建设" not in d001[0]["reasons"]  # the cached directory followed the edit


def test_capacity_zero_takes_a_deputy_out_of_matching(api, world):
    assert api.patch(f"{V1}/deputies/D001", json={"capacity": 0}, headers=world.auth("admin")).json()["capacity"] == 0
    made = api.post(f"{V1}/submissions", json={"text": HEATING}, headers=world.auth("intake")).json()
    assert "D001" not in [d["code"] for d in made["deputies"]]


def test_deputy_patch_input_errors(api, world):
    admin = world.auth("admin")
    r = api.patch(f"{V1}/deputies/D001", json={"expertise": ["星际旅行"]}, headers=admin)
    assert_error(r, 422, "unknown_topic")
    assert_error(api.patch(f"{V1}/deputies/D001", json={"capacity": -1}, headers=admin), 422, "invalid_request")
    assert_error(api.patch(f"{V1}/deputies/D001", json={"reception_days": [8]}, headers=admin), 422, "invalid_request")
    assert_error(api.patch(f"{V1}/deputies/D999", json={"active": False}, headers=admin), 404, "deputy_not_found")


def test_an_inactive_deputy_is_not_matched(api, world):
    admin, intake = world.auth("admin"), world.auth("intake")
    assert api.patch(f"{V1}/deputies/D001", json={"active": False}, headers=admin).json()["active"] is False
    made = api.post(f"{V1}/submissions", json={"text": HEATING}, headers=intake).json()
    assert "D001" not in [d["code"] for d in made["deputies"]]
    assert user_headers(api, world, "another-admin", "admin")  # admin endpoints keep working

"""Cases over HTTP: every workflow step's happy path, queues, 督办, lapsed claims, listing with filters and pages,
409 on illegal steps, 404 on unknown numbers, 422 on bad input."""

from __future__ import annotations

import pytest

from api import deps
from tests.api.conftest import World
from triage import classification, db, service
from triage.accounts import service as accounts

HEAT = "抚顺社区12号楼的暖气一直不热，屋里只有十四度，老人孩子受不了，联系电话13812345678"  # 较急, D001
LAMP = "抚顺社区门口的路灯坏了半个月，晚上出门很黑，希望尽快修好"  # 较急, D001
SMOKE = "抚顺社区附近一家饭店油烟直排，熏得楼上住户不敢开窗"  # 一般, D013
WAGES = "我在抚顺社区一家装修公司打工，老板拖欠三个月工资不给"  # 一般, D007 (of another station)
SCHOOL = "抚顺社区的孩子上小学划片不合理，要走很远的路"  # 一般
SHED = "抚顺社区有人在楼下私搭乱建了一个铁皮房"  # 一般, D001
GYM = "抚顺社区有个公园的健身器材坏了好几个，很危险"
ELSEWHERE = "南马路街道有个小区楼道里堆满杂物，存在消防隐患"  # DW-NML
V1 = "/api/v1"


# --- helpers (also used by test_case_roles.py) -----------------------------------------------------------------
def intake(world: World, text: str, *, station: str | None = "DL-FSSQ", contact: str | None = None,
           name: str | None = None, proposed_topic: str | None = None) -> dict:
    """Triage one message straight through the domain (no HTTP), at the world's frozen time, on the app's engine
    (``deps.engine``: one per database URL, disposed when the test client stops)."""
    model = classification.load(world.settings.model_dir, cache_dir=world.settings.jieba_cache_dir)
    return service.intake(engine=deps.engine_for(world.settings), model=model, now=world.clock(), max_chars=20_000,
                          intake=service.Intake(text=text, intake_station=station, contact=contact,
                                                submitter_name=name, proposed_topic=proposed_topic))


def add_user(world: World, username: str, role: str, **where: str) -> dict[str, str]:
    """A further user with a token; returns the Authorization header."""
    with db.transaction(deps.engine_for(world.settings)) as session:
        user = accounts.create_user(session=session, username=username, role=role, now=world.clock(), **where)
        token = accounts.create_token(session=session, user=user, now=world.clock())
    return {"Authorization": f"Bearer {token}"}


def post(api, world: World, role: str, number: str, step: str, body: dict | None = None, status: int = 200) -> dict:
    r = api.post(f"{V1}/cases/{number}/{step}", json=body, headers=world.auth(role))
    assert r.status_code == status, r.text
    return r.json()


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # the message speaks Chinese
    return body


# --- the life of a case ----------------------------------------------------------------------------------------
def test_full_life_claim_progress_transfer_reply_resolve_feedback_close(api, world):
    number = intake(world, HEAT)["case_number"]
    case = post(api, world, "deputy", number, "claim")
    assert case["status"] == "处理中" and case["claimed_by"] == "王淑琴"
    case = post(api, world, "deputy", number, "progress", {"note": "已电话联系住户，约好周四上门"})
    assert case["replies"][-1]["kind"] == "progress"
    case = post(api, world, "station_head", number, "transfer", {"department": "市住房和城乡建设局"})
    assert case["status"] == "已转办" and case["transferred_to"] == "市住房和城乡建设局"
    case = post(api, world, "intake", number, "department-reply", {"reply": "供热公司已安排排查管线"})
    assert case["status"] == "处理中"  # back with the deputy who holds it
    case = post(api, world, "deputy", number, "resolve", {"reply": "管线已疏通，室温恢复到二十度"})
    assert case["status"] == "已办结"
    case = post(api, world, "intake", number, "feedback", {"satisfaction": 5, "note": "住户很满意"})
    assert case["status"] == "已回访" and case["satisfaction"] == 5
    case = post(api, world, "station_head", number, "close")
    assert case["status"] == "已关闭" and case["colour"] is None
    events = api.get(f"{V1}/cases/{number}/timeline", headers=world.auth("station_head")).json()["events"]
    assert [e["action"] for e in events] == ["create", "claim", "progress", "transfer", "department_reply",
                                            "resolve", "visit", "close"]
    assert events[2]["actor"] == "代表 王淑琴（demo-deputy）" and events[7]["actor"] == "站长 站长老李（demo-head）"


def test_release_puts_the_claim_back_in_the_queue(api, world):
    number = intake(world, LAMP)["case_number"]
    post(api, world, "deputy", number, "claim")
    case = post(api, world, "deputy", number, "release", {"reason": "本周外出开会，无法跟进"})
    assert case["status"] == "待办" and case["claimed_by"] is None
    assert case["timeline"][-1]["reason"] == "本周外出开会,无法跟进"


def test_send_back_returns_a_transferred_case_to_the_station(api, world):
    number = intake(world, SMOKE)["case_number"]
    post(api, world, "station_head", number, "transfer", {"department": "市生态环境局"})
    case = post(api, world, "intake", number, "send-back", {"reason": "餐饮油烟属城管执法范围"})
    assert case["status"] == "待办" and case["transferred_to"] is None
    assert case["timeline"][-1]["action"] == "return"


def test_reopen_after_an_unhappy_visit(api, world):
    number = intake(world, SHED)["case_number"]
    post(api, world, "deputy", number, "claim")
    post(api, world, "deputy", number, "resolve", {"reply": "已请城管上门查看"})
    post(api, world, "intake", number, "feedback", {"satisfaction": 1})
    case = post(api, world, "station_head", number, "reopen", {"reason": "铁皮房仍未拆除"})
    assert case["status"] == "待办" and case["claimed_by"] is None


def test_closing_without_a_visit_needs_a_reason(api, world):
    number = intake(world, SHED)["case_number"]
    post(api, world, "deputy", number, "claim")
    post(api, world, "deputy", number, "resolve", {"reply": "已拆除"})
    assert_error(api.post(f"{V1}/cases/{number}/close", headers=world.auth("station_head")), 422, "missing_reason")
    case = post(api, world, "station_head", number, "close", {"reason": "反映人电话停机，无法回访"})
    assert case["status"] == "已关闭"


def test_confirm_queues_a_case_under_review_with_the_confirmed_topic(api, world):
    decision = intake(world, GYM, proposed_topic="民政")
    assert decision["status"] == "待确认"
    case = post(api, world, "intake", decision["case_number"], "confirm", {"topic": "民政"})
    assert case["status"] == "待办" and case["topic"] == "民政" and case["review_reasons"] == []


def test_correct_changes_the_department_of_an_open_case(api, world):
    number = intake(world, LAMP)["case_number"]
    case = post(api, world, "station_head", number, "correct", {"department": "属地街道办事处"})
    assert case["department"] == "属地街道办事处" and case["status"] == "待办"
    assert case["timeline"][-1]["action"] == "correct"


def test_unknown_labels_are_refused(api, world):
    number = intake(world, LAMP)["case_number"]
    assert_error(api.post(f"{V1}/cases/{number}/correct", json={"topic": "天气"}, headers=world.auth("intake")),
                 422, "unknown_topic")
    assert_error(api.post(f"{V1}/cases/{number}/transfer", json={"department": "市天气局"},
                          headers=world.auth("station_head")), 422, "unknown_department")


def test_reassign_gives_the_case_to_another_deputy_and_releases_the_claim(api, world):
    number = intake(world, HEAT)["case_number"]
    post(api, world, "deputy", number, "claim")
    case = post(api, world, "station_head", number, "reassign", {"deputy": "d011", "reason": "郑代表住得近"})
    assert case["status"] == "待办" and case["claimed_by"] is None
    assert [(d["code"], d["role"]) for d in case["deputies"]] == [("D011", "primary"), ("D001", "team")]


def test_merge_folds_a_duplicate_into_another_case(api, world):
    keep, dup = intake(world, HEAT)["case_number"], intake(world, LAMP)["case_number"]
    into = post(api, world, "station_head", dup, "merge", {"into": keep, "reason": "同一小区同一供热问题"})
    assert into["case_number"] == keep and into["cosigners"] == 1
    merged = api.get(f"{V1}/cases/{dup}", headers=world.auth("station_head")).json()
    assert merged["status"] == "已合并" and merged["merged_into"] == keep and merged["deputies"] == []
    assert_error(api.post(f"{V1}/cases/{keep}/merge", json={"into": keep}, headers=world.auth("station_head")),
                 422, "merge_into_self")


def test_split_undoes_a_join(api, world):
    first = intake(world, LAMP)
    joined = intake(world, LAMP + "，电话13900001111")
    assert joined["duplicate_of"] == first["case_number"]
    r = api.post(f"{V1}/submissions/{joined['submission_id']}/split", json={"reason": "不是同一个路灯"},
                 headers=world.auth("station_head"))
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["case_number"] != first["case_number"] and [s["id"] for s in new["submissions"]] == \
        [joined["submission_id"]]
    old = api.get(f"{V1}/cases/{first['case_number']}", headers=world.auth("station_head")).json()
    assert old["cosigners"] == 0 and old["timeline"][-1]["action"] == "split_out"
    assert_error(api.post(f"{V1}/submissions/{first['submission_id']}/split", json={"reason": "x"},
                          headers=world.auth("station_head")), 422, "split_first")
    assert_error(api.post(f"{V1}/submissions/999999/split", json={"reason": "x"},
                          headers=world.auth("station_head")), 404, "submission_not_found")


# --- refusals: 409, 404, 422 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "step", "body"), [
    ("station_head", "release", {"reason": "x"}),
    ("station_head", "resolve", {"reply": "好了"}),
    ("intake", "feedback", {"satisfaction": 3}),
    ("station_head", "close", {"reason": "x"}),
    ("station_head", "reopen", {"reason": "x"}),
    ("intake", "department-reply", {"reply": "x"}),
    ("intake", "send-back", {"reason": "x"}),
    ("intake", "confirm", {}),
])
def test_illegal_steps_on_a_queued_case_are_409_in_chinese(api, world, role, step, body):
    number = intake(world, SMOKE)["case_number"]
    body = assert_error(api.post(f"{V1}/cases/{number}/{step}", json=body, headers=world.auth(role)),
                        409, "illegal_transition")
    assert number in body["message"] and "「待办」" in body["message"]
    assert api.get(f"{V1}/cases/{number}", headers=world.auth("intake")).json()["status"] == "待办"


def test_claiming_a_claimed_case_is_409(api, world):
    number = intake(world, HEAT)["case_number"]
    post(api, world, "deputy", number, "claim")
    assert_error(api.post(f"{V1}/cases/{number}/claim", headers=world.auth("deputy")), 409, "illegal_transition")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/cases/DL-FSSQ-2026-999999", None),
    ("get", "/cases/DL-FSSQ-2026-999999/timeline", None),
    ("post", "/cases/DL-FSSQ-2026-999999/claim", None),
    ("post", "/cases/DL-FSSQ-2026-999999/progress", {"note": "x"}),
    ("post", "/cases/DL-FSSQ-2026-999999/close", {"reason": "x"}),
])
def test_unknown_case_numbers_are_404(api, world, method, path, body):
    r = api.request(method, V1 + path, json=body, headers=world.auth("admin"))
    assert assert_error(r, 404, "case_not_found")["message"] == "没有找到案件 DL-FSSQ-2026-999999"


def test_unknown_stations_deputies_and_merge_targets_are_404(api, world):
    number = intake(world, HEAT)["case_number"]
    head = world.auth("station_head")
    assert_error(api.get(f"{V1}/queues/XX-NONE", headers=head), 404, "station_not_found")
    assert_error(api.get(f"{V1}/cases", params={"station": "XX-NONE"}, headers=head), 404, "station_not_found")
    assert_error(api.post(f"{V1}/cases/{number}/reassign", json={"deputy": "D999"}, headers=head),
                 404, "deputy_not_found")
    assert_error(api.post(f"{V1}/cases/{number}/merge", json={"into": "DL-FSSQ-2026-999999"}, headers=head),
                 404, "case_not_found")


def test_blank_or_malformed_bodies_are_422(api, world):
    number = intake(world, HEAT)["case_number"]
    post(api, world, "deputy", number, "claim")
    r = api.post(f"{V1}/cases/{number}/progress", json={"note": "   "}, headers=world.auth("deputy"))
    assert_error(r, 422, "missing_text")
    assert_error(api.post(f"{V1}/cases/{number}/release", json={}, headers=world.auth("deputy")),
                 422, "invalid_request")
    assert_error(api.post(f"{V1}/cases/{number}/progress", json={"note": "长" * 2001}, headers=world.auth("deputy")),
                 422, "invalid_request")
    post(api, world, "deputy", number, "resolve", {"reply": "已修好"})
    assert_error(api.post(f"{V1}/cases/{number}/feedback", json={"satisfaction": 7}, headers=world.auth("intake")),
                 422, "invalid_request")
    assert_error(api.post(f"{V1}/cases/{number}/correct", json={}, headers=world.auth("intake")),
                 422, "nothing_to_correct")


# --- queues, 督办, lapsed claims -------------------------------------------------------------------------------
def test_queue_lists_open_cases_by_colour_then_priority_with_colour_counts(api, world):
    normal, pressing = intake(world, SMOKE)["case_number"], intake(world, HEAT)["case_number"]
    intake(world, ELSEWHERE)
    q = api.get(f"{V1}/queues/dl-fssq", headers=world.auth("intake")).json()
    assert q["station"]["code"] == "DL-FSSQ" and q["total"] == 2
    assert [i["case_number"] for i in q["items"]] == [pressing, normal]  # 较急 before 一般, both green
    assert q["colours"] == {"red": 0, "yellow": 0, "green": 2}
    world.clock.advance(days=3)  # Friday: the 较急 case is due tonight
    q = api.get(f"{V1}/queues/DL-FSSQ", headers=world.auth("intake")).json()
    assert [(i["case_number"], i["colour"]) for i in q["items"]] == [(pressing, "yellow"), (normal, "green")]


def test_overdue_lists_yellow_and_red_cases_in_scope(api, world):
    pressing, normal = intake(world, HEAT)["case_number"], intake(world, SMOKE)["case_number"]
    intake(world, ELSEWHERE)
    assert api.get(f"{V1}/overdue", headers=world.auth("station_head")).json()["total"] == 0
    world.clock.advance(days=4)  # Saturday: the 较急 case is overdue
    page = api.get(f"{V1}/overdue", headers=world.auth("station_head")).json()
    assert [(i["case_number"], i["colour"]) for i in page["items"]] == [(pressing, "red")]
    assert normal not in str(page)
    world.clock.advance(days=30)
    everything = api.get(f"{V1}/overdue", headers=world.auth("admin")).json()
    assert everything["total"] == 3 and {i["colour"] for i in everything["items"]} == {"red"}
    only = api.get(f"{V1}/overdue", params={"station": "DW-NML"}, headers=world.auth("admin")).json()
    assert [i["station"]["code"] for i in only["items"]] == ["DW-NML"]


def test_claim_next_takes_the_most_pressing_queued_case_then_reports_an_empty_queue(api, world):
    intake(world, SMOKE)
    pressing = intake(world, HEAT)["case_number"]
    r = api.post(f"{V1}/queues/DL-FSSQ/claim-next", headers=world.auth("deputy"))
    assert r.status_code == 200, r.text
    assert r.json()["case"]["case_number"] == pressing and r.json()["case"]["claimed_by"] == "王淑琴"
    api.post(f"{V1}/queues/DL-FSSQ/claim-next", headers=world.auth("deputy"))
    empty = api.post(f"{V1}/queues/DL-FSSQ/claim-next", headers=world.auth("deputy")).json()
    assert empty == {"case": None, "message": "抚顺社区人大代表联络站队列中没有待办案件"}


def test_a_claim_without_progress_lapses_after_two_working_days(api, world):
    quiet, busy = intake(world, HEAT)["case_number"], intake(world, LAMP)["case_number"]
    post(api, world, "deputy", quiet, "claim")
    post(api, world, "deputy", busy, "claim")
    world.clock.advance(days=1)
    post(api, world, "deputy", busy, "progress", {"note": "已联系路灯所"})
    world.clock.advance(days=1, hours=1)  # Thursday 11:30: two working days since the claim of `quiet`
    r = api.post(f"{V1}/maintenance/sweep", headers=world.auth("station_head"))
    assert r.status_code == 200, r.text
    assert r.json() == {"lapsed": [quiet], "count": 1}
    case = api.get(f"{V1}/cases/{quiet}", headers=world.auth("station_head")).json()
    assert case["status"] == "待办" and case["claimed_by"] is None
    assert [e["action"] for e in case["timeline"]][-2:] == ["lapse", "alert"]
    assert api.get(f"{V1}/cases/{busy}", headers=world.auth("station_head")).json()["status"] == "处理中"
    assert api.post(f"{V1}/maintenance/sweep", headers=world.auth("admin")).json() == {"lapsed": [], "count": 0}


# --- listing: scope, filters, pages ----------------------------------------------------------------------------
@pytest.fixture
def five(world) -> list[dict]:
    """Five cases at DL-FSSQ, created a minute apart (oldest first), and one at DW-NML."""
    made = []
    for text in (HEAT, LAMP, SMOKE, WAGES, SCHOOL):
        made.append(intake(world, text))
        world.clock.advance(minutes=1)
    intake(world, ELSEWHERE)
    return made


def numbers(page: dict) -> list[str]:
    return [i["case_number"] for i in page["items"]]


def test_list_is_newest_first_and_pages_by_offset_or_page(api, world, five):
    head = world.auth("station_head")
    everything = api.get(f"{V1}/cases", headers=head).json()
    assert everything["total"] == 5 and everything["limit"] == 50 and everything["offset"] == 0
    assert numbers(everything) == [c["case_number"] for c in reversed(five)]  # DW-NML is out of scope
    second = api.get(f"{V1}/cases", params={"limit": 2, "page": 2}, headers=head).json()
    assert second == api.get(f"{V1}/cases", params={"limit": 2, "offset": 2}, headers=head).json()
    assert numbers(second) == numbers(everything)[2:4] and second["total"] == 5 and second["offset"] == 2
    assert numbers(api.get(f"{V1}/cases", params={"limit": 2, "page": 3}, headers=head).json()) == \
        numbers(everything)[4:]
    assert api.get(f"{V1}/cases", params={"offset": 50}, headers=head).json()["items"] == []
    assert_error(api.get(f"{V1}/cases", params={"limit": 201}, headers=head), 422, "invalid_request")
    assert_error(api.get(f"{V1}/cases", params={"limit": 0}, headers=head), 422, "invalid_request")
    assert_error(api.get(f"{V1}/cases", params={"offset": 2, "page": 2}, headers=head), 422, "invalid_pagination")
    assert api.get(f"{V1}/cases", headers=world.auth("admin")).json()["total"] == 6


def test_list_with_a_station_follows_the_queue_order_and_without_one_newest_first(api, world):
    made = []
    for text in (SMOKE, HEAT, WAGES, LAMP):  # 一般, 较急, 一般, 较急, a minute apart
        made.append(intake(world, text)["case_number"])
        world.clock.advance(minutes=1)
    smoke, heat, wages, lamp = made
    post(api, world, "deputy", heat, "claim")
    post(api, world, "deputy", heat, "resolve", {"reply": "已修好"})
    world.clock.advance(days=3)  # Friday: the 较急 case still open turns yellow

    def listed(**params: object) -> list[tuple[str, str | None]]:
        page = api.get(f"{V1}/cases", params=params, headers=world.auth("intake")).json()
        return [(i["case_number"], i["colour"]) for i in page["items"]]

    assert listed(station="DL-FSSQ") == [(lamp, "yellow"), (smoke, "green"), (wages, "green"), (heat, None)]
    assert listed(station="DL-FSSQ", limit=2, page=2) == [(wages, "green"), (heat, None)]
    assert [n for n, _ in listed()] == [lamp, wages, heat, smoke]


def test_list_filters_by_status_topic_priority_colour_and_words(api, world, five):
    head = world.auth("station_head")

    def found(**params: object) -> list[str]:
        return numbers(api.get(f"{V1}/cases", params=params, headers=head).json())

    heat, lamp, smoke, wages, school = (c["case_number"] for c in five)
    post(api, world, "deputy", heat, "claim")
    assert found(status="处理中") == [heat]
    assert set(found(status="待办")) == {lamp, smoke, wages, school}
    assert found(topic="劳动和社会保障") == [wages]
    assert found(priority="较急") == [lamp, heat]
    assert found(colour="yellow") == []
    world.clock.advance(days=3)
    assert found(colour="yellow") == [lamp, heat] and set(found(colour="green")) == {smoke, wages, school}
    assert found(q="油烟") == [smoke]
    assert found(q="抚顺社区 工资") == [wages]
    assert found(q=school.lower()) == [school]
    assert found(q="13812345678") == []  # the original text is not searchable, only the masked one
    assert_error(api.get(f"{V1}/cases", params={"status": "不存在"}, headers=head), 422, "invalid_request")
    assert_error(api.get(f"{V1}/cases", params={"colour": "blue"}, headers=head), 422, "invalid_request")


def test_assigned_to_me_lists_a_deputys_assignments(api, world, five):
    mine = api.get(f"{V1}/cases", params={"assigned_to_me": True}, headers=world.auth("deputy")).json()
    d001 = [c["case_number"] for c in five if any(d["code"] == "D001" for d in c["deputies"])]
    assert d001 and sorted(numbers(mine)) == sorted(d001)
    assert_error(api.get(f"{V1}/cases", params={"assigned_to_me": True}, headers=world.auth("intake")),
                 422, "not_a_deputy")


def test_search_by_the_last_four_digits_of_the_phone(api, world, five):
    intake(world, "抚顺社区楼下垃圾桶好几天没人清运", contact="0451-86001234")
    r = api.get(f"{V1}/cases", params={"station": "DL-FSSQ", "phone_last4": "5678"}, headers=world.auth("intake"))
    assert numbers(r.json()) == [five[0]["case_number"]]  # the phone found in the text is the contact
    r = api.get(f"{V1}/cases", params={"station": "DL-FSSQ", "phone_last4": "1234"},
                headers=world.auth("station_head"))
    assert r.json()["total"] == 1 and "0451-86001234" not in r.text
    assert_error(api.get(f"{V1}/cases", params={"station": "DL-FSSQ", "phone_last4": "12a4"},
                         headers=world.auth("intake")), 422, "invalid_phone_last4")

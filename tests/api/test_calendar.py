"""The holiday calendar over HTTP: every role reads, only admins edit, and new deadlines follow at once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from tests.api.test_registry import ROLES
from tests.api.test_submissions import assert_error
from triage import db
from triage.registry.models import CalendarDay

CAL = "/api/v1/calendar"
# 2026-11-24 (the world's clock) is a Tuesday; both messages are heating outages at different stations (no join)
FIRST = "抚顺社区12号楼暖气不热，屋里只有十四度，老人孩子都冻感冒了"
SECOND = "南马路街道8号楼暖气一点不热，家里十二度，晚上得盖两床被子"


def test_reading_needs_a_token_and_any_role_reads_a_year(api, world):
    assert_error(api.get(f"{CAL}/2026"), 401, "unauthenticated")
    for role in ROLES:
        body = api.get(f"{CAL}/2026", headers=world.auth(role)).json()
        assert body["known"] and body["holidays"] > 10
        assert {"day": "2026-10-01", "is_workday": False, "note": "国庆节"} in body["days"]
    unknown = api.get(f"{CAL}/2031", headers=world.auth("intake")).json()
    assert unknown == {"year": 2031, "known": False, "holidays": 0, "makeup_days": 0, "days": []}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_edit(api, world, role):
    assert_error(api.put(f"{CAL}/days/2031-01-01", json={"is_workday": False}, headers=world.auth(role)), 403,
                 "forbidden")
    assert_error(api.delete(f"{CAL}/days/2026-10-01", headers=world.auth(role)), 403, "forbidden")
    assert api.get(f"{CAL}/2031", headers=world.auth("admin")).json()["days"] == []
    assert {"day": "2026-10-01", "is_workday": False, "note": "国庆节"} in api.get(
        f"{CAL}/2026", headers=world.auth("admin")).json()["days"]


def test_admin_sets_and_removes_a_day_and_a_year_is_known_once_complete(api, world):
    admin = world.auth("admin")
    body = api.put(f"{CAL}/days/2031-01-01", json={"is_workday": False, "note": "元旦"}, headers=admin).json()
    assert body["days"] == [{"day": "2031-01-01", "is_workday": False, "note": "元旦"}]
    assert body["known"] is False  # 元旦 alone is not the year's schedule
    api.put(f"{CAL}/days/2031-01-27", json={"is_workday": False, "note": "春节"}, headers=admin)
    body = api.put(f"{CAL}/days/2031-10-01", json={"is_workday": False, "note": "国庆节"}, headers=admin).json()
    assert body["known"] is True and body["holidays"] == 3
    assert api.delete(f"{CAL}/days/2031-10-01", headers=admin).json()["known"] is False
    assert_error(api.delete(f"{CAL}/days/2031-10-01", headers=admin), 404, "calendar_day_not_found")


@pytest.mark.parametrize(("path", "body", "code"), [
    ("/days/2031-13-01", {"is_workday": False}, "invalid_request"),
    ("/days/2031-01-01", {"is_workday": False, "note": "长" * 33}, "invalid_request"),
    ("/days/2031-01-01", {"note": "元旦"}, "invalid_request"),
    ("/days/1999-01-01", {"is_workday": False}, "invalid_day"),
])
def test_bad_edits_are_422_and_change_nothing(api, world, path, body, code):
    assert_error(api.put(CAL + path, json=body, headers=world.auth("admin")), 422, code)
    engine = db.make_engine(world.settings.database_url)
    with db.transaction(engine) as session:
        assert session.exec(select(CalendarDay).where(CalendarDay.day < date(2025, 1, 1))).all() == []
        assert session.exec(select(CalendarDay).where(CalendarDay.day >= date(2027, 1, 1))).all() == []
    engine.dispose()


def test_a_new_holiday_moves_the_deadline_of_the_next_case(api, world):
    intake = world.auth("intake")
    first = api.post("/api/v1/submissions", json={"text": FIRST}, headers=intake).json()
    assert api.put(f"{CAL}/days/2026-11-25", json={"is_workday": False, "note": "测试"},
                   headers=world.auth("admin")).status_code == 200
    second = api.post("/api/v1/submissions", json={"text": SECOND}, headers=intake).json()
    assert first["priority"] == second["priority"] == "较急"  # 3 working days
    assert first["case_number"] != second["case_number"]
    # due at the end of Friday 27th (midnight starting the 28th, +08:00); with the 25th off, of Monday 30th
    assert (first["sla_due"][:10], second["sla_due"][:10]) == ("2026-11-28", "2026-12-01")

"""A station's queue: order, lapsed claims, search, readable numbers."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.triage.factories import NOW, make_case, make_deputy, make_station
from triage.cases import numbering, queue, workflow
from triage.cases.models import AuditEvent, Priority, Status, Submission
from triage.workdays import WorkCalendar

CAL = WorkCalendar({}, known_years=[2026])


def test_queue_orders_by_colour_then_priority_then_due_then_age(session):
    st = make_station(session)
    green_normal = make_case(session, st, priority=Priority.NORMAL, due_in=timedelta(days=20))
    green_urgent = make_case(session, st, priority=Priority.URGENT, due_in=timedelta(days=20))
    red = make_case(session, st, priority=Priority.NORMAL, due_in=timedelta(hours=-1))
    yellow = make_case(session, st, priority=Priority.NORMAL, due_in=timedelta(hours=5))
    older_twin = make_case(session, st, priority=Priority.NORMAL, due_in=timedelta(days=20),
                           created=NOW - timedelta(days=1))
    older_twin.sla_due = green_normal.sla_due
    make_case(session, st, status=Status.CLOSED)
    make_case(session, make_station(session))  # another station's case stays out
    items = queue.station_queue(session=session, station_id=st.id, calendar=CAL, now=NOW)
    assert [i.case.id for i in items] == [red.id, yellow.id, green_urgent.id, older_twin.id, green_normal.id]
    assert [i.colour for i in items][:3] == ["red", "yellow", "green"]


def test_numbers_are_sequential_per_station_and_year(session):
    first = numbering.next_number(session=session, station_code="NG", year=2026)
    second = numbering.next_number(session=session, station_code="NG", year=2026)
    other = numbering.next_number(session=session, station_code="DL", year=2026)
    next_year = numbering.next_number(session=session, station_code="NG", year=2027)
    assert (first, second, other, next_year) == ("NG-2026-000001", "NG-2026-000002", "DL-2026-000001",
                                                 "NG-2027-000001")


def test_claim_without_progress_for_two_working_days_lapses_and_alerts(session):
    st = make_station(session)
    deputy = make_deputy(session, st)
    quiet, busy = make_case(session, st), make_case(session, st)
    friday = NOW + timedelta(days=4)  # Friday 10:00
    for case in (quiet, busy):
        workflow.claim(session=session, case=case, deputy_id=deputy.id, now=friday)
    monday = friday + timedelta(days=3)
    assert queue.lapse_stale_claims(session=session, calendar=CAL, now=monday) == []  # the weekend does not count
    workflow.progress(session=session, case=busy, actor="代表", now=monday, note="已约住户周三见面")
    tuesday_late = friday + timedelta(days=4, hours=1)
    lapsed = queue.lapse_stale_claims(session=session, calendar=CAL, now=tuesday_late)
    assert lapsed == [quiet]
    assert quiet.status == Status.QUEUED and quiet.claimed_by_id is None and busy.status == Status.CLAIMED
    alert = session.exec(select(AuditEvent).where(AuditEvent.case_id == quiet.id, AuditEvent.action == "alert")).one()
    assert "站长" in alert.reason and quiet.number in alert.reason


def test_claim_next_takes_the_most_pressing_case(session):
    st = make_station(session)
    deputy = make_deputy(session, st)
    make_case(session, st, due_in=timedelta(days=9))
    urgent = make_case(session, st, priority=Priority.URGENT, due_in=timedelta(days=9))
    got = queue.claim_next(session=session, station_id=st.id, deputy_id=deputy.id, calendar=CAL, now=NOW)
    assert got.id == urgent.id and got.status == Status.CLAIMED


def test_search_by_number_words_and_phone_last4(session):
    st, other = make_station(session), make_station(session)
    leak = make_case(session, st, text="三楼楼道窗户漏雨")
    light = make_case(session, st, text="小区路灯不亮")
    session.exec(select(Submission).where(Submission.case_id == light.id)).one().contact_last4 = "5678"
    make_case(session, other, text="另一个站的路灯不亮")
    assert queue.search(session=session, query=leak.number.lower()) == [leak]
    assert {c.id for c in queue.search(session=session, query="路灯")} == {light.id, light.id + 1}
    assert queue.search(session=session, query="路灯", station_ids=[st.id]) == [light]
    assert queue.search(session=session, phone_last4="5678", station_ids=[st.id]) == [light]
    assert queue.search(session=session, query="100%_") == []  # wildcards are literal

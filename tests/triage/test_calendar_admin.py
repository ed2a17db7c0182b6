"""Admin edits of the holiday calendar: one day, a file's schedule, audit, and the deadlines that follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from triage.cases.models import AuditEvent
from triage.errors import DataFileError, InvalidInput, NotFound
from triage.registry import calendar_admin
from triage.registry import service as registry
from triage.registry.models import CalendarDay
from triage.workdays import load_calendar_file, sla_due

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
SPRING = [(date(2027, 2, 6), True, "春节调休上班"), *[(date(2027, 2, d), False, "春节") for d in (8, 9, 10, 11, 12)]]
NATIONAL = [(date(2027, 10, d), False, "国庆节") for d in (1, 4, 5, 6, 7)]
SCHEDULE = SPRING + NATIONAL  # a made-up but complete 2027: the Spring Festival and National Day


def _events(session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action.like("calendar%"))))


def test_a_year_is_known_once_its_schedule_is_complete(session):
    assert not calendar_admin.schedule(session=session, year=2027).known
    calendar_admin.import_days(session=session, rows=SPRING, actor="管理员", now=NOW)
    assert not calendar_admin.schedule(session=session, year=2027).known  # no National Day yet
    result = calendar_admin.import_days(session=session, rows=SCHEDULE, actor="管理员", now=NOW)
    session.commit()
    assert (result.added, result.changed, result.unchanged, result.removed, result.years) == (5, 0, 6, 0, [2027])
    year = calendar_admin.schedule(session=session, year=2027)
    assert year.known and (year.holidays, year.makeup_days) == (10, 1)
    # a 较急 case filed on Friday 2027-02-05 skips the week of the festival but works the make-up Saturday
    registry.invalidate(session.get_bind())
    calendar = registry.work_calendar(session=session)
    assert 2027 in calendar.known_years
    due = sla_due(calendar=calendar, priority="较急", created_at=datetime(2027, 2, 5, 2, tzinfo=UTC))
    assert due == datetime(2027, 2, 16, 16, tzinfo=UTC)  # Sat 6th, Mon 15th, Tue 16th: end of the 16th (UTC+8)
    assert [e.after["added"] for e in _events(session)] == [6, 5]


def test_replacing_a_year_removes_what_the_file_leaves_out_there_and_nowhere_else(session):
    calendar_admin.import_days(session=session, rows=[(date(2026, 10, 1), False, "国庆节"), *SCHEDULE], actor="a",
                               now=NOW)
    again = calendar_admin.import_days(session=session, rows=SCHEDULE, actor="a", now=NOW)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 11)
    # the corrected notice moves the make-up day and, as notices do, lists a day of the year before
    corrected = [(date(2026, 12, 26), True, "元旦调休上班"), (date(2027, 2, 7), True, "春节调休上班"), *SCHEDULE[1:]]
    kept = calendar_admin.import_days(session=session, rows=corrected, actor="a", now=NOW)
    assert (kept.added, kept.removed) == (2, 0)  # without --replace the old make-up day stays
    replaced = calendar_admin.import_days(session=session, rows=corrected, actor="a", now=NOW, replace=[2027])
    session.commit()
    assert (replaced.added, replaced.removed, replaced.years) == (0, 1, [2026, 2027])
    days = {d.day for d in calendar_admin.schedule(session=session, year=2027).days}
    assert date(2027, 2, 6) not in days and date(2027, 2, 7) in days
    assert {d.day for d in calendar_admin.schedule(session=session, year=2026).days} == {
        date(2026, 10, 1), date(2026, 12, 26)}  # 2026 only touched, never replaced
    last = _events(session)[-1]
    assert last.before == {"days": [{"day": "2027-02-06", "is_workday": True, "note": "春节调休上班"}]}
    assert last.after["replaced"] == [2027] and last.after["removed"] == 1
    assert len(_events(session)) == 3  # the import that changed nothing wrote no event


def test_replacing_a_year_the_file_does_not_hold_is_refused(session):
    calendar_admin.import_days(session=session, rows=SCHEDULE, actor="a", now=NOW)
    with pytest.raises(InvalidInput) as exc:
        calendar_admin.import_days(session=session, rows=[(date(2026, 12, 26), True, "")], actor="a", now=NOW,
                                   replace=[2027])
    assert exc.value.code == "calendar_year_missing"
    assert not (session.new or session.dirty or session.deleted)


def test_set_and_unset_one_day_are_audited(session):
    assert calendar_admin.set_day(session=session, day=date(2027, 1, 1), is_workday=False, note=" 元旦 ", actor="a",
                                  now=NOW)
    assert not calendar_admin.set_day(session=session, day=date(2027, 1, 1), is_workday=False, note="元旦",
                                      actor="a", now=NOW)
    assert calendar_admin.set_day(session=session, day=date(2027, 1, 1), is_workday=True, note="", actor="a", now=NOW)
    calendar_admin.unset_day(session=session, day=date(2027, 1, 1), actor="a", now=NOW)
    session.commit()
    assert session.get(CalendarDay, date(2027, 1, 1)) is None
    events = _events(session)
    assert [(e.before, e.after) for e in events] == [
        ({}, {"day": "2027-01-01", "is_workday": False, "note": "元旦"}),
        ({"day": "2027-01-01", "is_workday": False, "note": "元旦"}, {"day": "2027-01-01", "is_workday": True,
                                                                     "note": ""}),
        ({"day": "2027-01-01", "is_workday": True, "note": ""}, {}),
    ]


@pytest.mark.parametrize(("rows", "code"), [
    ([], "empty_data"),
    ([(date(2027, 1, 1), False, "元旦" * 20)], "note_too_long"),
    ([(date(1999, 1, 1), False, "")], "invalid_day"),
    ([(date(2027, 1, 1), False, "元旦"), (date(2027, 1, 1), True, "元旦")], "calendar_conflict"),
])
def test_a_bad_schedule_is_refused_before_anything_is_written(session, rows, code):
    calendar_admin.import_days(session=session, rows=SPRING, actor="a", now=NOW)
    session.commit()
    with pytest.raises(InvalidInput) as exc:
        calendar_admin.import_days(session=session, rows=[*SPRING, *rows] if rows else rows, actor="a", now=NOW,
                                   replace=[2027])
    assert exc.value.code == code
    assert not (session.new or session.dirty or session.deleted)
    assert len(calendar_admin.schedule(session=session, year=2027).days) == 6


def test_a_year_out_of_range_is_refused_when_shown(session):
    with pytest.raises(InvalidInput):
        calendar_admin.schedule(session=session, year=10000)


def test_unsetting_a_day_without_a_row_is_not_found(session):
    with pytest.raises(NotFound):
        calendar_admin.unset_day(session=session, day=date(2027, 3, 1), actor="a", now=NOW)


def test_calendar_files_read_as_json_or_csv_with_words_for_the_flag(tmp_path):
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("day,is_workday,note\n2027-02-06,上班,春节调休上班\n2027-02-08,false,春节\n",
                        encoding="utf-8-sig")
    assert load_calendar_file(csv_file) == [(date(2027, 2, 6), True, "春节调休上班"), (date(2027, 2, 8), False, "春节")]
    json_file = tmp_path / "c.json"
    json_file.write_text('[{"day": "2027-02-08", "is_workday": "false"}]', encoding="utf-8")
    assert load_calendar_file(json_file) == [(date(2027, 2, 8), False, "")]  # the string "false" is not true
    json_file.write_text('[{"day": "2027-02-08", "is_workday": "maybe"}]', encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        load_calendar_file(json_file)
    assert "maybe" in exc.value.message


def test_a_day_moved_by_another_process_reaches_the_cached_calendar(session, engine, monkeypatch):
    """Moving a holiday keeps the row count, the last day and the number of make-up days: the stamp must see it."""
    from sqlmodel import Session

    calendar_admin.import_days(session=session, rows=SCHEDULE, actor="a", now=NOW)
    session.commit()
    registry.invalidate(engine)
    assert not registry.work_calendar(session=session).is_workday(date(2027, 2, 9))
    session.commit()  # ends the read (on SQLite the session's transaction holds the writer lock)
    with Session(engine) as other:  # no invalidate: as from `triage calendar` beside a running server
        calendar_admin.unset_day(session=other, day=date(2027, 2, 9), actor="a", now=NOW)
        calendar_admin.set_day(session=other, day=date(2027, 2, 5), is_workday=False, note="春节", actor="a", now=NOW)
        other.commit()
    later = registry.time.monotonic() + registry.STAMP_TTL + 1
    monkeypatch.setattr(registry.time, "monotonic", lambda: later)
    calendar = registry.work_calendar(session=session)
    assert calendar.is_workday(date(2027, 2, 9)) and not calendar.is_workday(date(2027, 2, 5))

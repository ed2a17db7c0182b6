"""Working days, SLA deadlines and 三色督办 colours against the official calendar."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.clock import BUSINESS_TZ
from triage.errors import DataFileError, InvalidInput
from triage.workdays import (
    DEFAULT_SLA_DAYS,
    WorkCalendar,
    load_calendar_file,
    sla_due,
)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A local (Asia/Shanghai) moment."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=BUSINESS_TZ)


@pytest.fixture(scope="module")
def official() -> WorkCalendar:
    return WorkCalendar({day: work for day, work, _ in load_calendar_file()})


def test_calendar_file_holds_only_exceptions_for_2025_and_2026():
    rows = load_calendar_file()
    assert {d.year for d, _, _ in rows} == {2025, 2026}
    for day, work, note in rows:
        assert work == (day.weekday() >= 5), day  # holidays fall on weekdays, make-up days on weekends
        assert note
    assert rows == sorted(rows)


def test_calendar_file_knows_2026_spring_festival_and_national_day(official):
    days = {d: (w, n) for d, w, n in load_calendar_file()}
    for d in (16, 17, 18, 19, 20, 23):
        assert days[date(2026, 2, d)] == (False, "春节")
    assert days[date(2026, 2, 14)][0] is True
    assert days[date(2026, 2, 28)][0] is True
    for d in (1, 2, 5, 6, 7):
        assert not official.is_workday(date(2026, 10, d))
    assert official.is_workday(date(2026, 9, 20))  # Sunday make-up day
    assert official.is_workday(date(2026, 10, 10))  # Saturday make-up day
    assert official.is_workday(date(2026, 10, 9))
    assert not official.is_workday(date(2026, 10, 11))  # an ordinary Sunday


def test_missing_calendar_file_is_a_data_file_error(tmp_path):
    with pytest.raises(DataFileError):
        load_calendar_file(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"day": "2026-13-01", "is_workday": false}]', encoding="utf-8")
    with pytest.raises(DataFileError):
        load_calendar_file(bad)


def test_from_rows_reads_calendar_day_like_rows():
    @dataclass
    class Row:
        day: date
        is_workday: bool

    cal = WorkCalendar.from_rows([Row(date(2026, 10, 1), False), Row(date(2026, 10, 10), True)])
    assert not cal.is_workday(date(2026, 10, 1))
    assert cal.is_workday(date(2026, 10, 10))
    assert 2026 not in cal.known_years  # National Day alone is not a year's schedule
    cal = WorkCalendar.from_rows([Row(date(2026, 2, 16), False), Row(date(2026, 10, 1), False)])
    assert 2026 in cal.known_years  # with the Spring Festival it is


def test_a_year_with_a_hand_entered_day_but_no_schedule_still_warns_and_keeps_the_day(caplog):
    cal = WorkCalendar({date(2027, 1, 1): False})
    with caplog.at_level(logging.WARNING, logger="triage.workdays"):
        assert not cal.is_workday(date(2027, 1, 1))  # the entered 元旦 counts
        assert cal.is_workday(date(2027, 2, 8))  # the rest follows the weekend rule
    assert 2027 not in cal.known_years and cal.unknown_years_seen == {2027}
    assert any("2027 年没有完整的节假日数据" in r.getMessage() for r in caplog.records)


def test_friday_evening_intake_is_due_at_end_of_monday(official):
    due = official.add_working_days(at(2026, 3, 6, 19, 30), 1)  # Friday
    assert due == at(2026, 3, 10).astimezone(UTC)  # 24:00 on Monday 9 March
    assert due.tzinfo is UTC


def test_saturday_intake_counts_from_monday(official):
    assert official.add_working_days(at(2026, 3, 7, 10), 1) == at(2026, 3, 10)
    assert official.add_working_days(at(2026, 3, 8, 23, 59), 3) == at(2026, 3, 12)


def test_deadline_spans_spring_festival_2026(official):
    # Friday 13 Feb: next working days are Sat 14 Feb (make-up), then Tue 24 Feb after the holiday.
    assert official.add_working_days(at(2026, 2, 13, 9), 1) == at(2026, 2, 15)
    assert official.add_working_days(at(2026, 2, 13, 9), 2) == at(2026, 2, 25)
    assert official.add_working_days(at(2026, 2, 15, 9), 1) == at(2026, 2, 25)
    assert official.add_working_days(at(2026, 2, 16, 9), 3) == at(2026, 2, 27)


def test_deadline_spans_national_day_2026_with_make_up_days(official):
    # Wed 30 Sep → holiday 1–7 Oct → Thu 8, Fri 9, Sat 10 (make-up), Mon 12.
    start = at(2026, 9, 30, 15)
    assert official.add_working_days(start, 1) == at(2026, 10, 9)
    assert official.add_working_days(start, 3) == at(2026, 10, 11)
    assert official.add_working_days(start, 4) == at(2026, 10, 13)
    # Sunday 20 Sep is a make-up working day: Saturday intake counts it.
    assert official.add_working_days(at(2026, 9, 19, 12), 1) == at(2026, 9, 21)


def test_intake_on_make_up_saturday_counts_from_the_next_working_day(official):
    # Sat 10 Oct 2026 is a working day; n=1 → the next working day after it (Mon 12 Oct).
    assert official.add_working_days(at(2026, 10, 10, 11), 1) == at(2026, 10, 13)


def test_local_day_decides_not_utc_day(official):
    # 23:30 UTC Friday is already Saturday 07:30 in Harbin.
    friday_utc = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)
    assert official.add_working_days(friday_utc, 1) == at(2026, 3, 10)
    # 15:59 UTC Friday is still Friday 23:59 locally.
    assert official.add_working_days(datetime(2026, 3, 6, 15, 59, tzinfo=UTC), 1) == at(2026, 3, 10)


def test_sla_due_uses_priority_defaults_and_overrides(official):
    created = at(2026, 3, 2, 10)  # Monday
    assert DEFAULT_SLA_DAYS == {"紧急": 1, "较急": 3, "一般": 15}
    assert sla_due(calendar=official, priority="紧急", created_at=created) == at(2026, 3, 4)
    assert sla_due(calendar=official, priority="较急", created_at=created) == at(2026, 3, 6)
    assert sla_due(calendar=official, priority="一般", created_at=created) == at(2026, 3, 24)
    assert sla_due(calendar=official, priority="较急", created_at=created, sla_days={"较急": 2}) == at(2026, 3, 5)
    with pytest.raises(InvalidInput):
        sla_due(calendar=official, priority="特急", created_at=created)


def test_year_without_data_falls_back_to_weekends_and_warns_once(official, caplog):
    cal = WorkCalendar({day: work for day, work, _ in load_calendar_file()})
    with caplog.at_level(logging.WARNING, logger="triage.workdays"):
        assert not cal.is_workday(date(2027, 1, 2))  # Saturday
        assert cal.is_workday(date(2027, 2, 8))  # a Monday; whatever the holidays are, unknown
        assert cal.is_workday(date(2027, 10, 1))  # a Friday: would be 国庆 but there is no data
    warnings = [r for r in caplog.records if "2027 年没有完整的节假日数据" in r.getMessage()]
    assert len(warnings) == 1
    assert cal.unknown_years_seen == {2027}
    assert cal.is_workday(date(2026, 1, 5)) and cal.unknown_years_seen == {2027}


def test_deadline_crossing_into_unknown_year_uses_weekend_rule(official, caplog):
    cal = WorkCalendar({day: work for day, work, _ in load_calendar_file()})
    with caplog.at_level(logging.WARNING, logger="triage.workdays"):
        assert cal.add_working_days(at(2026, 12, 31, 9), 1) == at(2027, 1, 2)  # Fri 1 Jan 2027 counts
    assert cal.unknown_years_seen == {2027}
    assert any("2027" in r.getMessage() for r in caplog.records)


def test_explicit_known_years_treat_a_year_without_exceptions_as_known(caplog):
    cal = WorkCalendar({}, known_years=[2030])
    with caplog.at_level(logging.WARNING, logger="triage.workdays"):
        assert cal.is_workday(date(2030, 1, 1))
    assert cal.unknown_years_seen == set()
    assert not caplog.records


def test_working_seconds_count_only_working_days(official):
    fri_noon, mon_noon = at(2026, 3, 6, 12), at(2026, 3, 9, 12)
    assert official.working_seconds_between(fri_noon, mon_noon) == 86_400.0
    assert official.working_seconds_between(mon_noon, fri_noon) == -86_400.0
    assert official.working_seconds_between(at(2026, 3, 7), at(2026, 3, 9)) == 0.0
    assert official.working_seconds_between(at(2026, 2, 15), at(2026, 2, 24)) == 0.0  # 春节 + weekend
    assert official.working_seconds_between(at(2026, 3, 2), at(2026, 3, 9)) == 5 * 86_400.0


def test_colour_boundaries(official):
    due = official.add_working_days(at(2026, 3, 2, 9), 3)  # end of Thu 5 Mar
    assert due == at(2026, 3, 6)
    assert official.colour(due, at(2026, 3, 4, 12)) == "green"
    assert official.colour(due, at(2026, 3, 5)) == "green"  # exactly one working day left
    assert official.colour(due, at(2026, 3, 5, 0, 0, 1)) == "yellow"  # just under
    assert official.colour(due, at(2026, 3, 5, 23, 59, 59)) == "yellow"
    assert official.colour(due, due) == "yellow"  # at the deadline: not yet overdue
    assert official.colour(due, due + timedelta(seconds=1)) == "red"
    assert official.colour(due, at(2026, 3, 9, 10)) == "red"


def test_weekend_between_now_and_due_does_not_count(official):
    due = at(2026, 3, 10)  # end of Monday 9 Mar
    assert official.colour(due, at(2026, 3, 6, 12)) == "green"  # half of Fri + all of Mon
    assert official.colour(due, at(2026, 3, 7, 12)) == "green"  # Saturday: Monday is still whole
    assert official.colour(due, at(2026, 3, 9, 0, 0, 1)) == "yellow"
    # Over the 2026 Spring Festival: 9 calendar days, one working day.
    assert official.colour(at(2026, 2, 25), at(2026, 2, 15, 8)) == "green"
    assert official.colour(at(2026, 2, 25), at(2026, 2, 24, 8)) == "yellow"


def test_naive_datetimes_and_negative_n_are_rejected(official):
    naive = datetime(2026, 3, 2, 9)
    with pytest.raises(ValueError):
        official.add_working_days(naive, 1)
    with pytest.raises(ValueError):
        official.add_working_days(at(2026, 3, 2), -1)
    with pytest.raises(ValueError):
        official.working_seconds_between(naive, at(2026, 3, 3))
    with pytest.raises(ValueError):
        official.colour(at(2026, 3, 3), naive)


def test_business_zone_is_dst_free_and_deadlines_are_16_utc(official):
    offsets = {at(2026, m, 15, 12).utcoffset() for m in range(1, 13)}
    assert offsets == {timedelta(hours=8)}
    for start in (at(2026, 1, 5, 9), at(2026, 7, 1, 9), at(2026, 11, 3, 9)):
        due = official.add_working_days(start, 2)
        assert (due.hour, due.minute, due.second) == (16, 0, 0)
        assert due.astimezone(BUSINESS_TZ).time().isoformat() == "00:00:00"


def test_zero_days_is_the_start_itself(official):
    start = at(2026, 3, 7, 10)
    assert official.add_working_days(start, 0) == start


starts = st.datetimes(min_value=datetime(2024, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC))


@settings(max_examples=200, deadline=None)
@given(start=starts, n=st.integers(min_value=1, max_value=40), m=st.integers(min_value=0, max_value=40))
def test_deadline_is_monotone_and_ends_a_working_day(official, start, n, m):
    due = official.add_working_days(start, n)
    assert official.add_working_days(start, n + m) >= due
    assert official.add_working_days(start, n - 1) <= due
    local = due.astimezone(BUSINESS_TZ)
    assert local.time().isoformat() == "00:00:00"
    assert local.date() >= start.astimezone(BUSINESS_TZ).date() + timedelta(days=2)
    assert official.is_workday(local.date() - timedelta(days=1))
    assert official.working_seconds_between(start, due) >= n * 86_400.0 - 1e-6

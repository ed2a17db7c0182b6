"""Admin edits of the official holiday calendar (法定节假日与调休): one day, or a year's schedule from a file.

Every change writes one audit event. The caller commits; the cached calendar follows by itself (it is rebuilt when
its table changes). A year with no row counts weekends only and warns, so the next year's schedule should be
entered once the State Council publishes it (usually in November)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from triage.cases import audit
from triage.errors import InvalidInput, NotFound
from triage.registry.models import CalendarDay

NOTE_MAX = 32  # CalendarDay.note's column width
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class YearSchedule:
    year: int
    days: list[CalendarDay]  # the year's exceptions, by day

    @property
    def known(self) -> bool:
        return bool(self.days)

    @property
    def holidays(self) -> int:
        return sum(not d.is_workday for d in self.days)

    @property
    def makeup_days(self) -> int:
        return sum(d.is_workday for d in self.days)


@dataclass(frozen=True)
class ImportResult:
    added: int
    changed: int
    unchanged: int
    removed: int
    years: list[int]


def _checked(day: date, is_workday: bool, note: str) -> tuple[date, bool, str]:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(f"日期超出范围（{FIRST_YEAR}–{LAST_YEAR} 年）：{day}", code="invalid_day")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"说明最多 {NOTE_MAX} 个字：{note[:NOTE_MAX]}…", code="note_too_long")
    return day, bool(is_workday), note


def _as_dict(row: CalendarDay | None) -> dict | None:
    return None if row is None else {"day": row.day.isoformat(), "is_workday": row.is_workday, "note": row.note}


def schedule(*, session: Session, year: int) -> YearSchedule:
    """The exceptions stored for ``year`` (none: the year is unknown and counts weekends only)."""
    rows = session.exec(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    return YearSchedule(year, list(rows))


def set_day(*, session: Session, day: date, is_workday: bool, note: str = "", actor: str, now: datetime) -> bool:
    """Make ``day`` a holiday (``is_workday`` False) or a make-up working day (True); True if anything changed."""
    day, is_workday, note = _checked(day, is_workday, note)
    row = session.get(CalendarDay, day)
    before = _as_dict(row)
    if row is None:
        row = CalendarDay(day=day, is_workday=is_workday, note=note)
    elif (row.is_workday, row.note) == (is_workday, note):
        return False
    else:
        row.is_workday, row.note = is_workday, note
    session.add(row)
    audit.record(session=session, case=None, action="calendar_update", actor=actor, at=now, before=before,
                 after=_as_dict(row))
    session.flush()
    return True


def unset_day(*, session: Session, day: date, actor: str, now: datetime) -> None:
    """Remove ``day``'s exception: it follows the weekend rule again."""
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(f"{day} 没有节假日或调休记录", code="calendar_day_not_found")
    before = _as_dict(row)
    session.delete(row)
    audit.record(session=session, case=None, action="calendar_update", actor=actor, at=now, before=before, after=None)
    session.flush()


def import_days(
    *, session: Session, rows: Iterable[tuple[date, bool, str]], actor: str, now: datetime, replace_years: bool = False,
) -> ImportResult:
    """Store a schedule (``(day, is_workday, note)`` rows, e.g. from ``workdays.load_calendar_file``).

    With ``replace_years`` the rows are the whole schedule of their years: stored days of those years that the
    rows leave out are removed (a corrected official notice replaces the old one). One audit event in all."""
    wanted: dict[date, tuple[bool, str]] = {}
    for day, is_workday, note in rows:
        day, is_workday, note = _checked(day, is_workday, note)
        if day in wanted and wanted[day] != (is_workday, note):
            raise InvalidInput(f"同一天出现两次且内容不同：{day}", code="calendar_conflict")
        wanted[day] = (is_workday, note)
    if not wanted:
        raise InvalidInput("文件里没有任何日期", code="empty_data")
    years = sorted({d.year for d in wanted})
    stored = {
        row.day: row
        for year in years
        for row in schedule(session=session, year=year).days
    }
    added = changed = unchanged = removed = 0
    for day, (is_workday, note) in sorted(wanted.items()):
        row = stored.get(day)
        if row is None:
            session.add(CalendarDay(day=day, is_workday=is_workday, note=note))
            added += 1
        elif (row.is_workday, row.note) == (is_workday, note):
            unchanged += 1
        else:
            row.is_workday, row.note = is_workday, note
            session.add(row)
            changed += 1
    if replace_years:
        for day, row in stored.items():
            if day not in wanted:
                session.delete(row)
                removed += 1
    result = ImportResult(added, changed, unchanged, removed, years)
    if added or changed or removed:
        audit.record(session=session, case=None, action="calendar_import", actor=actor, at=now,
                     after={"years": years, "added": added, "changed": changed, "removed": removed})
    session.flush()
    return result

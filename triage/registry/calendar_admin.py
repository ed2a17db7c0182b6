"""Admin edits of the official holiday calendar (法定节假日与调休): one day, or a year's schedule from a file.

Every change writes one audit event with the rows before and after. The caller commits; the cached calendar
follows by itself (it is rebuilt when its table changes). A year without a complete schedule (see
``workdays.complete_years``) counts weekends for the days it lacks and warns, so the next year's schedule should
be entered once the State Council publishes it (usually in November)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.cases import audit
from triage.errors import Conflict, InvalidInput, NotFound
from triage.registry.models import CalendarDay
from triage.workdays import complete_years

NOTE_MAX = 32  # CalendarDay.note's column width
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class YearSchedule:
    year: int
    days: list[CalendarDay]  # the year's exceptions, by day

    @property
    def known(self) -> bool:
        """The year has a complete schedule (its Spring Festival and National Day holidays)."""
        return self.year in complete_years({d.day: d.is_workday for d in self.days})

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


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"年份超出范围（{FIRST_YEAR}–{LAST_YEAR} 年）：{year}", code="invalid_day")


def _checked(day: date, is_workday: bool, note: str) -> tuple[date, bool, str]:
    _check_year(day.year)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"说明最多 {NOTE_MAX} 个字：{note[:NOTE_MAX]}…", code="note_too_long")
    return day, bool(is_workday), note


def _as_dict(row: CalendarDay | None) -> dict | None:
    return None if row is None else {"day": row.day.isoformat(), "is_workday": row.is_workday, "note": row.note}


def schedule(*, session: Session, year: int) -> YearSchedule:
    """The exceptions stored for ``year``."""
    _check_year(year)
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
    try:
        session.flush()
    except IntegrityError as exc:  # another admin added the same day at the same moment (server databases)
        raise Conflict(f"{day} 正被同时修改，请重试", code="calendar_conflict") from exc
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
    *, session: Session, rows: Iterable[tuple[date, bool, str]], actor: str, now: datetime,
    replace: Iterable[int] = (),
) -> ImportResult:
    """Store a schedule (``(day, is_workday, note)`` rows, e.g. from ``workdays.load_calendar_file``).

    For each year in ``replace`` the file is that year's whole schedule: stored days of that year the file leaves
    out are removed (a corrected official notice replaces the old one). Only years named there lose rows, never a
    year the file merely touches (notices list a make-up day of the year before). One audit event in all, with
    every row changed or removed as it was."""
    wanted: dict[date, tuple[bool, str]] = {}
    for day, is_workday, note in rows:
        day, is_workday, note = _checked(day, is_workday, note)
        if day in wanted and wanted[day] != (is_workday, note):
            raise InvalidInput(f"同一天出现两次且内容不同：{day}", code="calendar_conflict")
        wanted[day] = (is_workday, note)
    if not wanted:
        raise InvalidInput("文件里没有任何日期", code="empty_data")
    years = sorted({d.year for d in wanted})
    replace = sorted(set(replace))
    missing = [y for y in replace if y not in years]
    if missing:
        raise InvalidInput(f"文件里没有 {'、'.join(map(str, missing))} 年的日期，不能替换这些年份",
                           code="calendar_year_missing")
    stored = {row.day: row for year in years for row in schedule(session=session, year=year).days}
    before, after = [], []
    added = unchanged = 0
    for day, (is_workday, note) in sorted(wanted.items()):
        row = stored.get(day)
        if row is None:
            session.add(CalendarDay(day=day, is_workday=is_workday, note=note))
            added += 1
        elif (row.is_workday, row.note) == (is_workday, note):
            unchanged += 1
        else:
            before.append(_as_dict(row))
            row.is_workday, row.note = is_workday, note
            session.add(row)
            after.append(_as_dict(row))
    changed = len(after)
    removed = 0
    for day, row in sorted(stored.items()):
        if day.year in replace and day not in wanted:
            before.append(_as_dict(row))
            session.delete(row)
            removed += 1
    result = ImportResult(added, changed, unchanged, removed, years)
    if added or changed or removed:
        audit.record(session=session, case=None, action="calendar_import", actor=actor, at=now,
                     before={"days": before},
                     after={"years": years, "replaced": replace, "added": added, "changed": changed,
                            "removed": removed, "days": after})
    session.flush()
    return result

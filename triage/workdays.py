"""Working days in business time: the official holiday calendar, SLA deadlines and 三色督办 colours."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType

from classifier.resources import DEFAULT_DATA_DIR
from triage.clock import BUSINESS_TZ
from triage.errors import DataFileError, InvalidInput

log = logging.getLogger(__name__)

DEFAULT_CALENDAR_FILE = DEFAULT_DATA_DIR / "calendar.json"
DEFAULT_SLA_DAYS: Mapping[str, int] = MappingProxyType({"紧急": 1, "较急": 3, "一般": 15})
DAY_SECONDS = 86_400.0
_ONE_DAY = timedelta(days=1)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name}: naive datetime, give a time zone")
    return moment


def _day_start(day: date) -> datetime:
    """Local midnight at the start of ``day``, in UTC."""
    return datetime.combine(day, time(), tzinfo=BUSINESS_TZ).astimezone(UTC)


def complete_years(exceptions: Mapping[date, bool]) -> set[int]:
    """Years whose exceptions include weekday holidays of both the Spring Festival (mid-January to February) and
    National Day (1–8 October): every official schedule has both, so a year with less (say only 元旦 entered by
    hand) is still a year without data."""
    spring, national = set(), set()
    for day, is_workday in exceptions.items():
        if is_workday or day.weekday() >= 5:
            continue
        if date(day.year, 1, 15) <= day <= date(day.year, 2, 28):
            spring.add(day.year)
        elif date(day.year, 10, 1) <= day <= date(day.year, 10, 8):
            national.add(day.year)
    return spring & national


class WorkCalendar:
    """Which local days are working days: the calendar's exceptions first, else Monday to Friday.

    A year without a complete schedule (not in ``known_years``; by default see :func:`complete_years`) still uses
    the exceptions it has, else the weekend rule, and is logged once per calendar."""

    def __init__(self, exceptions: Mapping[date, bool] = (), *, known_years: Iterable[int] | None = None) -> None:
        self._exceptions: dict[date, bool] = dict(exceptions)
        years = complete_years(self._exceptions) if known_years is None else set(known_years)
        self.known_years: frozenset[int] = frozenset(years)
        self.unknown_years_seen: set[int] = set()

    @classmethod
    def from_rows(cls, rows: Iterable[object]) -> WorkCalendar:
        """A calendar from rows with ``.day`` and ``.is_workday`` (``CalendarDay``); their years are known."""
        return cls({row.day: bool(row.is_workday) for row in rows})  # type: ignore[attr-defined]

    def is_workday(self, day: date) -> bool:
        if day.year not in self.known_years and day.year not in self.unknown_years_seen:
            self.unknown_years_seen.add(day.year)
            log.warning("%d 年没有完整的节假日数据（缺春节或国庆），未录入的日子按周末计算", day.year)
        found = self._exceptions.get(day)
        return day.weekday() < 5 if found is None else found

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The end (next local midnight, in UTC) of the n-th working day after the local day of ``start``.

        ``n == 0`` gives ``start`` itself (in UTC)."""
        _aware(start, "start")
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start.astimezone(UTC)
        day = start.astimezone(BUSINESS_TZ).date()
        while n:
            day += _ONE_DAY
            if self.is_workday(day):
                n -= 1
        return _day_start(day + _ONE_DAY)

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Seconds of working days (whole local days) between ``start`` and ``end``; negative if end < start."""
        _aware(start, "start")
        _aware(end, "end")
        if end < start:
            return -self.working_seconds_between(end, start)
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        day = start.astimezone(BUSINESS_TZ).date()
        last = end.astimezone(BUSINESS_TZ).date()
        total = 0.0
        while day <= last:
            if self.is_workday(day):
                lo = max(start, _day_start(day))
                hi = min(end, _day_start(day + _ONE_DAY))
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += _ONE_DAY
        return total

    def colour(self, due: datetime, now: datetime) -> str:
        """三色督办: "red" after ``due``; "yellow" with less than one working day left; else "green"."""
        _aware(due, "due")
        _aware(now, "now")
        if now > due:
            return "red"
        return "yellow" if self.working_seconds_between(now, due) < DAY_SECONDS else "green"


_FLAGS = {"true": True, "1": True, "是": True, "上班": True, "false": False, "0": False, "否": False, "休息": False,
          "放假": False}


def _flag(value: object) -> bool:
    """``is_workday`` as written in a file: a JSON boolean, or true/false, 1/0, 是/否, 上班/休息/放假."""
    if isinstance(value, bool):
        return value
    found = _FLAGS.get(str(value).strip().lower())
    if found is None:
        raise ValueError(f"is_workday 应为 true/false（或 上班/休息），而不是 {value!r}")
    return found


def load_calendar_file(path: Path | None = None) -> list[tuple[date, bool, str]]:
    """``(day, is_workday, note)`` rows of a calendar file (default ``training_data/calendar.json``): JSON, a list
    of ``{"day", "is_workday", "note"}``, or CSV (UTF-8) with those columns."""
    path = path or DEFAULT_CALENDAR_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
        raw = list(csv.DictReader(io.StringIO(text))) if path.suffix.lower() == ".csv" else json.loads(text)
    except FileNotFoundError as exc:
        raise DataFileError(f"找不到节假日文件：{path}", code="file_not_found") from exc
    except (OSError, ValueError) as exc:
        raise DataFileError(f"无法读取节假日文件：{path}（{exc}）", code="file_unreadable") from exc
    try:
        rows = [(date.fromisoformat(str(r["day"]).strip()), _flag(r["is_workday"]), str(r.get("note") or ""))
                for r in raw]
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise DataFileError(f"节假日文件格式不对：{path}（{exc}）", code="file_unreadable") from exc
    return sorted(rows)


def sla_due(
    *,
    calendar: WorkCalendar,
    priority: str,
    created_at: datetime,
    sla_days: Mapping[str, int] | None = None,
) -> datetime:
    """The SLA deadline (UTC) of a case of ``priority`` created at ``created_at``."""
    days = {**DEFAULT_SLA_DAYS, **(sla_days or {})}
    if priority not in days:
        raise InvalidInput(f"未知的优先级：{priority}（可选：{'、'.join(days)}）", code="unknown_priority")
    return calendar.add_working_days(created_at, days[priority])

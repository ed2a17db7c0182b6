"""The holiday calendar SLA deadlines count working days by: any signed-in role reads a year, admins edit days."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.deps import ClockDep, EngineDep, PrincipalDep, SessionDep
from api.schemas import ErrorBody, SafeStr
from triage.accounts import permissions
from triage.registry import calendar_admin
from triage.registry import service as registry

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])
ERRORS = {code: {"model": ErrorBody} for code in (401, 403, 404, 422)}
Year = Annotated[int, PathParam(ge=calendar_admin.FIRST_YEAR, le=calendar_admin.LAST_YEAR)]


class CalendarDayPublic(BaseModel):
    day: date
    is_workday: bool = Field(description="true：调休上班；false：放假")
    note: str


class YearSchedulePublic(BaseModel):
    year: int
    known: bool = Field(description="false：该年没有完整的放假安排（缺春节或国庆），未录入的日子按周末计算")
    holidays: int
    makeup_days: int
    days: list[CalendarDayPublic]


class CalendarDayIn(BaseModel):
    is_workday: bool = Field(description="true：调休上班；false：放假")
    note: SafeStr = Field(default="", max_length=calendar_admin.NOTE_MAX, description="如 春节、国庆节调休上班")


def _public(s: calendar_admin.YearSchedule) -> YearSchedulePublic:
    return YearSchedulePublic(year=s.year, known=s.known, holidays=s.holidays, makeup_days=s.makeup_days,
                              days=[CalendarDayPublic(day=d.day, is_workday=d.is_workday, note=d.note) for d in s.days])


def _committed(session: Session, engine: Engine, year: int) -> YearSchedulePublic:
    """The year as it now stands (read inside the write transaction), then commit; this worker's calendar
    follows at once, other workers within registry.STAMP_TTL seconds."""
    result = _public(calendar_admin.schedule(session=session, year=year))
    session.commit()
    registry.invalidate(engine)
    return result


@router.get("/{year}", response_model=YearSchedulePublic, responses=ERRORS)
def get_year(year: Year, p: PrincipalDep, session: SessionDep) -> YearSchedulePublic:
    """一年的放假与调休上班日。"""
    return _public(calendar_admin.schedule(session=session, year=year))


@router.put("/days/{day}", response_model=YearSchedulePublic, responses=ERRORS)
def set_day(day: date, body: CalendarDayIn, p: PrincipalDep, session: SessionDep, engine: EngineDep,
            now: ClockDep) -> YearSchedulePublic:
    """把一天设为放假或调休上班（仅管理员）；此后的办理时限按新安排计算。"""
    permissions.require(p, "admin")
    calendar_admin.set_day(session=session, day=day, is_workday=body.is_workday, note=body.note, actor=p.label,
                           now=now)
    return _committed(session, engine, day.year)


@router.delete("/days/{day}", response_model=YearSchedulePublic, responses=ERRORS)
def unset_day(day: date, p: PrincipalDep, session: SessionDep, engine: EngineDep, now: ClockDep
              ) -> YearSchedulePublic:
    """删除一天的记录，这一天重新按周末规则计算（仅管理员）。"""
    permissions.require(p, "admin")
    calendar_admin.unset_day(session=session, day=day, actor=p.label, now=now)
    return _committed(session, engine, day.year)

"""Counts for /统计: cases by status, open cases by colour, and this month's new and resolved cases."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from triage.cases.models import OPEN_VALUES, Case, Status
from triage.clock import local, utc
from triage.workdays import WorkCalendar


def month_start(now: datetime) -> datetime:
    """The first moment of the current business-time month, in UTC."""
    return utc(local(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def counts(*, session: Session, calendar: WorkCalendar, now: datetime, station_ids: list[int] | None) -> dict:
    """Statistics of the cases of ``station_ids`` (None: every station)."""
    def scoped(stmt):  # noqa: ANN001, ANN202 - a select
        return stmt if station_ids is None else stmt.where(col(Case.station_id).in_(station_ids))

    rows = dict(session.exec(scoped(select(Case.status, func.count()).group_by(Case.status))).all())
    by_status = {str(s): rows[str(s)] for s in Status if rows.get(str(s))}
    by_colour: dict[str, int] = {}
    open_due = session.exec(scoped(select(Case.sla_due).where(col(Case.status).in_(OPEN_VALUES))))
    for due in open_due:
        colour = calendar.colour(due, now)
        by_colour[colour] = by_colour.get(colour, 0) + 1
    start = month_start(now)
    new = session.exec(scoped(select(func.count()).select_from(Case).where(Case.created_at >= start))).one()
    resolved = session.exec(scoped(select(func.count()).select_from(Case)
                                   .where(col(Case.resolved_at).is_not(None), Case.resolved_at >= start))).one()
    return {"by_status": by_status, "by_colour": by_colour, "month": local(now).strftime("%Y-%m"),
            "month_new": new, "month_resolved": resolved}

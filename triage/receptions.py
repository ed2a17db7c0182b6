"""接待日: a station's reception sessions (its activity log and reception register) and each deputy's
履职档案 counts (receptions, hours, problems taken and solved), all derived from stored rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, func, select

from triage.cases import audit
from triage.cases.models import Assignment, Case, ReceptionAttendance, ReceptionSession, Status, Submission
from triage.clock import local_date
from triage.errors import InvalidInput, NotFound
from triage.registry.models import Deputy, Station, Topic

SOLVED = (Status.RESOLVED, Status.VISITED, Status.CLOSED)


def record_session(
    *, session: Session, station: Station, day: date, deputy_ids: list[int], actor: str, now: datetime,
    theme_topic: str | None = None, hours: float = 2.0, notes: str = "",
) -> ReceptionSession:
    """Register a reception held (or announced) at ``station``: who sat, its theme, how long."""
    if not deputy_ids:
        raise InvalidInput("接待日至少要有一位代表参加", code="reception_without_deputies")
    if not 0 < hours <= 24:
        raise InvalidInput("接待时长应在 0–24 小时之间", code="invalid_hours")
    if theme_topic and session.exec(select(Topic.id).where(Topic.name == theme_topic)).first() is None:
        raise InvalidInput(f"未知的主题：{theme_topic}", code="unknown_topic")
    for deputy_id in deputy_ids:
        if session.get(Deputy, deputy_id) is None:
            raise NotFound(f"没有找到代表 {deputy_id}", code="deputy_not_found")
    reception = ReceptionSession(station_id=station.id, day=day, theme_topic=theme_topic, hours=hours, notes=notes)
    session.add(reception)
    session.flush()
    for deputy_id in sorted(set(deputy_ids)):
        session.add(ReceptionAttendance(session_id=reception.id, deputy_id=deputy_id))
    audit.record(session=session, case=None, action="reception", actor=actor, at=now,
                 after={"station": station.code, "day": day.isoformat(), "deputies": sorted(set(deputy_ids)),
                        "theme": theme_topic}, reason=notes)
    session.flush()
    return reception


def station_register(*, session: Session, station: Station, since: date | None = None) -> list[dict]:
    """The station's reception register: each session, the deputies present and the submissions taken."""
    stmt = select(ReceptionSession).where(ReceptionSession.station_id == station.id)
    if since is not None:
        stmt = stmt.where(ReceptionSession.day >= since)
    rows = []
    for r in session.exec(stmt.order_by(col(ReceptionSession.day).desc(), col(ReceptionSession.id).desc())):
        names = session.exec(select(Deputy.name).join(ReceptionAttendance, ReceptionAttendance.deputy_id == Deputy.id)
                             .where(ReceptionAttendance.session_id == r.id).order_by(Deputy.code)).all()
        taken = session.exec(select(func.count()).select_from(Submission)
                             .where(Submission.reception_session_id == r.id)).one()
        rows.append({"id": r.id, "day": r.day.isoformat(), "theme": r.theme_topic, "hours": r.hours,
                     "deputies": list(names), "submissions": taken, "notes": r.notes})
    return rows


def deputy_record(*, session: Session, deputy: Deputy, year: int | None = None) -> dict:
    """履职档案: receptions attended, hours, submissions taken there, cases handled and solved, satisfaction."""
    receptions = select(ReceptionSession).join(ReceptionAttendance,
                                               ReceptionAttendance.session_id == ReceptionSession.id)
    receptions = receptions.where(ReceptionAttendance.deputy_id == deputy.id)
    cases = select(Case).join(Assignment, Assignment.case_id == Case.id).where(
        Assignment.deputy_id == deputy.id, Assignment.role == "primary", Assignment.active)
    if year is not None:
        first, last = date(year, 1, 1), date(year, 12, 31)
        receptions = receptions.where(ReceptionSession.day >= first, ReceptionSession.day <= last)
    sessions = list(session.exec(receptions))
    handled = [c for c in session.exec(cases) if year is None or local_date(c.created_at).year == year]
    solved = [c for c in handled if c.status in SOLVED]
    scores = [c.satisfaction for c in solved if c.satisfaction]
    taken = 0
    if sessions:
        taken = session.exec(select(func.count()).select_from(Submission).where(
            col(Submission.reception_session_id).in_([s.id for s in sessions]))).one()
    return {
        "deputy": deputy.code, "name": deputy.name, "year": year,
        "receptions": len(sessions), "hours": sum(s.hours for s in sessions), "submissions_taken": taken,
        "cases_handled": len(handled), "cases_solved": len(solved),
        "satisfaction": round(sum(scores) / len(scores), 2) if scores else None,
    }

"""JSON-ready views of the registry for the API (stations, deputies with their open load, departments, taxonomy)
and of a deputy's open assignments; never table objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from triage import receptions, views
from triage.cases.models import OPEN_VALUES, Assignment, Case
from triage.registry import service as registry
from triage.registry.models import Department, Deputy, DeputyStation, Station, Topic

_OPEN = list(OPEN_VALUES)


def station_ref(station: Station) -> dict:
    return {"code": station.code, "name": station.name, "district": station.district}


def _station(station: Station, codes: dict[int, str]) -> dict:
    return {
        "code": station.code, "name": station.name, "place": station.place, "level": station.level,
        "district": station.district, "address": station.address, "reception_days": list(station.reception_days),
        "parent_code": codes.get(station.parent_id) if station.parent_id else None, "active": station.active,
    }


def _codes(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Station.id, Station.code)).all())


def list_stations(*, session: Session, district: str | None = None, level: str | None = None) -> list[dict]:
    """Stations by code, optionally of one district (道里区) and level (街道 / 社区 / 乡镇)."""
    stmt = select(Station)
    if district:
        stmt = stmt.where(Station.district == district.strip())
    if level:
        stmt = stmt.where(Station.level == level.strip())
    codes = _codes(session)
    return [_station(s, codes) for s in session.exec(stmt.order_by(Station.code))]


def open_loads(*, session: Session, deputy_ids: Iterable[int]) -> dict[int, int]:
    """Open cases each deputy is actively assigned to (one query)."""
    ids = sorted(set(deputy_ids))
    if not ids:
        return {}
    stmt = (
        select(Assignment.deputy_id, sa.func.count()).join(Case, Case.id == Assignment.case_id)
        .where(col(Assignment.deputy_id).in_(ids), Assignment.active, col(Case.status).in_(_OPEN))
        .group_by(Assignment.deputy_id)
    )
    loads = defaultdict(int, dict(session.exec(stmt).all()))
    return {i: loads[i] for i in ids}


def _members(session: Session, station_ids: Iterable[int]) -> dict[int, list[Deputy]]:
    rows = session.exec(select(DeputyStation.station_id, Deputy).join(Deputy, Deputy.id == DeputyStation.deputy_id)
                        .where(col(DeputyStation.station_id).in_(list(station_ids)))
                        .order_by(Deputy.code)).all()
    out: dict[int, list[Deputy]] = defaultdict(list)
    for station_id, deputy in rows:
        out[station_id].append(deputy)
    return out


def station_detail(*, session: Session, code: str) -> dict:
    """One station with its deputies (code, name, expertise, capacity, open load)."""
    station = registry.station_by_code(session=session, code=code)
    members = _members(session, [station.id]).get(station.id, [])
    loads = open_loads(session=session, deputy_ids=[d.id for d in members])
    out = _station(station, _codes(session))
    out["deputies"] = [{"code": d.code, "name": d.name, "expertise": list(d.expertise), "capacity": d.capacity,
                        "open_load": loads[d.id], "active": d.active} for d in members]
    return out


def _deputy(deputy: Deputy, stations: list[str], load: int) -> dict:
    return {
        "code": deputy.code, "name": deputy.name, "gender": deputy.gender, "level": deputy.level,
        "sector": deputy.sector, "occupation": deputy.occupation, "expertise": list(deputy.expertise),
        "capacity": deputy.capacity, "open_load": load, "reception_days": list(deputy.reception_days),
        "stations": stations, "active": deputy.active,
    }


def _stations_of(session: Session, deputy_ids: list[int]) -> dict[int, list[str]]:
    stmt = (select(DeputyStation.deputy_id, Station.code).join(Station, Station.id == DeputyStation.station_id)
            .where(col(DeputyStation.deputy_id).in_(deputy_ids)).order_by(DeputyStation.rank, Station.code))
    rows = session.exec(stmt).all()
    out: dict[int, list[str]] = defaultdict(list)
    for deputy_id, code in rows:
        out[deputy_id].append(code)
    return out


def list_deputies(*, session: Session, station: str | None = None, topic: str | None = None) -> list[dict]:
    """Deputies by code, optionally members of one station and/or knowing one topic."""
    stmt = select(Deputy)
    if station:
        st = registry.station_by_code(session=session, code=station)
        stmt = stmt.join(DeputyStation, DeputyStation.deputy_id == Deputy.id).where(DeputyStation.station_id == st.id)
    deputies = [d for d in session.exec(stmt.order_by(Deputy.code)) if not topic or topic.strip() in d.expertise]
    ids = [d.id for d in deputies]
    stations, loads = _stations_of(session, ids), open_loads(session=session, deputy_ids=ids)
    return [_deputy(d, stations.get(d.id, []), loads.get(d.id, 0)) for d in deputies]


def deputy_profile(*, session: Session, code: str, year: int | None = None) -> dict:
    """A deputy's profile with its 履职档案 (receptions, hours, cases handled and solved, satisfaction)."""
    deputy = registry.deputy_by_code(session=session, code=code)
    out = _deputy(deputy, _stations_of(session, [deputy.id]).get(deputy.id, []),
                  open_loads(session=session, deputy_ids=[deputy.id])[deputy.id])
    out["profile"] = deputy.profile
    out["affiliations"] = list(deputy.affiliations)
    out["record"] = receptions.deputy_record(session=session, deputy=deputy, year=year)
    return out


def departments(*, session: Session) -> list[dict]:
    rows = session.exec(select(Department).order_by(Department.id))
    return [{"name": d.name, "description": d.description} for d in rows]


def taxonomy(*, session: Session) -> dict:
    """Topics with their descriptions and the departments, in the order they were loaded."""
    topics = [{"name": t.name, "description": t.description} for t in session.exec(select(Topic).order_by(Topic.id))]
    return {"topics": topics, "departments": departments(session=session)}


def stations_by_ids(*, session: Session, station_ids: Iterable[int]) -> list[dict]:
    ids = list(station_ids)
    if not ids:
        return []
    rows = session.exec(select(Station).where(col(Station.id).in_(ids)).order_by(Station.code))
    return [station_ref(s) for s in rows]


def deputy_assignments(*, session: Session, deputy_id: int, now: datetime) -> list[dict]:
    """The deputy's active assignments on open cases, most pressing first, each with its case summary."""
    rows = session.exec(select(Assignment, Case).join(Case, Case.id == Assignment.case_id)
                        .where(Assignment.deputy_id == deputy_id, Assignment.active, col(Case.status).in_(_OPEN))).all()
    calendar = registry.work_calendar(session=session)
    items = []
    for assignment, case in rows:
        colour = calendar.colour(case.sla_due, now)
        summary = views.case_summary(session=session, case=case, colour=colour)
        items.append(((case.sla_due, case.id), summary | {
            "assignment": {"role": assignment.role, "score": round(assignment.score, 3),
                           "reasons": list(assignment.reasons), "assigned_at": views.iso(assignment.created_at)}}))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]

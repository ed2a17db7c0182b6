"""Reading the registry for the pipeline: stations, deputies as matching candidates, the place index, the
working-day calendar and a station's current reception theme."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from triage import affinity, db, matching, routing
from triage.cases.models import OPEN_STATUSES, Assignment, Case, ReceptionSession, Status
from triage.errors import NotFound
from triage.registry.models import CalendarDay, Deputy, DeputyStation, District, Place, Station
from triage.workdays import WorkCalendar

log = logging.getLogger(__name__)

STAMP_TTL = 2.0  # seconds a cached index is trusted before its tables' stamp is checked again

_cache_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → {name: (checked, stamp, value)}


def _stamp(session: Session, *tables) -> tuple:  # noqa: ANN002
    """A cheap version stamp of tables (row count, largest key, and the count of a flag where given), so caches
    follow rows added or removed; edits in place go through :func:`invalidate` (hard constraints — capacity,
    active — are read live and never cached)."""
    out = []
    for table, key, *flag in tables:
        cols = [func.count(), func.max(key)] + [func.sum(sa.cast(f, sa.Integer)) for f in flag]
        out.append(tuple(session.exec(select(*cols).select_from(table)).one()))
    return tuple(out)


def _cached(session: Session, name: str, tables, build):  # noqa: ANN001, ANN202 - build: () -> T
    """``build()``'s value, kept per database and rebuilt when ``tables`` change (checked every STAMP_TTL s).

    ``tables`` is what ``_stamp`` takes, or a function of the session giving a stamp of its own."""
    engine = db.base_engine(session.get_bind())
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.setdefault(engine, {}).get(name)
    if hit is not None and now - hit[0] < STAMP_TTL:
        return hit[2]
    stamp = tables(session) if callable(tables) else _stamp(session, *tables)
    value = hit[2] if hit is not None and hit[1] == stamp else build()
    with _cache_lock:
        _cache[engine][name] = (now, stamp, value)
    return value


def invalidate(engine: object) -> None:
    """Forget every cached registry view of ``engine``'s database (call after an admin edits the registry)."""
    with _cache_lock:
        _cache.pop(db.base_engine(engine), None)


@dataclass(frozen=True)
class Directory:
    """A read-only snapshot of who is where, for the intake hot path (rebuilt when the registry changes)."""

    stations: dict[str, Station]  # by code; transient copies, never added to a session
    members: dict[int, tuple[Deputy, ...]]  # station id → its active deputies, by code
    district_stations: dict[str, tuple[int, ...]]
    themes: dict[int, tuple[tuple[date, str], ...]]  # station id → (day, theme) of themed receptions
    idf: dict[str, float]
    candidates: dict[int, matching.Candidate]  # deputy id → profile; live capacity and load filled per intake

    def station(self, station_id: int) -> Station | None:
        return next((s for s in self.stations.values() if s.id == station_id), None)


def directory(*, session: Session) -> Directory:
    tables = ((Station, Station.id), (Deputy, Deputy.id), (DeputyStation, DeputyStation.deputy_id),
              (ReceptionSession, ReceptionSession.id))

    def build() -> Directory:
        stations = {s.code: Station.model_validate(s.model_dump()) for s in session.exec(select(Station))}
        deputies = {d.id: Deputy.model_validate(d.model_dump())
                    for d in session.exec(select(Deputy).where(Deputy.active))}
        members: dict[int, list[Deputy]] = defaultdict(list)
        for link in session.exec(select(DeputyStation)):
            if link.deputy_id in deputies:
                members[link.station_id].append(deputies[link.deputy_id])
        by_district: dict[str, list[int]] = defaultdict(list)
        for st in sorted(stations.values(), key=lambda x: x.id):
            by_district[st.district].append(st.id)
        themes: dict[int, list[tuple[date, str]]] = defaultdict(list)
        for r in session.exec(select(ReceptionSession).where(col(ReceptionSession.theme_topic).is_not(None))):
            themes[r.station_id].append((r.day, r.theme_topic))
        return Directory(
            stations=stations,
            members={k: tuple(sorted(v, key=lambda d: d.code)) for k, v in members.items()},
            district_stations={k: tuple(v) for k, v in by_district.items()},
            themes={k: tuple(sorted(v)) for k, v in themes.items()},
            idf=affinity.profile_idf(d.profile for d in deputies.values()),
            candidates={d.id: matching.Candidate(
                deputy_id=d.id, code=d.code, name=d.name, level=d.level, expertise=tuple(d.expertise),
                profile=d.profile, capacity=d.capacity, open_load=0, reception_days=tuple(d.reception_days),
                affiliations=tuple(d.affiliations), resolved_by_topic={}, at_station=False, sector=d.sector,
            ) for d in deputies.values()},
        )

    return _cached(session, "directory", tables, build)


def station_by_code(*, session: Session, code: str) -> Station:
    station = session.exec(select(Station).where(Station.code == code.strip().upper())).first()
    if station is None:
        raise NotFound(f"没有找到站点 {code}", code="station_not_found")
    return station


def station_snapshot(*, session: Session, code: str) -> Station:
    """Like :func:`station_by_code` from the cached directory (a read-only copy; no query on the hot path)."""
    station = directory(session=session).stations.get(code.strip().upper())
    if station is None:
        raise NotFound(f"没有找到站点 {code}", code="station_not_found")
    return station


def deputy_by_code(*, session: Session, code: str) -> Deputy:
    deputy = session.exec(select(Deputy).where(Deputy.code == code.strip().upper())).first()
    if deputy is None:
        raise NotFound(f"没有找到代表 {code}", code="deputy_not_found")
    return deputy


def stations_by_code(*, session: Session) -> dict[str, Station]:
    return {s.code: s for s in session.exec(select(Station))}


def place_index(*, session: Session) -> routing.PlaceIndex:
    """The gazetteer as a routing index, rebuilt when places, stations or districts change."""
    def build() -> routing.PlaceIndex:
        codes = {s.id: s.code for s in session.exec(select(Station))}
        places = [
            routing.PlaceEntry(p.name, p.kind, p.district, codes[p.station_id], tuple(p.aliases))
            for p in session.exec(select(Place).order_by(Place.id))
        ]
        districts = [
            routing.DistrictEntry(d.code, d.name, codes.get(d.default_station_id))
            for d in session.exec(select(District).order_by(District.id))
        ]
        names = {s.code: s.name for s in session.exec(select(Station))}
        return routing.PlaceIndex.build(places, districts, station_names=names)

    return _cached(session, "places", ((Place, Place.id), (Station, Station.id), (District, District.id)), build)


def warm(*, engine: Engine) -> None:
    """Build the cached registry views now (directory, place index, calendar), e.g. when a server process
    starts: otherwise its first submission pays for them (about 0.1 s). A SQLite file that does not exist yet
    is not created; any failure (a database not migrated, not reachable …) is logged, not raised: the first
    requests then build the views, or answer with the reason."""
    if db.is_sqlite_file(engine) and not Path(engine.url.database).exists():
        return
    try:
        with db.transaction(db.read_only(engine)) as session:
            directory(session=session)
            place_index(session=session)
            work_calendar(session=session)
    except Exception as exc:  # noqa: BLE001 - start-up goes on whatever the database says
        log.warning("registry caches not warmed at start-up: %s: %s", type(exc).__name__, exc)


def _calendar_rows(session: Session) -> tuple:
    return tuple(session.exec(select(CalendarDay.day, CalendarDay.is_workday).order_by(CalendarDay.day)).all())


def work_calendar(*, session: Session) -> WorkCalendar:
    """The holiday calendar; its stamp is the whole table (a few rows a year), so that a day moved by another
    process (``triage calendar``) is seen within STAMP_TTL seconds too."""
    return _cached(session, "calendar", _calendar_rows,
                   lambda: WorkCalendar.from_rows(list(session.exec(select(CalendarDay)))))


def theme_topic(*, session: Session, station_id: int, today: date) -> str | None:
    """The theme of the station's reception in the current period (the 7 days either side of today)."""
    window = (today - timedelta(days=7), today + timedelta(days=7))
    days = directory(session=session).themes.get(station_id, ())
    return next((theme for day, theme in days if window[0] <= day <= window[1]), None)


_a, _c, _dep = Assignment.__table__.c, Case.__table__.c, Deputy.__table__.c
_IDS = bindparam("ids", expanding=True)
LIVE_STATE = sa.union_all(  # plain Core, built once: deputies' capacity and active flag, then their assignments
    sa.select(_dep.id, _dep.capacity, _dep.active, sa.null(), sa.null(), sa.null(), sa.literal(0))
    .where(_dep.id.in_(_IDS)),
    sa.select(_a.deputy_id, sa.null(), sa.null(), _a.role, _c.status, _c.topic, sa.func.count())
    .join_from(Assignment.__table__, Case.__table__, _c.id == _a.case_id)
    .where(_a.deputy_id.in_(_IDS), _a.active)
    .group_by(_a.deputy_id, _a.role, _c.status, _c.topic),
)
_SOLVED = frozenset({str(Status.RESOLVED), str(Status.VISITED), str(Status.CLOSED)})
_OPEN = frozenset(str(st) for st in OPEN_STATUSES)


def _as_candidates(session: Session, rows: list[tuple[Deputy, bool]]) -> list[matching.Candidate]:
    """Active candidates from cached deputy profiles, with capacity, open load and resolved cases per topic (as
    primary) read live (they are hard constraints), in one query."""
    if not rows:
        return []
    live: dict[int, int] = {}
    loads: dict[int, int] = defaultdict(int)
    resolved: dict[int, dict[str, int]] = defaultdict(dict)
    for deputy_id, capacity, active, role, status, topic, n in session.connection().execute(
            LIVE_STATE, {"ids": [d.id for d, _ in rows]}):
        if capacity is not None and active:
            live[deputy_id] = capacity
        elif status in _OPEN:
            loads[deputy_id] += n
        elif status in _SOLVED and role == "primary":
            resolved[deputy_id][topic] = resolved[deputy_id].get(topic, 0) + n
    profiles = directory(session=session).candidates
    return [
        replace(profiles[d.id], capacity=live[d.id], open_load=loads.get(d.id, 0),
                resolved_by_topic=resolved.get(d.id, {}), at_station=home)
        for d, home in rows if d.id in live
    ]


def _district_others(d: Directory, station: Station) -> list[Deputy]:
    """The deputies of the station's district who are not members of the station, by code."""
    seen, others = {m.id for m in d.members.get(station.id, ())}, []
    for station_id in d.district_stations.get(station.district, ()):
        for m in d.members.get(station_id, ()):
            if m.id not in seen:
                seen.add(m.id)
                others.append(m)
    return sorted(others, key=lambda m: m.code)


def likely_profiles(*, session: Session, station: Station, topic: str) -> tuple[set[str], dict[str, float]]:
    """The profiles :func:`select_deputies` will most likely rank for ``topic`` (the station's; the district's
    too when no station member lists the topic), and the IDF they are weighed with: for working out the text's
    affinities before the write lock."""
    d = directory(session=session)
    members = list(d.members.get(station.id, ()))
    if not any(topic in m.expertise for m in members):
        members += _district_others(d, station)
    return {m.profile for m in members}, d.idf


def select_deputies(*, session: Session, station: Station, facts: matching.CaseFacts) -> matching.Selection:
    """Rank the station's deputies; when none of them can take the topic, widen to the district's. The live state
    of the whole district is read in one query up front (cheaper than a second query when widening)."""
    d = directory(session=session)
    everyone = _as_candidates(session, [(m, True) for m in d.members.get(station.id, ())]
                              + [(m, False) for m in _district_others(d, station)])
    pool = [c for c in everyone if c.at_station]
    if matching.needs_district_fallback(facts, pool):
        pool = everyone
    return matching.select(facts, pool, idf=d.idf)

"""Row factories for domain tests: make_station(), make_deputy(), make_case() with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from triage import db
from triage.cases import numbering, queue
from triage.cases.models import Assignment, Case, Priority, Status, Submission
from triage.registry.models import Deputy, DeputyStation, Station
from triage.workdays import WorkCalendar

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Harbin
_seq = itertools.count(1)


def make_station(session: Session, code: str | None = None, **kw: object) -> Station:
    n = next(_seq)
    station = Station(code=code or f"T{n}", name=kw.pop("name", f"测试{n}联络站"), place=f"测试{n}街道",
                      level=kw.pop("level", "街道"), district=kw.pop("district", "道里区"),
                      reception_days=kw.pop("reception_days", [2]), **kw)
    session.add(station)
    session.flush()
    return station


def make_deputy(session: Session, station: Station | None = None, **kw: object) -> Deputy:
    n = next(_seq)
    deputy = Deputy(code=kw.pop("code", f"T{n:04d}"), name=kw.pop("name", f"代表{n}"), level=kw.pop("level", "区"),
                    expertise=kw.pop("expertise", ["城乡建设"]), capacity=kw.pop("capacity", 8),
                    reception_days=kw.pop("reception_days", [2]), **kw)
    session.add(deputy)
    session.flush()
    if station is not None:
        session.add(DeputyStation(deputy_id=deputy.id, station_id=station.id))
        session.flush()
    return deputy


def make_case(session: Session, station: Station, *, status: Status = Status.QUEUED, text: str = "楼道窗户漏风",
              priority: Priority = Priority.NORMAL, created: datetime = NOW, due_in: timedelta = timedelta(days=10),
              deputy: Deputy | None = None, **kw: object) -> Case:
    case = Case(number=numbering.next_number(session=session, station_code=station.code, year=created.year),
                station_id=station.id, topic=kw.pop("topic", "城乡建设"),
                department=kw.pop("department", "属地街道办事处"),
                summary=text, priority=priority, status=status, sla_due=created + due_in, created_at=created,
                updated_at=created, **kw)
    session.add(case)
    session.flush()
    session.add(Submission(case_id=case.id, text=text, masked_text=text, topic=case.topic, topic_confidence=0.9,
                           department=case.department, department_confidence=0.9, model_version="test",
                           created_at=created))
    if deputy is not None:
        session.add(Assignment(case_id=case.id, deputy_id=deputy.id, role="primary", score=1.0, created_at=created))
    session.flush()
    return case


def claim_until_empty(engine, station_id: int, deputy_id: int) -> list[int]:  # noqa: ANN001 - an Engine
    """Claim the station's next case for ``deputy_id``, one transaction each, until none is left: the ids taken."""
    calendar, taken = WorkCalendar({}, known_years=[2026]), []
    while True:
        with db.transaction(engine) as session:
            case = queue.claim_next(session=session, station_id=station_id, deputy_id=deputy_id, calendar=calendar,
                                    now=NOW)
            if case is None:
                return taken
            taken.append(case.id)

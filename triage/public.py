"""Cases as the public may see them (open-data consumers such as Open311): masked summary and workflow facts only,
never the original text, submitter or contact."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from triage.cases.models import Case, Reply, Status
from triage.errors import NotFound
from triage.registry.models import Station, Topic

CLOSED_STATUSES = (Status.RESOLVED, Status.VISITED, Status.CLOSED, Status.MERGED)
MAX_RESULTS = 1000


@dataclass(frozen=True)
class TopicInfo:
    id: int
    name: str
    description: str


@dataclass(frozen=True)
class PublicCase:
    """What anyone may read about a case."""

    number: str
    status: str
    topic: str
    department: str
    place: str | None
    summary: str  # the masked text of the first submission
    priority: str
    station_name: str
    created_at: datetime
    updated_at: datetime
    sla_due: datetime
    last_reply_kind: str | None  # constituent / department / progress
    merged_into: str | None

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES


def topics(*, session: Session) -> list[TopicInfo]:
    """The taxonomy's topics in the order they were defined."""
    rows = session.execute(sa.select(Topic.id, Topic.name, Topic.description).order_by(Topic.id)).all()
    return [TopicInfo(i, name, description or "") for i, name, description in rows]


_merged = aliased(Case)
_BASE = (
    sa.select(Case.number, Case.status, Case.topic, Case.department, Case.place, Case.summary, Case.priority,
              Station.name, Case.created_at, Case.updated_at, Case.sla_due, _merged.number, Case.id)
    .join(Station, Station.id == Case.station_id)
    .outerjoin(_merged, _merged.id == Case.merged_into_id)
)


def _last_reply_kinds(session: Session, case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    latest = (sa.select(sa.func.max(Reply.id)).where(Reply.case_id.in_(case_ids)).group_by(Reply.case_id)
              .scalar_subquery())
    return dict(session.execute(sa.select(Reply.case_id, Reply.kind).where(Reply.id.in_(latest))).all())


def _rows(session: Session, stmt: sa.Select) -> list[PublicCase]:
    rows = session.execute(stmt).all()
    kinds = _last_reply_kinds(session, [r[-1] for r in rows])
    return [PublicCase(*r[:11], last_reply_kind=kinds.get(r[-1]), merged_into=r[11]) for r in rows]


def list_cases(
    *, session: Session, numbers: Collection[str] | None = None, topics: Collection[str] | None = None,
    start: datetime | None = None, end: datetime | None = None, closed: bool | None = None,
    limit: int = MAX_RESULTS,
) -> list[PublicCase]:
    """Cases matching every filter given, newest first (by creation time, then number), at most ``limit``."""
    stmt = _BASE
    if numbers is not None:
        stmt = stmt.where(Case.number.in_([n.strip().upper() for n in numbers]))
    if topics is not None:
        stmt = stmt.where(Case.topic.in_(list(topics)))
    if start is not None:
        stmt = stmt.where(Case.created_at >= start)
    if end is not None:
        stmt = stmt.where(Case.created_at <= end)
    if closed is not None:
        done = [str(s) for s in CLOSED_STATUSES]
        stmt = stmt.where(Case.status.in_(done) if closed else Case.status.not_in(done))
    stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(max(0, min(limit, MAX_RESULTS)))
    return _rows(session, stmt)


def get_case(*, session: Session, number: str) -> PublicCase:
    found = _rows(session, _BASE.where(Case.number == number.strip().upper()))
    if not found:
        raise NotFound(f"没有找到案件 {number}", code="case_not_found")
    return found[0]

"""A station's queue: ordering by colour, priority, due time and age; safe claiming; lapsed claims; search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from triage.cases import audit, workflow
from triage.cases.models import OPEN_STATUSES, OPEN_VALUES, Assignment, Case, Priority, Status, Submission
from triage.errors import InvalidInput
from triage.workdays import WorkCalendar

COLOUR_RANK = {"red": 0, "yellow": 1, "green": 2}
PRIORITY_RANK = {Priority.URGENT: 0, Priority.PRESSING: 1, Priority.NORMAL: 2}
COLOUR_NAMES = {"red": "红", "yellow": "黄", "green": "绿"}
LAPSE_WORKING_DAYS = 2


@dataclass(frozen=True)
class QueueItem:
    case: Case
    colour: str

    @property
    def sort_key(self) -> tuple:
        c = self.case
        return queue_key(self.colour, c.priority, c.sla_due, c.created_at, c.id)


def queue_key(colour: str, priority: str, due: datetime, created: datetime, case_id: int) -> tuple:
    """Queue order: red, yellow, green; then 紧急, 较急, 一般; due time; age."""
    return (COLOUR_RANK[colour], PRIORITY_RANK.get(priority, 9), due, created, case_id)


def ordered(cases: list[Case], *, calendar: WorkCalendar, now: datetime) -> list[QueueItem]:
    items = [QueueItem(c, calendar.colour(c.sla_due, now)) for c in cases]
    return sorted(items, key=lambda i: i.sort_key)


def station_queue(
    *, session: Session, station_id: int, calendar: WorkCalendar, now: datetime,
    statuses: tuple[str, ...] = tuple(OPEN_STATUSES),
) -> list[QueueItem]:
    """Open cases of a station, most pressing first: red, yellow, green; then 紧急, 较急, 一般; due; age."""
    cases = session.exec(select(Case).where(Case.station_id == station_id, col(Case.status).in_(statuses)))
    return ordered(list(cases), calendar=calendar, now=now)


def overdue(*, session: Session, calendar: WorkCalendar, now: datetime, station_ids: list[int] | None = None
            ) -> list[QueueItem]:
    """Yellow and red open cases (督办), most pressing first."""
    stmt = select(Case).where(col(Case.status).in_(OPEN_VALUES))
    if station_ids is not None:
        stmt = stmt.where(col(Case.station_id).in_(station_ids))
    return [i for i in ordered(list(session.exec(stmt)), calendar=calendar, now=now) if i.colour != "green"]


def unassigned(*, session: Session, station_ids: list[int] | None = None) -> list[Case]:
    """Open cases with no active primary deputy (every eligible deputy was full): the station head's list."""
    has_primary = select(Assignment.case_id).where(Assignment.active, Assignment.role == "primary")
    stmt = select(Case).where(col(Case.status).in_(OPEN_VALUES), col(Case.id).not_in(has_primary))
    if station_ids is not None:
        stmt = stmt.where(col(Case.station_id).in_(station_ids))
    return list(session.exec(stmt.order_by(Case.id)))


def claim_next(*, session: Session, station_id: int, deputy_id: int, calendar: WorkCalendar, now: datetime
               ) -> Case | None:
    """Claim the most pressing queued case of the station, or None when nothing is left.

    PostgreSQL: each candidate is locked ``FOR UPDATE SKIP LOCKED`` and re-checked, so concurrent workers take
    different cases; SQLite: the write transaction (BEGIN IMMEDIATE) serializes workers."""
    rows = session.exec(
        select(Case.id, Case.priority, Case.sla_due, Case.created_at)
        .where(Case.station_id == station_id, Case.status == Status.QUEUED)
    ).all()
    rows = sorted(rows, key=lambda r: queue_key(calendar.colour(r[2], now), r[1], r[2], r[3], r[0]))
    for case_id, *_ in rows:
        stmt = (select(Case).where(Case.id == case_id, Case.status == Status.QUEUED)
                .with_for_update(skip_locked=True).execution_options(populate_existing=True))
        case = session.exec(stmt).first()
        if case is None:
            continue
        return workflow.claim(session=session, case=case, deputy_id=deputy_id, now=now)
    return None


def lapse_stale_claims(*, session: Session, calendar: WorkCalendar, now: datetime,
                       working_days: int = LAPSE_WORKING_DAYS) -> list[Case]:
    """Claims without a progress note for ``working_days`` working days go back to the queue, and the station
    head is alerted (an ``alert`` audit event on the case)."""
    lapsed = []
    for case in session.exec(select(Case).where(Case.status == Status.CLAIMED).with_for_update(skip_locked=True)):
        since = case.last_progress_at or case.claimed_at or case.created_at
        if calendar.working_seconds_between(since, now) < working_days * 86_400:
            continue
        reason = f"认领后 {working_days} 个工作日无进展，已退回队列"
        workflow.apply(session=session, case=case, action="lapse", actor="系统", now=now, reason=reason,
                       status=Status.QUEUED, claimed_by_id=None, claimed_at=None)
        audit.record(session=session, case=case, action="alert", actor="系统", at=now,
                     reason=f"提醒站长：案件 {case.number} {reason}")
        lapsed.append(case)
    return lapsed


def search(
    *, session: Session, query: str | None = None, phone_last4: str | None = None,
    station_ids: list[int] | None = None, limit: int = 50,
) -> list[Case]:
    """Cases by number, by words of the masked text, or (station staff only: the caller checks) by the last four
    digits of a contact phone. ``station_ids`` limits the search to those stations."""
    stmt = select(Case)
    if station_ids is not None:
        stmt = stmt.where(col(Case.station_id).in_(station_ids))
    if phone_last4 is not None:
        if not (len(phone_last4) == 4 and phone_last4.isdigit()):
            raise InvalidInput("请给出手机号的后 4 位数字", code="invalid_phone_last4")
        sub = select(Submission.case_id).where(Submission.contact_last4 == phone_last4)
        stmt = stmt.where(col(Case.id).in_(sub))
    if query:
        for word in query.split():
            sub = select(Submission.case_id).where(col(Submission.masked_text).contains(word, autoescape=True))
            stmt = stmt.where(or_(Case.number == word.upper(), col(Case.id).in_(sub)))
    return list(session.exec(stmt.order_by(col(Case.id).desc()).limit(limit)))

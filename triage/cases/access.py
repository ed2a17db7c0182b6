"""Cases as a caller may see and touch them: loading with assigned deputies, scope checks, filtered listing
and views with the original text only for those DESIGN.md's "who sees what" allows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from classifier import pii
from classifier.normalize import normalize
from triage import views
from triage.accounts import permissions
from triage.accounts.models import Role
from triage.accounts.service import Forbidden, Principal
from triage.cases import audit, queue
from triage.cases.models import OPEN_STATUSES, Assignment, Case, Submission
from triage.errors import InvalidInput, NotFound
from triage.registry import service as registry
from triage.registry.models import Department, Station, Topic
from triage.workdays import WorkCalendar

OPEN = frozenset(str(s) for s in OPEN_STATUSES)
ACTOR_MAX = 64  # AuditEvent.actor / Reply.author


@dataclass(frozen=True)
class LoadedCase:
    """A case and the ids of the deputies actively assigned to it (what the permission checks need)."""

    case: Case
    assigned: frozenset[int]


@dataclass(frozen=True)
class CaseFilter:
    """Filters of the case list; ids already resolved from codes."""

    station_id: int | None = None
    status: str | None = None
    topic: str | None = None
    priority: str | None = None
    colour: str | None = None
    q: str | None = None
    phone_last4: str | None = None
    assigned_to: int | None = None  # a deputy id


def actor(p: Principal) -> str:
    """How the audit trail names the caller (cut to the column's width)."""
    return p.label[:ACTOR_MAX]


def assigned_ids(*, session: Session, case_id: int) -> frozenset[int]:
    rows = session.exec(select(Assignment.deputy_id).where(Assignment.case_id == case_id, Assignment.active))
    return frozenset(rows.all())


def load(*, session: Session, number: str, lock: bool = False) -> LoadedCase:
    """The case numbered ``number`` (any case, spaces ignored) with its assigned deputies, or :class:`NotFound`."""
    number = (number or "").strip().upper()
    stmt = select(Case).where(Case.number == number)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    case = session.exec(stmt).first()
    if case is None:
        raise NotFound(f"没有找到案件 {number}", code="case_not_found")
    return LoadedCase(case, assigned_ids(session=session, case_id=case.id))


def load_by_submission(*, session: Session, submission_id: int) -> LoadedCase:
    """The case a submission belongs to (for splitting it off), or :class:`NotFound`."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"没有找到诉求 #{submission_id}", code="submission_not_found")
    case = session.get(Case, submission.case_id)
    return LoadedCase(case, assigned_ids(session=session, case_id=case.id))


def refresh(*, session: Session, loaded: LoadedCase) -> LoadedCase:
    """The same case with its assignments read again (after a step that changes them)."""
    return LoadedCase(loaded.case, assigned_ids(session=session, case_id=loaded.case.id))


def ensure_visible(p: Principal, loaded: LoadedCase) -> None:
    if not permissions.can_view_case(p, station_id=loaded.case.station_id, assigned=loaded.assigned):
        raise Forbidden(f"案件 {loaded.case.number} 不在您的查看范围内", code="forbidden",
                        detail={"case": loaded.case.number})


def authorize(p: Principal, action: str, loaded: LoadedCase) -> None:
    """:func:`permissions.require` for ``action`` on this case (403 in Chinese)."""
    c = loaded.case
    permissions.require(p, action, station_id=c.station_id, assigned=loaded.assigned, claimed_by=c.claimed_by_id)


def station_in_scope(*, session: Session, p: Principal, code: str) -> Station:
    """The station ``code`` (404 unknown), provided the caller may look at its cases (403 otherwise)."""
    station = registry.station_by_code(session=session, code=code)
    if not permissions.in_scope(p, station.id):
        raise Forbidden(f"站点 {station.code} 不在您的查看范围内", code="forbidden", detail={"station": station.code})
    return station


def require_station_deputy(p: Principal, station: Station) -> int:
    """The caller's deputy id when they are a deputy of ``station`` (403 otherwise)."""
    permissions.require(p, "claim")
    if p.deputy_id is None or station.id not in p.station_ids:
        raise Forbidden(f"您不是{station.name}的代表，不能认领该站点的案件", code="forbidden",
                        detail={"station": station.code})
    return p.deputy_id


def require_sweep(p: Principal) -> None:
    if p.role not in (Role.ADMIN, Role.STATION_HEAD):
        raise Forbidden("只有站长和管理员可以清理超时认领", code="forbidden", detail={"action": "sweep"})


def check_phone_search(p: Principal, station_id: int | None) -> None:
    """Search by the last 4 digits of a phone: only intake staff and station heads, only in their station."""
    if p.role not in (Role.INTAKE, Role.STATION_HEAD):
        raise Forbidden("按电话后 4 位查找仅限站点接待员和站长", code="forbidden", detail={"filter": "phone_last4"})
    if station_id is None:
        raise InvalidInput("按电话后 4 位查找时请同时用 station 指定本站", code="station_required")
    if station_id not in p.station_ids:
        raise Forbidden("只能按电话后 4 位查找本站的案件", code="forbidden", detail={"filter": "phone_last4"})


def check_labels(*, session: Session, topic: str | None = None, department: str | None = None) -> None:
    """Topic and department must be in the taxonomy (when one is loaded): confirmed labels train the model."""
    for value, table, what, code in ((topic, Topic, "主题", "unknown_topic"),
                                     (department, Department, "部门", "unknown_department")):
        if not value or not value.strip() or session.exec(select(table.id).limit(1)).first() is None:
            continue
        if session.exec(select(table.id).where(table.name == value.strip())).first() is None:
            raise InvalidInput(f"未知的{what}：{value}", code=code, detail={"value": value})


def colour_of(case: Case, *, calendar: WorkCalendar, now: datetime) -> str | None:
    """三色督办 for open cases; None once a case is resolved, closed or merged."""
    return calendar.colour(case.sla_due, now) if case.status in OPEN else None


def _scoped(stmt, p: Principal):  # noqa: ANN001, ANN202 - a select
    scope = permissions.station_scope(p)
    if scope is None:
        return stmt
    visible = col(Case.station_id).in_(sorted(scope))
    if p.deputy_id is not None:
        mine = select(Assignment.case_id).where(Assignment.deputy_id == p.deputy_id, Assignment.active)
        visible = or_(visible, col(Case.id).in_(mine))
    return stmt.where(visible)


def _filtered(stmt, f: CaseFilter):  # noqa: ANN001, ANN202 - a select
    if f.station_id is not None:
        stmt = stmt.where(Case.station_id == f.station_id)
    for column, value in ((Case.status, f.status), (Case.topic, f.topic), (Case.priority, f.priority)):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.colour is not None:
        stmt = stmt.where(col(Case.status).in_(sorted(OPEN)))
    if f.assigned_to is not None:
        mine = select(Assignment.case_id).where(Assignment.deputy_id == f.assigned_to, Assignment.active)
        stmt = stmt.where(col(Case.id).in_(mine))
    if f.phone_last4 is not None:
        if not (len(f.phone_last4) == 4 and f.phone_last4.isascii() and f.phone_last4.isdigit()):
            raise InvalidInput("请给出手机号的后 4 位数字", code="invalid_phone_last4")
        stmt = stmt.where(col(Case.id).in_(select(Submission.case_id).where(Submission.contact_last4 == f.phone_last4)))
    for word in (f.q or "").split():
        sub = select(Submission.case_id).where(col(Submission.masked_text).contains(word, autoescape=True))
        stmt = stmt.where(or_(Case.number == word.upper(), col(Case.id).in_(sub)))
    return stmt


def _queue_key(row: tuple, colour: str | None) -> tuple:
    case_id, status, priority, due, created = row
    return (status not in OPEN, queue.COLOUR_RANK.get(colour, 3), queue.PRIORITY_RANK.get(priority, 9), due,
            created, case_id)


def list_cases(
    *, session: Session, p: Principal, f: CaseFilter, calendar: WorkCalendar, now: datetime, limit: int, offset: int
) -> tuple[list[tuple[Case, str | None]], int]:
    """One page of the cases ``p`` may see that match ``f`` (with their colours) and how many match in all.

    Order: the queue order (open first; colour, priority, due, age) when a station is given, else newest first."""
    if f.station_id is None and f.colour is None:  # newest first: paged by the database
        base = _filtered(_scoped(select(Case.id), p), f).subquery()
        total = session.exec(select(func.count()).select_from(base)).one()
        stmt = _filtered(_scoped(select(Case), p), f)
        stmt = stmt.order_by(col(Case.created_at).desc(), col(Case.id).desc()).offset(offset).limit(limit)
        return [(c, colour_of(c, calendar=calendar, now=now)) for c in session.exec(stmt)], total
    cols = select(Case.id, Case.status, Case.priority, Case.sla_due, Case.created_at)
    rows = [(tuple(r), calendar.colour(r[3], now) if r[1] in OPEN else None)
            for r in session.exec(_filtered(_scoped(cols, p), f)).all()]
    if f.colour is not None:
        rows = [r for r in rows if r[1] == f.colour]
    if f.station_id is not None:
        rows.sort(key=lambda r: _queue_key(*r))
    else:
        rows.sort(key=lambda r: (r[0][4], r[0][0]), reverse=True)
    total, page = len(rows), rows[offset:offset + limit]
    cases = {c.id: c for c in session.exec(select(Case).where(col(Case.id).in_([r[0][0] for r in page])))}
    return [(cases[r[0][0]], r[1]) for r in page], total


def overdue(*, session: Session, p: Principal, calendar: WorkCalendar, now: datetime,
            station_id: int | None = None) -> list[queue.QueueItem]:
    """督办: the yellow and red open cases of the caller's stations (or of one of them), most pressing first."""
    scope = permissions.station_scope(p)
    ids = [station_id] if station_id is not None else (sorted(scope) if scope is not None else None)
    return queue.overdue(session=session, calendar=calendar, now=now, station_ids=ids)


def sweep(*, session: Session, p: Principal, calendar: WorkCalendar, now: datetime) -> tuple[list[str], int]:
    """Lapse stale claims everywhere; returns the lapsed numbers the caller may see, and how many lapsed in all."""
    require_sweep(p)
    lapsed = queue.lapse_stale_claims(session=session, calendar=calendar, now=now)
    return sorted(c.number for c in lapsed if permissions.in_scope(p, c.station_id)), len(lapsed)


def _mask(text: str, names: Sequence[str]) -> str:
    return pii.redact(normalize(text), names=list(names))[0] if text else text


def _submitter_names(session: Session, case_id: int) -> list[str]:
    rows = session.exec(select(Submission.submitter_name).where(Submission.case_id == case_id)).all()
    return sorted({n for n in rows if n})


def summary(*, session: Session, case: Case, colour: str | None) -> dict:
    """The masked summary of a case (list rows, queues)."""
    return views.case_summary(session=session, case=case, colour=colour)


def detail(*, session: Session, p: Principal, loaded: LoadedCase, calendar: WorkCalendar, now: datetime) -> dict:
    """The case as ``p`` may see it: submissions' original ``text``, ``contact`` and ``submitter_name`` only when
    :func:`permissions.sees_original` allows; otherwise those are None, and replies and audit reasons (masked by
    the views for everyone) are normalized and masked again with the submitters' names."""
    case = loaded.case
    out = views.case_detail(session=session, case=case, colour=colour_of(case, calendar=calendar, now=now))
    sees = permissions.sees_original(p, station_id=case.station_id, assigned=loaded.assigned)
    subs = {s.id: s for s in session.exec(select(Submission).where(Submission.case_id == case.id))}
    for item in out["submissions"]:
        s = subs[item["id"]]
        item.update(text=s.text if sees else None, contact=s.contact if sees else None,
                    submitter_name=s.submitter_name if sees else None)
    if not sees:
        names = _submitter_names(session, case.id)
        for r in out["replies"]:
            r["text"] = _mask(r["text"], names)
        for e in out["timeline"]:
            e["reason"] = _mask(e["reason"], names)
    out["sees_original"] = sees
    return out


def timeline(*, session: Session, p: Principal, loaded: LoadedCase) -> list[dict]:
    """The audit events of a case (personal data in reasons masked; names too unless ``p`` sees the original)."""
    sees = permissions.sees_original(p, station_id=loaded.case.station_id, assigned=loaded.assigned)
    names = [] if sees else _submitter_names(session, loaded.case.id)
    events = [{"action": e.action, "actor": e.actor, "at": views.iso(e.at), "reason": views.masked(e.reason),
               "before": e.before, "after": e.after} for e in audit.timeline(session=session, case_id=loaded.case.id)]
    if not sees:
        for e in events:
            e["reason"] = _mask(e["reason"], names)
    return events

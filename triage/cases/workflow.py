"""The case state machine: which step is legal from which status, and the steps themselves, each audited.

Functions flush but never commit: the caller's transaction (``triage.db.transaction``) makes a step and its
audit event land together or not at all."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, func, select

from triage import matching
from triage.cases import audit
from triage.cases.models import OPEN_STATUSES, OPEN_VALUES, Assignment, Case, Correction, Reply, Status, Submission
from triage.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from triage.registry.models import Deputy, DeputyStation

S = Status
ALLOWED: dict[str, frozenset[Status]] = {
    "confirm": frozenset({S.REVIEW}),
    "claim": frozenset({S.QUEUED}),
    "release": frozenset({S.CLAIMED}),
    "lapse": frozenset({S.CLAIMED}),
    "progress": frozenset({S.CLAIMED, S.TRANSFERRED}),
    "resolve": frozenset({S.CLAIMED}),
    "visit": frozenset({S.RESOLVED}),
    "close": frozenset({S.RESOLVED, S.VISITED}),
    "reopen": frozenset({S.RESOLVED, S.VISITED}),
    "transfer": frozenset({S.QUEUED, S.CLAIMED}),
    "department_reply": frozenset({S.TRANSFERRED}),
    "return": frozenset({S.TRANSFERRED}),
    "reassign": frozenset({S.REVIEW, S.QUEUED, S.CLAIMED}),
    "merge": frozenset(OPEN_STATUSES),
    "merge_in": frozenset(OPEN_STATUSES),
    "correct": frozenset(OPEN_STATUSES),
    "split_out": frozenset(OPEN_STATUSES),
}
ACTION_NAMES = {
    "confirm": "确认", "claim": "认领", "release": "退回队列", "lapse": "认领超时退回", "progress": "记录进展",
    "resolve": "办结", "visit": "回访", "close": "关闭", "reopen": "重新办理", "transfer": "转办",
    "department_reply": "部门答复", "return": "退单", "reassign": "改派", "merge": "合并", "merge_in": "并入",
    "correct": "更正分类",
    "split_out": "拆出诉求",
}
TRACKED = ("status", "topic", "department", "claimed_by_id", "transferred_to", "merged_into_id", "satisfaction",
           "cosigners")


def get_case(*, session: Session, case_id: int | None = None, number: str | None = None, lock: bool = False) -> Case:
    """The case by id or number (locked FOR UPDATE on PostgreSQL when ``lock``), or :class:`NotFound`."""
    stmt = select(Case).where(Case.id == case_id) if case_id is not None else select(Case).where(Case.number == number)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    case = session.exec(stmt).first()
    if case is None:
        raise NotFound(f"没有找到案件 {number or case_id}", code="case_not_found")
    return case


def check(case: Case, action: str) -> None:
    if Status(case.status) not in ALLOWED[action]:
        allowed = "、".join(sorted(str(s) for s in ALLOWED[action]))
        raise IllegalTransition(
            f"案件 {case.number} 当前状态为「{case.status}」，不能{ACTION_NAMES[action]}（仅限：{allowed}）",
            detail={"case": case.number, "status": case.status, "action": action},
        )


def apply(
    *, session: Session, case: Case, action: str, actor: str, now: datetime, reason: str = "", **changes: object
) -> Case:
    """Check ``action`` is legal, apply ``changes`` to ``case`` and write the audit event."""
    check(case, action)
    before = audit.snapshot(case, TRACKED)
    for field, value in changes.items():
        setattr(case, field, value)
    case.updated_at = now
    session.add(case)
    audit.record(session=session, case=case, action=action, actor=actor, at=now,
                 before=before, after=audit.snapshot(case, TRACKED), reason=reason)
    session.flush()
    return case


def _require(text: str | None, what: str) -> str:
    if text is None or not text.strip():
        raise InvalidInput(f"请填写{what}", code="missing_" + ("reason" if what == "理由" else "text"))
    return text.strip()


def deputy_load(*, session: Session, deputy_id: int) -> int:
    """Open cases the deputy is actively assigned to."""
    stmt = (
        select(func.count()).select_from(Assignment).join(Case, Case.id == Assignment.case_id)
        .where(Assignment.deputy_id == deputy_id, Assignment.active, Case.status.in_(OPEN_VALUES))
    )
    return session.exec(stmt).one()


def _assignment(session: Session, case_id: int, deputy_id: int) -> Assignment | None:
    return session.exec(
        select(Assignment).where(Assignment.case_id == case_id, Assignment.deputy_id == deputy_id, Assignment.active)
    ).first()


def make_primary(*, session: Session, case: Case, deputy: Deputy, now: datetime, reason: str) -> Assignment:
    """``deputy`` becomes the case's primary deputy (others are demoted to the team); capacity is enforced."""
    current = _assignment(session, case.id, deputy.id)
    if current is None and deputy_load(session=session, deputy_id=deputy.id) >= deputy.capacity:
        raise Conflict(f"代表 {deputy.name} 在办案件已满额（{deputy.capacity} 件）", code="deputy_full")
    for a in session.exec(select(Assignment).where(Assignment.case_id == case.id, Assignment.active)):
        if a.role == "primary" and a.deputy_id != deputy.id:
            a.role = "team"
            session.add(a)
    if current is None:
        current = Assignment(case_id=case.id, deputy_id=deputy.id, role="primary", score=0.0, reasons=[reason],
                             created_at=now)
    current.role = "primary"
    session.add(current)
    return current


def _deputy(session: Session, deputy_id: int) -> Deputy:
    deputy = session.get(Deputy, deputy_id)
    if deputy is None or not deputy.active:
        raise NotFound(f"没有找到代表 {deputy_id}", code="deputy_not_found")
    return deputy


def may_work_on(*, session: Session, case: Case, deputy_id: int) -> bool:
    """A deputy may claim a case of a station they belong to, or one they are assigned to."""
    member = session.get(DeputyStation, (deputy_id, case.station_id)) is not None
    return member or _assignment(session, case.id, deputy_id) is not None


def _confirmed_label(session: Session, case: Case, *, actor: str, now: datetime, topic: str | None,
                     department: str | None) -> tuple[str, str]:
    """Record the labels staff confirmed for the case's first submission (only these train the next model)."""
    first = session.exec(select(Submission).where(Submission.case_id == case.id).order_by(Submission.id)).first()
    new_topic, new_dept = topic or case.topic, department or case.department
    if first is not None:
        session.add(Correction(submission_id=first.id, topic=new_topic, department=new_dept, actor=actor, at=now,
                               previous_topic=first.topic, previous_department=first.department))
    return new_topic, new_dept


def _check_conflict(case: Case, deputy: Deputy) -> None:
    named = matching.conflict_in(case.summary, deputy.affiliations)
    if named:
        raise Conflict(f"代表 {deputy.name} 申报的关联单位在诉求中被提到（{named}），应回避",
                       code="conflict_of_interest")


def confirm(
    *, session: Session, case: Case, actor: str, now: datetime, topic: str | None = None, department: str | None = None
) -> Case:
    """Staff confirm (or correct) the labels of a case under review; it joins the queue. Confirmed labels are
    recorded as corrections on its first submission: only those train the next model."""
    new_topic, new_dept = _confirmed_label(session, case, actor=actor, now=now, topic=topic, department=department)
    return apply(session=session, case=case, action="confirm", actor=actor, now=now, status=S.QUEUED,
                 topic=new_topic, department=new_dept, review_reasons=[])


def correct(*, session: Session, case: Case, actor: str, now: datetime, topic: str | None = None,
            department: str | None = None) -> Case:
    """Staff correct the topic/department of an open case (a confirmed label; a case under review is queued)."""
    if not topic and not department:
        raise InvalidInput("请给出要更正的主题或部门", code="nothing_to_correct")
    new_topic, new_dept = _confirmed_label(session, case, actor=actor, now=now, topic=topic, department=department)
    status = S.QUEUED if case.status == S.REVIEW else Status(case.status)
    return apply(session=session, case=case, action="correct", actor=actor, now=now, status=status,
                 topic=new_topic, department=new_dept, review_reasons=[] if status == S.QUEUED else case.review_reasons)


def claim(*, session: Session, case: Case, deputy_id: int, now: datetime) -> Case:
    deputy = _deputy(session, deputy_id)
    check(case, "claim")
    if not may_work_on(session=session, case=case, deputy_id=deputy_id):
        raise Conflict(f"代表 {deputy.name} 不属于该案件所在站点，也未被指派", code="not_station_member")
    _check_conflict(case, deputy)
    make_primary(session=session, case=case, deputy=deputy, now=now, reason="认领")
    return apply(session=session, case=case, action="claim", actor=f"代表 {deputy.name}", now=now,
                 status=S.CLAIMED, claimed_by_id=deputy.id, claimed_at=now, last_progress_at=now)


def release(*, session: Session, case: Case, actor: str, now: datetime, reason: str) -> Case:
    return apply(session=session, case=case, action="release", actor=actor, now=now, reason=_require(reason, "理由"),
                 status=S.QUEUED, claimed_by_id=None, claimed_at=None)


def progress(*, session: Session, case: Case, actor: str, now: datetime, note: str) -> Case:
    session.add(Reply(case_id=case.id, kind="progress", author=actor, text=_require(note, "进展内容"), at=now))
    return apply(session=session, case=case, action="progress", actor=actor, now=now, reason=note.strip(),
                 last_progress_at=now)


def resolve(*, session: Session, case: Case, actor: str, now: datetime, reply: str) -> Case:
    session.add(Reply(case_id=case.id, kind="constituent", author=actor, text=_require(reply, "答复内容"), at=now))
    return apply(session=session, case=case, action="resolve", actor=actor, now=now, reason=reply.strip(),
                 status=S.RESOLVED, resolved_at=now)


def visit(*, session: Session, case: Case, actor: str, now: datetime, satisfaction: int, note: str = "") -> Case:
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise InvalidInput("满意度应为 1–5 的整数", code="invalid_satisfaction")
    return apply(session=session, case=case, action="visit", actor=actor, now=now, reason=note,
                 status=S.VISITED, satisfaction=satisfaction)


def close(*, session: Session, case: Case, actor: str, now: datetime, reason: str = "") -> Case:
    if case.status == S.RESOLVED:
        reason = _require(reason, "理由")  # closing without 回访 needs a word on why
    return apply(session=session, case=case, action="close", actor=actor, now=now, reason=reason,
                 status=S.CLOSED, closed_at=now)


def reopen(*, session: Session, case: Case, actor: str, now: datetime, reason: str) -> Case:
    return apply(session=session, case=case, action="reopen", actor=actor, now=now, reason=_require(reason, "理由"),
                 status=S.QUEUED, claimed_by_id=None, claimed_at=None, resolved_at=None, satisfaction=None)


def transfer(*, session: Session, case: Case, actor: str, now: datetime, department: str, reason: str = "") -> Case:
    return apply(session=session, case=case, action="transfer", actor=actor, now=now, reason=reason,
                 status=S.TRANSFERRED, transferred_to=_require(department, "转办部门"))


def department_reply(*, session: Session, case: Case, actor: str, now: datetime, reply: str) -> Case:
    session.add(Reply(case_id=case.id, kind="department", author=actor, department=case.transferred_to,
                      text=_require(reply, "部门答复"), at=now))
    back = S.CLAIMED if case.claimed_by_id else S.QUEUED
    return apply(session=session, case=case, action="department_reply", actor=actor, now=now, reason=reply.strip(),
                 status=back, last_progress_at=now, transferred_to=None)


def return_case(*, session: Session, case: Case, actor: str, now: datetime, reason: str) -> Case:
    """退单: the department sends the case back to the station, saying why."""
    back = S.CLAIMED if case.claimed_by_id else S.QUEUED
    return apply(session=session, case=case, action="return", actor=actor, now=now, reason=_require(reason, "理由"),
                 status=back, transferred_to=None, last_progress_at=now)


def reassign(*, session: Session, case: Case, actor: str, now: datetime, deputy_id: int, reason: str = "") -> Case:
    """The station head gives the case to another deputy as primary; a claim in progress ends and the case goes
    back to the queue (待办) for the new deputy to claim."""
    check(case, "reassign")
    deputy = _deputy(session, deputy_id)
    _check_conflict(case, deputy)
    why = f"站长改派：{reason}" if reason else "站长改派"
    make_primary(session=session, case=case, deputy=deputy, now=now, reason=why)
    status = S.QUEUED if case.status == S.CLAIMED else Status(case.status)
    return apply(session=session, case=case, action="reassign", actor=actor, now=now, reason=reason,
                 status=status, claimed_by_id=None, claimed_at=None)


def merge(*, session: Session, case: Case, into: Case, actor: str, now: datetime, reason: str = "") -> Case:
    """Merge ``case`` into the open case ``into`` of the same station: it keeps its number, points to ``into``
    (whose co-signers grow by its submissions), and the audit trail on both says so."""
    if case.id == into.id:
        raise InvalidInput("不能把案件合并到自身", code="merge_into_self")
    if into.status not in OPEN_VALUES:
        raise IllegalTransition(f"目标案件 {into.number} 已「{into.status}」，不能合并进去", code="illegal_transition")
    if case.station_id != into.station_id:
        raise Conflict("只能合并同一站点的案件", code="merge_other_station")
    check(case, "merge")
    into.cosigners += 1 + case.cosigners
    apply(session=session, case=into, action="merge_in", actor=actor, now=now, reason=f"并入 {case.number}")
    for a in session.exec(select(Assignment).where(Assignment.case_id == case.id, Assignment.active)):
        a.active = False
        session.add(a)
    return apply(session=session, case=case, action="merge", actor=actor, now=now, reason=reason,
                 status=S.MERGED, merged_into_id=into.id, claimed_by_id=None)

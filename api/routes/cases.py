"""/api/v1 cases, queues and every workflow step: parse, authorize (triage.accounts.permissions), call the
domain, render the case as the caller may see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.deps import ClockDep, PrincipalDep, SessionDep, SettingsDep
from api.schemas import CaseSummary, DeputyPublic, ErrorBody, StationRef
from triage import service
from triage.accounts.service import Principal
from triage.cases import access, queue, workflow
from triage.cases.models import Case, Priority, Status
from triage.errors import InvalidInput
from triage.registry import service as registry

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422)}
router = APIRouter(prefix="/api/v1", tags=["cases"], responses=ERRORS)

Number = Annotated[str, Path(max_length=40, description="案件编号，如 DL-FSSQ-2026-000001")]
Text = Field(max_length=2000)


# --- shapes ---------------------------------------------------------------------------------------------------
class SubmissionView(BaseModel):
    id: int
    masked_text: str
    channel: str
    pii: list[str] = []
    similarity: float | None = None
    created_at: str | None = None
    text: str | None = Field(default=None, description="原文（仅限本站工作人员、指派代表、区人大和管理员）")
    contact: str | None = Field(default=None, description="联系方式原文（同上）")
    submitter_name: str | None = Field(default=None, description="反映人姓名（同上）")


class ReplyView(BaseModel):
    kind: str = Field(description="constituent / department / progress")
    author: str
    department: str | None = None
    text: str
    at: str | None = None


class EventView(BaseModel):
    action: str
    actor: str
    at: str | None = None
    reason: str = ""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}


class CaseDetail(CaseSummary):
    deputies: list[DeputyPublic] = []
    submissions: list[SubmissionView] = []
    replies: list[ReplyView] = []
    timeline: list[EventView] = []
    sees_original: bool = Field(description="调用者能否看到原文和联系方式")


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


class QueuePage(CasePage):
    station: StationRef
    colours: dict[str, int] = Field(description="在办案件按红/黄/绿计数")


class Timeline(BaseModel):
    case_number: str
    events: list[EventView]


class ClaimNextResult(BaseModel):
    case: CaseDetail | None
    message: str


class SweepResult(BaseModel):
    lapsed: list[str] = Field(description="退回队列的案件中您能查看的编号")
    count: int = Field(description="本次退回的案件总数")


class LabelsBody(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    topic: str | None = Field(default=None, max_length=32)
    department: str | None = Field(default=None, max_length=64)


class ReasonBody(BaseModel):
    reason: str = Text


class OptionalReasonBody(BaseModel):
    reason: str = Field(default="", max_length=2000)


class NoteBody(BaseModel):
    note: str = Text


class ReplyBody(BaseModel):
    reply: str = Text


class FeedbackBody(BaseModel):
    satisfaction: int = Field(ge=1, le=5, description="满意度 1–5")
    note: str = Field(default="", max_length=2000)


class DepartmentBody(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    department: str = Field(max_length=64)
    reason: str = Field(default="", max_length=2000)


class ReassignBody(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    deputy: str = Field(max_length=16, description="代表编号，如 D001")
    reason: str = Field(default="", max_length=2000)


class MergeBody(BaseModel):
    into: str = Field(max_length=40, description="并入的案件编号")
    reason: str = Field(default="", max_length=2000)


# --- helpers --------------------------------------------------------------------------------------------------
def _detail(session: Session, p: Principal, loaded: access.LoadedCase, now: datetime) -> CaseDetail:
    data = access.detail(session=session, p=p, loaded=loaded, calendar=registry.work_calendar(session=session),
                         now=now)
    return CaseDetail.model_validate(data)


def _page(session: Session, rows: list[tuple[Case, str | None]], total: int, limit: int, offset: int) -> dict:
    items = [CaseSummary.model_validate(access.summary(session=session, case=c, colour=colour)) for c, colour in rows]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def _step(session: Session, p: Principal, number: str, action: str, now: datetime,
          run: Callable[[Case], object]) -> CaseDetail:
    """Lock the case, check ``p`` may do ``action`` on it, run the step, and show the case as it now stands."""
    loaded = access.load(session=session, number=number, lock=True)
    access.authorize(p, action, loaded)
    run(loaded.case)
    return _detail(session, p, access.refresh(session=session, loaded=loaded), now)


def _offset(limit: int, offset: int | None, page: int | None) -> int:
    if offset is not None and page is not None:
        raise InvalidInput("offset 与 page 只能二选一", code="invalid_pagination")
    return (page - 1) * limit if page is not None else (offset or 0)


Limit = Annotated[int, Query(ge=1, le=200, description="每页条数（≤ 200）")]
Offset = Annotated[int | None, Query(ge=0, le=10_000_000, description="跳过的条数（与 page 二选一）")]
Page = Annotated[int | None, Query(ge=1, le=100_000, description="页码，从 1 开始（与 offset 二选一）")]


# --- reading --------------------------------------------------------------------------------------------------
@router.get("/cases", response_model=CasePage)
def list_cases(
    session: SessionDep, p: PrincipalDep, now: ClockDep,
    station: Annotated[str | None, Query(max_length=32, description="站点编码；给出时按队列顺序排列")] = None,
    status: Status | None = None,
    topic: Annotated[str | None, Query(max_length=32)] = None,
    priority: Priority | None = None,
    colour: Literal["red", "yellow", "green"] | None = None,
    q: Annotated[str | None, Query(max_length=200, description="案件编号或脱敏文本中的词语")] = None,
    phone_last4: Annotated[str | None, Query(max_length=8, description="联系电话后 4 位（仅本站接待员/站长，"
                                                                    "需同时给出 station）")] = None,
    assigned_to_me: Annotated[bool, Query(description="只看指派给我的（代表）")] = False,
    limit: Limit = 50, offset: Offset = None, page: Page = None,
) -> dict:
    """案件列表：只含调用者可查看的案件；给出 station 时按红黄绿、优先级、时限、先后排列，否则最新在前。"""
    start = _offset(limit, offset, page)
    station_id = registry.station_by_code(session=session, code=station).id if station else None
    if phone_last4 is not None:
        access.check_phone_search(p, station_id)
    if assigned_to_me and p.deputy_id is None:
        raise InvalidInput("只有代表可以按“指派给我”筛选", code="not_a_deputy")
    f = access.CaseFilter(station_id=station_id, status=status, topic=topic, priority=priority, colour=colour, q=q,
                          phone_last4=phone_last4, assigned_to=p.deputy_id if assigned_to_me else None)
    rows, total = access.list_cases(session=session, p=p, f=f, calendar=registry.work_calendar(session=session),
                                    now=now, limit=limit, offset=start)
    return _page(session, rows, total, limit, start)


@router.get("/cases/{number}", response_model=CaseDetail)
def get_case(number: Number, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """一件案件：诉求（脱敏；有权者另见原文与联系方式）、代表、答复、处理记录、颜色。"""
    loaded = access.load(session=session, number=number)
    access.ensure_visible(p, loaded)
    return _detail(session, p, loaded, now)


@router.get("/cases/{number}/timeline", response_model=Timeline)
def get_timeline(number: Number, session: SessionDep, p: PrincipalDep) -> Timeline:
    """案件的全部处理记录（谁、何时、做了什么、为什么）。"""
    loaded = access.load(session=session, number=number)
    access.ensure_visible(p, loaded)
    return Timeline(case_number=loaded.case.number,
                    events=[EventView.model_validate(e) for e in access.timeline(session=session, p=p, loaded=loaded)])


@router.get("/queues/{station}", response_model=QueuePage)
def get_queue(station: Annotated[str, Path(max_length=32)], session: SessionDep, p: PrincipalDep, now: ClockDep,
              limit: Limit = 50, offset: Offset = None, page: Page = None) -> dict:
    """站点在办队列：红、黄、绿，再按优先级、时限、先后。"""
    start = _offset(limit, offset, page)
    st = access.station_in_scope(session=session, p=p, code=station)
    items = queue.station_queue(session=session, station_id=st.id, calendar=registry.work_calendar(session=session),
                                now=now)
    colours = {c: sum(1 for i in items if i.colour == c) for c in ("red", "yellow", "green")}
    out = _page(session, [(i.case, i.colour) for i in items[start:start + limit]], len(items), limit, start)
    return out | {"station": StationRef(code=st.code, name=st.name, district=st.district), "colours": colours}


@router.get("/overdue", response_model=CasePage)
def get_overdue(session: SessionDep, p: PrincipalDep, now: ClockDep,
                station: Annotated[str | None, Query(max_length=32, description="只看此站点")] = None,
                limit: Limit = 50, offset: Offset = None, page: Page = None) -> dict:
    """督办：调用者范围内的黄色（不足 1 个工作日）和红色（已超期）案件，最紧迫的在前。"""
    start = _offset(limit, offset, page)
    station_id = access.station_in_scope(session=session, p=p, code=station).id if station else None
    items = access.overdue(session=session, p=p, calendar=registry.work_calendar(session=session), now=now,
                           station_id=station_id)
    return _page(session, [(i.case, i.colour) for i in items[start:start + limit]], len(items), limit, start)


# --- workflow -------------------------------------------------------------------------------------------------
@router.post("/cases/{number}/confirm", response_model=CaseDetail)
def confirm(number: Number, body: LabelsBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """确认待确认案件的主题/部门（可同时更正），案件入队；记为一条确认标注。"""
    def run(c: Case) -> Case:
        access.check_labels(session=session, topic=body.topic, department=body.department)
        return workflow.confirm(session=session, case=c, actor=access.actor(p), now=now, topic=body.topic or None,
                                department=body.department or None)
    return _step(session, p, number, "confirm", now, run)


@router.post("/cases/{number}/correct", response_model=CaseDetail)
def correct(number: Number, body: LabelsBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """更正在办案件的主题或部门（一条确认标注）；待确认案件随之入队。"""
    def run(c: Case) -> Case:
        access.check_labels(session=session, topic=body.topic, department=body.department)
        return workflow.correct(session=session, case=c, actor=access.actor(p), now=now, topic=body.topic or None,
                                department=body.department or None)
    return _step(session, p, number, "correct", now, run)


@router.post("/cases/{number}/claim", response_model=CaseDetail)
def claim(number: Number, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """代表认领案件（本站代表或已被指派的代表）。"""
    return _step(session, p, number, "claim", now,
                 lambda c: workflow.claim(session=session, case=c, deputy_id=p.deputy_id, now=now))


@router.post("/cases/{number}/release", response_model=CaseDetail)
def release(number: Number, body: ReasonBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """退回队列：放弃认领，说明理由。"""
    return _step(session, p, number, "release", now, lambda c: workflow.release(
        session=session, case=c, actor=access.actor(p), now=now, reason=body.reason))


@router.post("/cases/{number}/progress", response_model=CaseDetail)
def progress(number: Number, body: NoteBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """记录联系或办理进展。"""
    return _step(session, p, number, "progress", now, lambda c: workflow.progress(
        session=session, case=c, actor=access.actor(p), now=now, note=body.note))


@router.post("/cases/{number}/resolve", response_model=CaseDetail)
def resolve(number: Number, body: ReplyBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """办结，记录给群众的答复。"""
    return _step(session, p, number, "resolve", now, lambda c: workflow.resolve(
        session=session, case=c, actor=access.actor(p), now=now, reply=body.reply))


@router.post("/cases/{number}/feedback", response_model=CaseDetail)
def feedback(number: Number, body: FeedbackBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """回访：记录群众满意度 1–5。"""
    return _step(session, p, number, "visit", now, lambda c: workflow.visit(
        session=session, case=c, actor=access.actor(p), now=now, satisfaction=body.satisfaction, note=body.note))


@router.post("/cases/{number}/close", response_model=CaseDetail)
def close(number: Number, session: SessionDep, p: PrincipalDep, now: ClockDep,
          body: OptionalReasonBody | None = None) -> CaseDetail:
    """关闭案件（未回访就关闭时须说明理由）。"""
    reason = body.reason if body else ""
    return _step(session, p, number, "close", now, lambda c: workflow.close(
        session=session, case=c, actor=access.actor(p), now=now, reason=reason))


@router.post("/cases/{number}/reopen", response_model=CaseDetail)
def reopen(number: Number, body: ReasonBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """重新办理（如回访不满意），案件回到队列。"""
    return _step(session, p, number, "reopen", now, lambda c: workflow.reopen(
        session=session, case=c, actor=access.actor(p), now=now, reason=body.reason))


@router.post("/cases/{number}/transfer", response_model=CaseDetail)
def transfer(number: Number, body: DepartmentBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """转办到责任部门。"""
    def run(c: Case) -> Case:
        access.check_labels(session=session, department=body.department)
        return workflow.transfer(session=session, case=c, actor=access.actor(p), now=now,
                                 department=body.department, reason=body.reason)
    return _step(session, p, number, "transfer", now, run)


@router.post("/cases/{number}/department-reply", response_model=CaseDetail)
def department_reply(number: Number, body: ReplyBody, session: SessionDep, p: PrincipalDep,
                     now: ClockDep) -> CaseDetail:
    """记录转办部门的答复，案件回到认领代表或队列。"""
    return _step(session, p, number, "department_reply", now, lambda c: workflow.department_reply(
        session=session, case=c, actor=access.actor(p), now=now, reply=body.reply))


@router.post("/cases/{number}/send-back", response_model=CaseDetail)
def send_back(number: Number, body: ReasonBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """退单：部门把案件退回站点，说明理由。"""
    return _step(session, p, number, "return", now, lambda c: workflow.return_case(
        session=session, case=c, actor=access.actor(p), now=now, reason=body.reason))


@router.post("/cases/{number}/reassign", response_model=CaseDetail)
def reassign(number: Number, body: ReassignBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """改派给另一位代表（进行中的认领随之释放）。"""
    def run(c: Case) -> Case:
        deputy = registry.deputy_by_code(session=session, code=body.deputy)
        return workflow.reassign(session=session, case=c, actor=access.actor(p), now=now, deputy_id=deputy.id,
                                 reason=body.reason)
    return _step(session, p, number, "reassign", now, run)


@router.post("/cases/{number}/merge", response_model=CaseDetail)
def merge(number: Number, body: MergeBody, session: SessionDep, p: PrincipalDep, now: ClockDep) -> CaseDetail:
    """把重复案件并入同站点的另一件在办案件（可拆回）；返回并入后的目标案件。"""
    numbers = sorted({number.strip().upper(), body.into.strip().upper()})  # a stable lock order
    locked = {n: access.load(session=session, number=n, lock=True) for n in numbers}
    case, into = locked[number.strip().upper()], locked[body.into.strip().upper()]
    access.authorize(p, "merge", case)
    access.authorize(p, "merge", into)
    workflow.merge(session=session, case=case.case, into=into.case, actor=access.actor(p), now=now,
                   reason=body.reason)
    return _detail(session, p, access.refresh(session=session, loaded=into), now)


@router.post("/submissions/{submission_id}/split", response_model=CaseDetail, tags=["cases"])
def split(submission_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: ReasonBody, session: SessionDep,
          p: PrincipalDep, now: ClockDep, cfg: SettingsDep) -> CaseDetail:
    """把并入的诉求拆出，单独立案（附议数减一）；返回新案件。"""
    access.authorize(p, "split", access.load_by_submission(session=session, submission_id=submission_id))
    case = service.split(session=session, submission_id=submission_id, actor=access.actor(p), now=now,
                         reason=body.reason, sla_days=cfg.sla_days)
    return _detail(session, p, access.load(session=session, number=case.number), now)


# --- queues and maintenance -----------------------------------------------------------------------------------
@router.post("/queues/{station}/claim-next", response_model=ClaimNextResult)
def claim_next(station: Annotated[str, Path(max_length=32)], session: SessionDep, p: PrincipalDep,
               now: ClockDep) -> ClaimNextResult:
    """本站代表认领队列中最紧迫的一件；队列为空时 case 为 null。"""
    st = registry.station_by_code(session=session, code=station)
    deputy_id = access.require_station_deputy(p, st)
    case = queue.claim_next(session=session, station_id=st.id, deputy_id=deputy_id,
                            calendar=registry.work_calendar(session=session), now=now)
    if case is None:
        return ClaimNextResult(case=None, message=f"{st.name}队列中没有待办案件")
    return ClaimNextResult(case=_detail(session, p, access.load(session=session, number=case.number), now),
                           message=f"已认领 {case.number}")


@router.post("/maintenance/sweep", response_model=SweepResult)
def sweep(session: SessionDep, p: PrincipalDep, now: ClockDep) -> SweepResult:
    """把认领后 2 个工作日无进展的案件退回队列并提醒站长（站长、管理员）。"""
    lapsed, count = access.sweep(session=session, p=p, calendar=registry.work_calendar(session=session), now=now)
    return SweepResult(lapsed=lapsed, count=count)

"""Open311 GeoReport v2 (JSON only): topics as services, cases as service requests, POST creates a submission.

- Reads are public (no token) and show only what anyone may see: the masked summary, the department, the place
  name and workflow facts. Never the original text, the submitter's name or contact (``triage.public``).
- ``POST /open311/v2/requests.json`` (form-encoded or JSON) needs ``api_key``: an API token of a user allowed
  to submit. The service_code's topic is the submission's proposed topic; when the classifier disagrees, the
  case waits as 待确认 for staff to check (the orchestrator does that).
- Errors on these paths use GeoReport's error format, a list of ``{"code": <HTTP status>, "description":
  <Chinese message>}``, instead of the API's uniform ``{code, message, detail}`` body, because Open311 clients
  parse that shape. Domain errors keep their HTTP status, except 422, which GeoReport spells 400.
- Times are ISO 8601 with offset, in business time (Asia/Shanghai), to the second.
- GET requests.json without service_request_id, start_date or end_date returns the last 90 days (as the spec
  recommends), newest first, at most 1,000; service_request_id (a comma list) overrides every other filter.

Service codes are stable ASCII names of the 15 default topics (``SERVICE_CODES``); a topic an admin adds later
is served as ``topic-<id>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import errors, observability
from api.deps import ClassifierDep, ClockDep, EngineDep, SessionDep, SettingsDep
from triage import db, public, service
from triage.accounts import permissions
from triage.accounts import service as accounts
from triage.clock import BUSINESS_TZ, local
from triage.errors import TriageError
from triage.registry import service as registry

# topic → (service_code, group); the codes are part of the public interface: never rename one.
SERVICE_CODES: dict[str, tuple[str, str]] = {
    "城乡建设": ("urban-construction", "城市建设与管理"),
    "环境保护": ("environmental-protection", "城市建设与管理"),
    "交通运输": ("transportation", "城市建设与管理"),
    "教育文体": ("education-culture-sports", "社会事业"),
    "劳动和社会保障": ("labour-social-security", "社会事业"),
    "卫生计生": ("health-family-planning", "社会事业"),
    "商贸旅游": ("commerce-tourism", "经济发展"),
    "民政": ("civil-affairs", "社会事业"),
    "农村农业": ("rural-agriculture", "农业与资源"),
    "国土资源": ("land-resources", "农业与资源"),
    "政法": ("politics-law", "政务与法治"),
    "经济管理": ("economic-management", "经济发展"),
    "科技与信息产业": ("science-technology-it", "经济发展"),
    "党务政务": ("party-government-affairs", "政务与法治"),
    "纪检监察": ("discipline-inspection", "政务与法治"),
}
OTHER_GROUP = "其他"
DEFAULT_WINDOW = timedelta(days=90)
MAX_BODY = 1_000_000
MAX_NAME, MAX_CONTACT, MAX_KEY = 32, 100, 200
STATUS_NOTES = {
    "待确认": "已受理，分类待工作人员确认", "待办": "已受理，等待代表认领办理", "处理中": "代表正在办理",
    "已转办": "已转交职能部门办理", "已办结": "已办结并答复反映人", "已回访": "已办结并完成回访",
    "已关闭": "已关闭", "已合并": "已与同类诉求合并办理",
}
REPLY_NOTES = {"constituent": "已答复反映人", "department": "职能部门已答复", "progress": "有办理进展"}


class Open311Error(Exception):
    """A request this module refuses, answered in GeoReport's error format."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def geo_error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


class GeoReportRoute(APIRoute):
    """Answers every error raised while handling an Open311 route in GeoReport's error format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def geo_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Open311Error as exc:
                return geo_error(exc.status, exc.description)
            except TriageError as exc:
                status = errors._status_of(exc)  # the API's one mapping; 422 reads 400 in GeoReport
                return geo_error(400 if status == 422 else status, exc.message)
            except RequestValidationError as exc:
                where = "、".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
                return geo_error(400, f"请求参数不正确：{where}")
            except StarletteHTTPException as exc:
                return geo_error(exc.status_code, errors.HTTP_MESSAGES.get(exc.status_code, ("", "请求无法处理"))[1])

        return geo_handler


def no_nul(request: Request) -> None:
    """Refuse NUL characters in the path or query (PostgreSQL cannot store or compare them)."""
    if any("\x00" in v for v in (*request.path_params.values(), *request.query_params.values())):
        raise Open311Error(400, "参数中含有不允许的控制字符")


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=GeoReportRoute,
                   dependencies=[Depends(no_nul)])


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class ServiceRequest(BaseModel):
    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str
    address: str | None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


class CreatedRequest(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None = None


class Codes:
    """Service code ↔ topic for the topics currently in the taxonomy."""

    def __init__(self, topics: list[public.TopicInfo]) -> None:
        self.topics = topics
        self.code = {t.name: SERVICE_CODES.get(t.name, (f"topic-{t.id}",))[0] for t in topics}
        self.topic = {code: name for name, code in self.code.items()}

    def topic_of(self, code: str) -> str:
        topic = self.topic.get(code.strip().lower())
        if topic is None:
            raise Open311Error(400, f"未知的 service_code：{code[:64]}（可用的代码见 services.json）")
        return topic


def iso(moment: datetime) -> str:
    return local(moment).isoformat(timespec="seconds")


def parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
        moment = moment if moment.tzinfo else moment.replace(tzinfo=BUSINESS_TZ)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Open311Error(400, f"{name} 不是 ISO 8601 时间，如 2026-11-24T08:00:00+08:00") from None


def status_notes(case: public.PublicCase) -> str:
    notes = f"{case.status}：{STATUS_NOTES.get(case.status, case.status)}"
    if case.merged_into:
        notes += f"，并入 {case.merged_into}"
    if case.last_reply_kind in REPLY_NOTES:
        notes += f"；最近记录：{REPLY_NOTES[case.last_reply_kind]}"
    return notes


def render(case: public.PublicCase, codes: Codes) -> ServiceRequest:
    return ServiceRequest(
        service_request_id=case.number, status="closed" if case.closed else "open", status_notes=status_notes(case),
        service_name=case.topic, service_code=codes.code.get(case.topic, ""), description=case.summary,
        agency_responsible=case.department, service_notice=f"由{case.station_name}受理，优先级：{case.priority}",
        requested_datetime=iso(case.created_at), updated_datetime=iso(case.updated_at),
        expected_datetime=iso(case.sla_due), address=case.place,
    )


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value is not None else None


@router.get("/services.json", response_model=list[Service])
def services(session: SessionDep) -> list[Service]:
    """诉求类别（即主题）列表。"""
    codes = Codes(public.topics(session=session))
    return [Service(service_code=codes.code[t.name], service_name=t.name, description=t.description,
                    metadata=False, type="realtime",
                    keywords=",".join(k.strip() for k in t.description.replace("，", "、").split("、") if k.strip()),
                    group=SERVICE_CODES.get(t.name, ("", OTHER_GROUP))[1])
            for t in codes.topics]


@router.get("/requests.json", response_model=list[ServiceRequest])
def requests(
    session: SessionDep, now: ClockDep,
    service_request_id: Annotated[str | None, Query(description="案件编号，逗号分隔；给出时忽略其他条件")] = None,
    service_code: Annotated[str | None, Query(description="类别代码，逗号分隔")] = None,
    start_date: Annotated[str | None, Query(description="最早受理时间（ISO 8601）")] = None,
    end_date: Annotated[str | None, Query(description="最晚受理时间（ISO 8601）")] = None,
    status: Annotated[str | None, Query(description="open、closed，逗号分隔")] = None,
    jurisdiction_id: Annotated[str | None, Query(description="忽略（本服务只有一个辖区）")] = None,
) -> list[ServiceRequest]:
    """诉求（案件）列表：最新的在前，最多 1000 条；只含脱敏摘要，不含原文与联系方式。"""
    codes = Codes(public.topics(session=session))
    numbers = _split(service_request_id)
    if numbers:
        found = public.list_cases(session=session, numbers=numbers[:public.MAX_RESULTS])
        return [render(c, codes) for c in found]
    topics = [codes.topic_of(c) for c in _split(service_code) or []] or None
    start = parse_time(start_date, "start_date") if start_date else None
    end = parse_time(end_date, "end_date") if end_date else None
    if start is None and end is None:
        start = now - DEFAULT_WINDOW
    if start and end and start > end:
        raise Open311Error(400, "start_date 晚于 end_date")
    wanted = {s.lower() for s in _split(status) or []}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed（可逗号分隔）")
    closed = None if len(wanted) != 1 else wanted == {"closed"}
    found = public.list_cases(session=session, topics=topics, start=start, end=end, closed=closed)
    return [render(c, codes) for c in found]


@router.get("/requests/{service_request_id}.json", response_model=list[ServiceRequest])
def request_by_id(service_request_id: str, session: SessionDep) -> list[ServiceRequest]:
    """单个诉求（按规范返回只含一个元素的列表）。"""
    codes = Codes(public.topics(session=session))
    return [render(public.get_case(session=session, number=service_request_id), codes)]


async def form_fields(request: Request) -> dict[str, str]:
    """The POST's fields: query parameters, then a form-encoded or JSON body (the body wins)."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Open311Error(413, "请求内容过大（上限 1 MB）")
    fields = dict(request.query_params)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "application/json" or kind.endswith("+json"):
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise Open311Error(400, "JSON 请求体应为对象")
            fields |= {k: str(v) for k, v in data.items()
                       if isinstance(v, str | int | float) and not isinstance(v, bool)}
        elif kind in ("application/x-www-form-urlencoded", ""):
            fields |= dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        else:
            raise Open311Error(415, "请使用 application/x-www-form-urlencoded 或 application/json 提交")
    except (UnicodeDecodeError, ValueError):
        raise Open311Error(400, "请求体无法解析：应为 UTF-8 的表单或 JSON") from None
    if any("\x00" in v for v in fields.values()):
        raise Open311Error(400, "请求中含有不允许的控制字符")
    return fields


def _field(fields: dict[str, str], name: str, limit: int) -> str | None:
    value = (fields.get(name) or "").strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} 过长（上限 {limit} 字符）")
    return value or None


def intake_from(fields: dict[str, str], *, topic: str, station_code: str | None, actor: str,
                key: str | None) -> service.Intake:
    """The submission a GeoReport POST describes: the address joins the text (it helps locate the station),
    the name is 姓 + 名, the contact is phone and e-mail."""
    text = _field(fields, "description", 10 * MAX_BODY)  # the orchestrator checks the length (413)
    if text is None:
        raise Open311Error(400, "description（诉求内容）不能为空")
    address = _field(fields, "address_string", 200)
    name = "".join(n for n in (_field(fields, "last_name", MAX_NAME), _field(fields, "first_name", MAX_NAME)) if n)
    contact = "；".join(c for c in (_field(fields, "phone", 40), _field(fields, "email", MAX_CONTACT)) if c)
    if len(contact) > MAX_CONTACT:
        raise Open311Error(400, f"phone 与 email 合计过长（上限 {MAX_CONTACT} 字符）")
    if key is not None and len(key) > MAX_KEY:
        raise Open311Error(400, f"Idempotency-Key 过长（上限 {MAX_KEY} 字符）")
    return service.Intake(
        text=f"{text}\n地址：{address}" if address else text, channel="Open311", submitter_name=name or None,
        contact=contact or None, intake_station=station_code, idempotency_key=key, proposed_topic=topic, actor=actor,
    )


REQUEST_BODY = {"type": "object", "required": ["api_key", "service_code", "description"], "properties": {
    name: {"type": "string"} for name in ("api_key", "service_code", "description", "address_string", "first_name",
                                          "last_name", "phone", "email", "device_id", "account_id", "jurisdiction_id")
}}


@router.post("/requests.json", status_code=201, response_model=list[CreatedRequest], openapi_extra={"requestBody": {
    "required": True, "content": {"application/x-www-form-urlencoded": {"schema": REQUEST_BODY},
                                  "application/json": {"schema": REQUEST_BODY}}}})
def create_request(
    request: Request, fields: Annotated[dict[str, str], Depends(form_fields)], engine: EngineDep,
    model: ClassifierDep, cfg: SettingsDep, now: ClockDep,
) -> list[CreatedRequest]:
    """提交一条诉求（需 api_key：有提交权限的用户的 API 令牌）；返回案件编号。"""
    with db.transaction(engine) as session:
        caller = accounts.authenticate(session=session, token=fields.get("api_key"), now=now)
        permissions.require(caller, "submit")
        topic = Codes(public.topics(session=session)).topic_of(fields.get("service_code") or "")
        home = registry.directory(session=session).station(next(iter(caller.station_ids))) \
            if len(caller.station_ids) == 1 else None
    key = request.headers.get("idempotency-key", "").strip() or None
    intake = intake_from(fields, topic=topic, station_code=home.code if home else None, actor=caller.label, key=key)
    result = service.intake(engine=engine, model=model, intake=intake, now=now, max_chars=cfg.max_text_chars,
                            sla_days=cfg.sla_days)
    observability.event("open311_request_created", case_number=result["case_number"], status=result["status"],
                        topic=result["topic"], proposed_topic=topic, station=result["station"]["code"])
    notice = f"已受理，案件编号 {result['case_number']}，由{result['station']['name']}办理"
    if result["status"] == "待确认":
        notice += "，分类待工作人员确认"
    if result["sla_due"]:
        notice += f"，预计 {result['sla_due'][:10]} 前办结"
    return [CreatedRequest(service_request_id=result["case_number"], service_notice=notice)]

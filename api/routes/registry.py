"""The registry (stations, receptions, deputies, departments, taxonomy), the caller (me, my assignments) and the
admin endpoints (users, tokens, deputy edits). Any signed-in role reads the registry; nothing here shows PII."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from api.deps import ClockDep, EngineDep, PrincipalDep, SessionDep
from api.schemas import (
    DepartmentPublic,
    DeputyProfile,
    DeputySummary,
    ErrorBody,
    Me,
    MyAssignment,
    ReceptionPublic,
    SafeStr,
    StationDetail,
    StationPublic,
    Taxonomy,
    TokenCreated,
    UserPublic,
)
from triage import receptions, views
from triage.accounts import admin as accounts_admin
from triage.accounts import permissions
from triage.accounts import service as accounts
from triage.accounts.models import Role
from triage.accounts.service import Forbidden, Principal
from triage.registry import admin as registry_admin
from triage.registry import service as registry
from triage.registry import views as registry_views

router = APIRouter(prefix="/api/v1", tags=["registry"])
ERRORS = {code: {"model": ErrorBody} for code in (401, 403, 404, 422)}
Code = Annotated[str, PathParam(max_length=16, pattern=r"^[A-Za-z0-9-]+$")]
Filter = Annotated[SafeStr | None, Query(max_length=32)]


class ReceptionIn(BaseModel):
    day: date = Field(description="接待日期 YYYY-MM-DD")
    deputies: list[SafeStr] = Field(min_length=1, max_length=50, description="到场代表编号，如 D001")
    theme_topic: SafeStr | None = Field(default=None, max_length=32, description="主题接待的主题")
    hours: float = Field(default=2.0, gt=0, le=24)
    notes: SafeStr = Field(default="", max_length=2000)


class ReceptionCreated(BaseModel):
    id: int
    station: str
    day: str
    theme: str | None
    hours: float
    deputies: list[str]
    notes: str


class UserIn(BaseModel):
    username: SafeStr = Field(min_length=1, max_length=64)
    role: Role
    display_name: SafeStr | None = Field(default=None, max_length=64)
    station: SafeStr | None = Field(default=None, max_length=16, description="接待员、站长所属站点编码")
    district: SafeStr | None = Field(default=None, max_length=32, description="区人大用户所属区县，如 道里区")
    deputy: SafeStr | None = Field(default=None, max_length=16, description="代表用户的代表编号，如 D001")


class TokenIn(BaseModel):
    name: SafeStr = Field(default="", max_length=64, description="令牌用途，便于区分")


class DeputyPatch(BaseModel):
    capacity: int | None = Field(default=None, ge=0, le=registry_admin.MAX_CAPACITY)
    expertise: list[SafeStr] | None = Field(default=None, max_length=15)
    active: bool | None = None
    reception_days: list[Annotated[int, Field(ge=1, le=7)]] | None = Field(default=None, max_length=7)


def _admin(p: Principal) -> None:
    permissions.require(p, "admin")


@router.get("/stations", response_model=list[StationPublic], responses=ERRORS)
def list_stations(p: PrincipalDep, session: SessionDep, district: Filter = None, level: Filter = None
                  ) -> list[StationPublic]:
    """联络站列表，可按区县（如 道里区）和层级（街道 / 社区 / 乡镇）筛选。"""
    return [StationPublic(**s) for s in registry_views.list_stations(session=session, district=district, level=level)]


@router.get("/stations/{code}", response_model=StationDetail, responses=ERRORS)
def get_station(code: Code, p: PrincipalDep, session: SessionDep) -> StationDetail:
    """一个联络站及其代表（专长、承办上限、在办件数）。"""
    return StationDetail(**registry_views.station_detail(session=session, code=code))


@router.get("/stations/{code}/receptions", response_model=list[ReceptionPublic], responses=ERRORS)
def station_receptions(code: Code, p: PrincipalDep, session: SessionDep,
                       since: Annotated[date | None, Query()] = None) -> list[ReceptionPublic]:
    """站点接待台账：日期、主题、到场代表、受理诉求数，最近的在前。"""
    station = registry.station_by_code(session=session, code=code)
    rows = receptions.station_register(session=session, station=station, since=since)
    return [ReceptionPublic(**r | {"notes": views.masked(r["notes"])}) for r in rows]


@router.post("/stations/{code}/receptions", response_model=ReceptionCreated, status_code=201, responses=ERRORS)
def record_reception(code: Code, body: ReceptionIn, p: PrincipalDep, session: SessionDep,
                     now: ClockDep) -> ReceptionCreated:
    """登记一次接待日（本站站长或管理员）。"""
    station = registry.station_by_code(session=session, code=code)
    if not (p.is_admin or (p.role == Role.STATION_HEAD and station.id in p.station_ids)):
        raise Forbidden("只有本站站长或管理员可以登记接待日", code="forbidden", detail={"action": "reception"})
    codes = sorted({c.strip().upper() for c in body.deputies})
    ids = [registry.deputy_by_code(session=session, code=c).id for c in codes]
    reception = receptions.record_session(session=session, station=station, day=body.day, deputy_ids=ids,
                                          actor=p.label, now=now, theme_topic=body.theme_topic, hours=body.hours,
                                          notes=body.notes)
    return ReceptionCreated(id=reception.id, station=station.code, day=reception.day.isoformat(),
                            theme=reception.theme_topic, hours=reception.hours, deputies=codes,
                            notes=views.masked(reception.notes))


@router.get("/deputies", response_model=list[DeputySummary], responses=ERRORS)
def list_deputies(p: PrincipalDep, session: SessionDep, station: Filter = None, topic: Filter = None
                  ) -> list[DeputySummary]:
    """代表列表，可按站点编码和专长主题筛选。"""
    return [DeputySummary(**d) for d in registry_views.list_deputies(session=session, station=station, topic=topic)]


@router.get("/deputies/{code}", response_model=DeputyProfile, responses=ERRORS)
def get_deputy(code: Code, p: PrincipalDep, session: SessionDep,
               year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> DeputyProfile:
    """代表简介与履职档案（接待次数、时长、承办和办结件数、满意度）。"""
    return DeputyProfile(**registry_views.deputy_profile(session=session, code=code, year=year))


@router.patch("/deputies/{code}", response_model=DeputyProfile, responses=ERRORS)
def update_deputy(code: Code, body: DeputyPatch, p: PrincipalDep, session: SessionDep, engine: EngineDep,
                  now: ClockDep) -> DeputyProfile:
    """修改代表的承办上限、专长、在岗状态、接待日（仅管理员）；分办随即按新数据匹配。"""
    _admin(p)
    deputy = registry_admin.update_deputy(session=session, code=code, actor=p.label, now=now, **body.model_dump())
    session.commit()  # committed before the caches are dropped, so no request rebuilds them from the old rows
    registry.invalidate(engine)
    return DeputyProfile(**registry_views.deputy_profile(session=session, code=deputy.code))


@router.get("/departments", response_model=list[DepartmentPublic], responses=ERRORS)
def list_departments(p: PrincipalDep, session: SessionDep) -> list[DepartmentPublic]:
    """承办部门。"""
    return [DepartmentPublic(**d) for d in registry_views.departments(session=session)]


@router.get("/taxonomy", response_model=Taxonomy, responses=ERRORS)
def taxonomy(p: PrincipalDep, session: SessionDep) -> Taxonomy:
    """主题（含说明）与承办部门。"""
    return Taxonomy(**registry_views.taxonomy(session=session))


@router.post("/users", response_model=UserPublic, status_code=201, responses={**ERRORS, 409: {"model": ErrorBody}})
def create_user(body: UserIn, p: PrincipalDep, session: SessionDep, now: ClockDep) -> UserPublic:
    """新建用户（仅管理员）；令牌另行创建。"""
    _admin(p)
    user = accounts.create_user(session=session, username=body.username, role=body.role, now=now,
                                display_name=body.display_name, station_code=body.station, district=body.district,
                                deputy_code=body.deputy)
    return UserPublic(**accounts_admin.user_view(session=session, user=user))


@router.post("/users/{username}/tokens", response_model=TokenCreated, status_code=201, responses=ERRORS)
def create_token(username: Annotated[str, PathParam(max_length=64)], p: PrincipalDep, session: SessionDep,
                 now: ClockDep, body: TokenIn | None = None) -> TokenCreated:
    """为用户创建 API 令牌（仅管理员）。令牌只在此时显示一次，库中只存其哈希。"""
    _admin(p)
    user = accounts_admin.user_by_username(session=session, username=username)
    name = body.name if body is not None else ""
    token = accounts.create_token(session=session, user=user, now=now, name=name)
    return TokenCreated(username=user.username, name=name, prefix=token[:10], token=token, created_at=views.iso(now))


@router.get("/me", response_model=Me, responses=ERRORS)
def me(p: PrincipalDep, session: SessionDep) -> Me:
    """当前用户：角色、所属站点、区县、代表身份。"""
    return Me(**accounts_admin.me_view(session=session, principal=p))


@router.get("/me/assignments", response_model=list[MyAssignment], responses=ERRORS)
def my_assignments(p: PrincipalDep, session: SessionDep, now: ClockDep) -> list[MyAssignment]:
    """代表本人承办的在办案件（脱敏摘要），最紧迫的在前。其他角色返回 403。"""
    if p.deputy_id is None:
        raise Forbidden("只有代表有个人承办案件；请查看站点队列", code="not_a_deputy")
    return [MyAssignment(**a) for a in registry_views.deputy_assignments(session=session, deputy_id=p.deputy_id,
                                                                         now=now)]

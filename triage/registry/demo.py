"""The demo registry: load districts, stations, deputies, places, taxonomy and calendar from training_data/.

Loading is idempotent and additive: rows are matched by natural key (code, name, (name, district), day) and
only missing ones are inserted, so an admin's edits survive. Files are validated before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PField
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from classifier.resources import DEFAULT_DATA_DIR
from triage import db, migrate
from triage.errors import InvalidInput
from triage.registry.models import (
    CalendarDay,
    Department,
    Deputy,
    DeputyBase,
    DeputyStation,
    District,
    DistrictBase,
    Place,
    Station,
    StationBase,
    Topic,
)

ERROR_CODE = "demo_data_invalid"
PG_LOCK_KEY = 0x7472696167650002  # one demo load at a time per PostgreSQL database
M = TypeVar("M", bound=BaseModel)


@dataclass
class DemoSummary:
    """Rows inserted by one load, per table; ``created`` is False when the database already had everything."""

    districts: int
    stations: int
    deputies: int
    places: int
    departments: int
    topics: int
    calendar_days: int
    created: bool
    users: list = field(default_factory=list)  # demo credentials created by this load (shown once)


SUMMARY_LABELS = {
    "districts": "区县",
    "stations": "联络站",
    "deputies": "代表",
    "places": "地名",
    "departments": "责任部门",
    "topics": "主题",
    "calendar_days": "节假日调整",
}


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _DistrictIn(DistrictBase):
    default_station: str | None = None


class _StationIn(StationBase):
    parent: str | None = None


class _DeputyIn(DeputyBase):
    stations: list[str] = PField(min_length=1)


class _PlaceIn(_Entry):
    name: str = PField(min_length=1, max_length=64)
    kind: str = PField(min_length=1, max_length=8)
    district: str = PField(min_length=1, max_length=32)
    station: str
    aliases: list[str] = []


class _TopicIn(_Entry):
    name: str = PField(min_length=1, max_length=32)
    description: str = PField(default="", max_length=1000)


class _DepartmentIn(_Entry):
    name: str = PField(min_length=1, max_length=64)
    description: str = PField(default="", max_length=500)


class _DayIn(_Entry):
    day: date
    is_workday: bool
    note: str = PField(default="", max_length=32)


@dataclass
class DemoFiles:
    """The validated content of the demo files."""

    districts: list[_DistrictIn]
    stations: list[_StationIn]
    deputies: list[_DeputyIn]
    places: list[_PlaceIn]
    departments: list[_DepartmentIn]
    topics: list[_TopicIn]
    calendar: list[_DayIn]


def _invalid(file: str, where: str, problem: str) -> InvalidInput:
    return InvalidInput(f"演示数据 {file} {where}：{problem}；未写入任何数据", code=ERROR_CODE)


def _read_list(path: Path, key: str | None = None) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(f"找不到演示数据文件：{path}；未写入任何数据", code=ERROR_CODE) from exc
    except (OSError, ValueError) as exc:
        raise _invalid(path.name, "无法读取", f"不是合法的 UTF-8 JSON（{exc}）") from exc
    if key is not None:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, list):
        raise _invalid(path.name, key or "整个文件", "应是 JSON 列表")
    return data


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    column = ".".join(str(p) for p in first["loc"]) or "整条记录"
    kind, ctx = first["type"], first.get("ctx") or {}
    if kind == "missing":
        return f"缺少字段 {column}"
    if kind == "string_too_long":
        return f"字段 {column} 超过 {ctx.get('max_length')} 个字符"
    if kind in ("string_too_short", "too_short"):
        return f"字段 {column} 不能为空"
    if kind == "model_type":
        return "应是 JSON 对象"
    return f"字段 {column} 不合格（{first['msg']}）"


def _parse(model: type[M], items: list[Any], file: str, key: str, *, unique: bool = True) -> list[M]:
    """Validate each entry; name the first bad one by position and natural key."""
    parsed: list[M] = []
    seen: set[str] = set()
    for n, raw in enumerate(items, 1):
        label = raw.get(key) if isinstance(raw, dict) else None
        where = f"第 {n} 条" + (f"（{label}）" if label else "")
        try:
            entry = model.model_validate(raw)
        except ValidationError as exc:
            raise _invalid(file, where, _problem(exc)) from exc
        natural = str(getattr(entry, key))
        if unique and natural in seen:
            raise _invalid(file, where, f"{natural} 重复出现")
        seen.add(natural)
        parsed.append(entry)
    return parsed


def _read(folder: Path, calendar_file: Path | None) -> DemoFiles:
    registry = folder / "registry"
    # deputies.json calls the deputy's code "id"
    raw_deputies = [
        {"code": d.get("id"), **d} if isinstance(d, dict) else d for d in _read_list(registry / "deputies.json")
    ]
    calendar_path = calendar_file or folder / "calendar.json"
    return DemoFiles(
        districts=_parse(_DistrictIn, _read_list(registry / "districts.json"), "districts.json", "code"),
        stations=_parse(_StationIn, _read_list(registry / "stations.json"), "stations.json", "code"),
        deputies=_parse(_DeputyIn, raw_deputies, "deputies.json", "code"),
        places=_parse(_PlaceIn, _read_list(registry / "gazetteer.json"), "gazetteer.json", "name", unique=False),
        departments=_parse(_DepartmentIn, _read_list(folder / "taxonomy.json", "departments"), "taxonomy.json", "name"),
        topics=_parse(_TopicIn, _read_list(folder / "taxonomy.json", "topics"), "taxonomy.json", "name"),
        calendar=(
            _parse(_DayIn, _read_list(calendar_path), calendar_path.name, "day") if calendar_path.exists() else []
        ),
    )


def _check_references(demo: DemoFiles) -> None:
    """Every code and name an entry points at exists in the files, and station parents form no loop."""
    codes = {s.code: s for s in demo.stations}
    districts = {d.name for d in demo.districts}
    topics = {t.name for t in demo.topics}
    if len(districts) != len(demo.districts):
        raise _invalid("districts.json", "区县名称", "有重复")
    for d in demo.districts:
        if d.default_station is not None and d.default_station not in codes:
            raise _invalid("districts.json", f"{d.code}（{d.name}）", f"默认联络站 {d.default_station} 不存在")
    for s in demo.stations:
        if any(not 1 <= d <= 7 for d in s.reception_days):
            raise _invalid("stations.json", s.code, "接待日应是 1（周一）到 7（周日）")
        if s.district not in districts:
            raise _invalid("stations.json", s.code, f"区县 {s.district} 不在 districts.json 中")
        seen = {s.code}
        parent = s.parent
        while parent is not None:
            if parent not in codes:
                raise _invalid("stations.json", s.code, f"上级联络站 {parent} 不存在")
            if parent in seen:
                raise _invalid("stations.json", s.code, "上级联络站形成了循环")
            seen.add(parent)
            parent = codes[parent].parent
    for n, p in enumerate(demo.places, 1):
        if p.station not in codes:
            raise _invalid("gazetteer.json", f"第 {n} 条（{p.name}）", f"联络站编码 {p.station} 不存在")
        if p.district not in districts:
            raise _invalid("gazetteer.json", f"第 {n} 条（{p.name}）", f"区县 {p.district} 不在 districts.json 中")
    keys = [(p.name, p.district) for p in demo.places]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise _invalid("gazetteer.json", f"{dup[0]}（{dup[1]}）", "同一区县内地名重复")
    for dep in demo.deputies:
        where = f"{dep.code}（{dep.name}）"
        unknown = [c for c in dep.stations if c not in codes]
        if unknown:
            raise _invalid("deputies.json", where, f"联络站编码 {'、'.join(unknown)} 不存在")
        if len(set(dep.stations)) != len(dep.stations):
            raise _invalid("deputies.json", where, "联络站重复列出")
        if any(not 1 <= d <= 7 for d in dep.reception_days):
            raise _invalid("deputies.json", where, "接待日应是 1（周一）到 7（周日）")
        strange = [t for t in dep.expertise if t not in topics]
        if strange:
            raise _invalid("deputies.json", where, f"专长 {'、'.join(strange)} 不是 taxonomy.json 中的主题")


def read_demo(folder: Path | None = None, calendar_file: Path | None = None) -> DemoFiles:
    """Read and validate the demo files (raises :class:`InvalidInput` naming the file and entry)."""
    demo = _read(folder or DEFAULT_DATA_DIR, calendar_file)
    _check_references(demo)
    return demo


def _base(entry: SQLModel, base: type[SQLModel]) -> dict[str, Any]:
    return entry.model_dump(include=set(base.model_fields))


def _lock(session: Session) -> None:
    """Serialize concurrent loads: PostgreSQL by an advisory lock (SQLite's BEGIN IMMEDIATE already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def _add_missing(session: Session, rows: Iterable[SQLModel]) -> list[Any]:
    added = list(rows)
    session.add_all(added)
    session.flush()
    return added


def _load_stations(session: Session, demo: DemoFiles) -> tuple[dict[str, int], set[int]]:
    ids = dict(session.exec(select(Station.code, Station.id)).all())
    new = _add_missing(session, (Station(**_base(s, StationBase)) for s in demo.stations if s.code not in ids))
    ids.update({s.code: s.id for s in new})
    parents = {s.code: s.parent for s in demo.stations}
    for station in new:  # parents are set on new stations only: an existing station's parent is the admin's
        if parents[station.code] is not None:
            station.parent_id = ids[parents[station.code]]
    session.flush()
    return ids, {s.id for s in new}


def _load_districts(session: Session, demo: DemoFiles, station_ids: dict[str, int]) -> int:
    known = set(session.exec(select(District.code)).all()) | set(session.exec(select(District.name)).all())
    new = [
        District(
            **_base(d, DistrictBase),
            default_station_id=station_ids[d.default_station] if d.default_station else None,
        )
        for d in demo.districts
        if d.code not in known and d.name not in known
    ]
    return len(_add_missing(session, new))


def _load_deputies(
    session: Session, demo: DemoFiles, station_ids: dict[str, int], new_stations: set[int]
) -> tuple[int, int]:
    """Insert missing deputies and memberships; ``(deputies, memberships)`` added."""
    ids = dict(session.exec(select(Deputy.code, Deputy.id)).all())
    new = _add_missing(session, (Deputy(**_base(d, DeputyBase)) for d in demo.deputies if d.code not in ids))
    new_deputies = {d.id for d in new}
    ids.update({d.code: d.id for d in new})
    members = set(session.exec(select(DeputyStation.deputy_id, DeputyStation.station_id)).all())
    # A membership is added when its deputy or station is new: one an admin removed between two existing rows
    # stays removed.
    links = [
        DeputyStation(deputy_id=ids[d.code], station_id=station_ids[code], rank=rank)
        for d in demo.deputies
        for rank, code in enumerate(d.stations)
        if (ids[d.code], station_ids[code]) not in members
        and (ids[d.code] in new_deputies or station_ids[code] in new_stations)
    ]
    return len(new), len(_add_missing(session, links))


def _load_rest(session: Session, demo: DemoFiles, station_ids: dict[str, int]) -> dict[str, int]:
    """Insert missing places, departments, topics and calendar days; how many of each were added."""
    places = set(session.exec(select(Place.name, Place.district)).all())
    departments = set(session.exec(select(Department.name)).all())
    topics = set(session.exec(select(Topic.name)).all())
    days = set(session.exec(select(CalendarDay.day)).all())
    new: dict[str, list[SQLModel]] = {
        "places": [
            Place(name=p.name, kind=p.kind, district=p.district, station_id=station_ids[p.station], aliases=p.aliases)
            for p in demo.places
            if (p.name, p.district) not in places
        ],
        "departments": [
            Department(name=d.name, description=d.description) for d in demo.departments if d.name not in departments
        ],
        "topics": [Topic(name=t.name, description=t.description) for t in demo.topics if t.name not in topics],
        "calendar_days": [
            CalendarDay(day=c.day, is_workday=c.is_workday, note=c.note) for c in demo.calendar if c.day not in days
        ],
    }
    return {kind: len(_add_missing(session, rows)) for kind, rows in new.items()}


def load_demo(*, session: Session, folder: Path | None = None, calendar_file: Path | None = None) -> DemoSummary:
    """Insert the demo rows the database lacks; the caller commits (e.g. with :func:`triage.db.transaction`).

    ``folder`` is the data folder (default ``training_data/``: ``registry/*.json``, ``taxonomy.json`` and, when
    present, ``calendar.json``, which ``calendar_file`` overrides). Invalid files raise :class:`InvalidInput`
    before anything is written."""
    demo = read_demo(folder, calendar_file)
    _lock(session)
    station_ids, new_stations = _load_stations(session, demo)
    districts = _load_districts(session, demo, station_ids)
    deputies, memberships = _load_deputies(session, demo, station_ids, new_stations)
    rest = _load_rest(session, demo, station_ids)
    counts = {"districts": districts, "stations": len(new_stations), "deputies": deputies, **rest}
    return DemoSummary(**counts, created=any(counts.values()) or memberships > 0)


def load_with_users(*, session: Session) -> DemoSummary:
    """:func:`load_demo`, then one demo user per role when there are none yet (their secrets in ``users``)."""
    from triage.accounts.demo import ensure_demo_users  # accounts build on the registry, not the other way

    summary = load_demo(session=session)
    summary.users = ensure_demo_users(session=session, now=datetime.now(UTC))
    return summary


def is_empty(*, session: Session) -> bool:
    """True while the registry has no station (a fresh database)."""
    return session.exec(select(Station.id).limit(1)).first() is None


def ensure_ready(url: str, *, load_demo_if_empty: bool) -> DemoSummary | None:
    """Startup: migrate ``url`` to head, then load the demo when asked and there is no station yet.

    Returns what the load inserted, or None when nothing was loaded. Errors are :class:`TriageError` in Chinese."""
    migrate.upgrade(url)
    if not load_demo_if_empty:
        return None
    with migrate.database_errors(url):
        engine = db.make_engine(url)
        try:
            with db.transaction(engine) as session:
                return load_with_users(session=session) if is_empty(session=session) else None
        finally:
            engine.dispose()

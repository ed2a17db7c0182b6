"""Finding what a chat message names: a station, deputy, department or topic by code or (part of a) name."""

from __future__ import annotations

from sqlmodel import Session, col, select

from triage.accounts.models import Role
from triage.accounts.service import Principal
from triage.cases.models import Assignment
from triage.errors import InvalidInput, NotFound
from triage.registry.models import Department, Deputy, DeputyStation, Station, Topic

SHOWN = 8  # candidates listed when a name is ambiguous


def _pick(word: str, names: list[str], *, what: str, code: str) -> str:
    """The one name equal to ``word``, or else the only one containing it; Chinese errors otherwise."""
    if word in names:
        return word
    hits = [n for n in names if word and word in n]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise InvalidInput(f"「{word}」对应多个{what}：{'、'.join(hits[:SHOWN])}，请写全称", code=f"ambiguous_{code}")
    listed = "、".join(names[:30]) + ("…" if len(names) > 30 else "")
    raise NotFound(f"没有找到{what}「{word}」" + (f"。可选：{listed}" if listed else ""), code=f"{code}_not_found")


def station(session: Session, word: str) -> Station:
    """A station by code (any case) or by (part of) its name."""
    word = word.strip()
    found = session.exec(select(Station).where(Station.code == word.upper())).first()
    if found is not None:
        return found
    stations = list(session.exec(select(Station).where(Station.active).order_by(Station.code)))
    hits = [s for s in stations if word and word in s.name]
    if len(hits) == 1:
        return hits[0]
    if hits:
        names = "、".join(f"{s.code} {s.name}" for s in hits[:SHOWN])
        raise InvalidInput(f"「{word}」对应多个站点：{names}，请写站点编码", code="ambiguous_station")
    raise NotFound(f"没有找到站点「{word}」（可写站点编码，如 DL-FSSQ）", code="station_not_found")


def deputy(session: Session, word: str) -> Deputy:
    """An active deputy by code (D001, any case) or by exact name."""
    word = word.strip()
    found = session.exec(select(Deputy).where(Deputy.code == word.upper(), Deputy.active)).first()
    if found is not None:
        return found
    named = list(session.exec(select(Deputy).where(Deputy.name == word, Deputy.active).order_by(Deputy.code)))
    if len(named) == 1:
        return named[0]
    if named:
        codes = "、".join(f"{d.code} {d.name}" for d in named)
        raise InvalidInput(f"有多位代表名为{word}：{codes}，请写代表编号", code="ambiguous_deputy")
    raise NotFound(f"没有找到代表「{word}」（可写代表编号，如 D001，或姓名）", code="deputy_not_found")


def department(session: Session, word: str) -> str:
    names = list(session.exec(select(Department.name).order_by(Department.id)))
    return _pick(word.strip(), names, what="部门", code="department") if names else word.strip()


def topic(session: Session, word: str) -> str:
    names = list(session.exec(select(Topic.name).order_by(Topic.id)))
    return _pick(word.strip(), names, what="主题", code="topic") if names else word.strip()


def home_station(session: Session, p: Principal) -> Station | None:
    """The sender's own station: staff's station, a deputy's home station (rank 0 first); None for others."""
    if p.role in (Role.INTAKE, Role.STATION_HEAD) and len(p.station_ids) == 1:
        return session.get(Station, next(iter(p.station_ids)))
    if p.role == Role.DEPUTY and p.deputy_id is not None:
        link = session.exec(select(DeputyStation).where(DeputyStation.deputy_id == p.deputy_id)
                            .order_by(DeputyStation.rank, DeputyStation.station_id)).first()
        return session.get(Station, link.station_id) if link is not None else None
    return None


def assigned(session: Session, case_id: int) -> frozenset[int]:
    """The deputies actively assigned to a case."""
    return frozenset(session.exec(select(Assignment.deputy_id).where(Assignment.case_id == case_id,
                                                                     col(Assignment.active))))

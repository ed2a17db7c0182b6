"""Registry tables and their public shapes (SQLModel families: XBase → X(table=True) → XPublic)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel


def json_field(**kw):  # noqa: ANN201 - a SQLModel Field stored as JSON
    return Field(default_factory=list, sa_type=JSON, **kw)


class DistrictBase(SQLModel):
    code: str = Field(max_length=8, unique=True, index=True)
    name: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=8, description="区 / 县 / 市")


class District(DistrictBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    default_station_id: int | None = Field(default=None, foreign_key="station.id")


class StationBase(SQLModel):
    code: str = Field(max_length=16, unique=True, index=True)
    name: str = Field(max_length=64)
    place: str = Field(max_length=32, description="the 街道/社区/乡镇 the station sits in")
    level: str = Field(max_length=8, description="街道 / 社区 / 乡镇")
    district: str = Field(max_length=32, index=True)
    address: str = Field(default="", max_length=200)
    reception_days: list[int] = json_field(description="ISO weekdays of fixed reception (1 = Monday)")


class Station(StationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="station.id")
    active: bool = True


class StationPublic(StationBase):
    id: int
    parent_code: str | None = None


class DeputyBase(SQLModel):
    code: str = Field(max_length=16, unique=True, index=True)
    name: str = Field(max_length=32)
    gender: str = Field(default="", max_length=4)
    level: str = Field(max_length=4, description="市 / 区 / 县")
    sector: str = Field(default="", max_length=32)
    occupation: str = Field(default="", max_length=100)
    expertise: list[str] = json_field(description="topics the deputy knows")
    profile: str = Field(default="", max_length=2000)
    capacity: int = Field(default=8, ge=0, description="most open cases at once")
    reception_days: list[int] = json_field()
    affiliations: list[str] = json_field(description="declared interests: a case naming one excludes the deputy")


class Deputy(DeputyBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    active: bool = True


class DeputyPublic(DeputyBase):
    id: int
    stations: list[str] = []


class DeputyStation(SQLModel, table=True):
    """Membership of a deputy at a station; ``rank`` 0 is the deputy's home station."""

    deputy_id: int = Field(foreign_key="deputy.id", primary_key=True)
    station_id: int = Field(foreign_key="station.id", primary_key=True, index=True)
    rank: int = 0


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    description: str = Field(default="", max_length=500)


class Topic(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=32, unique=True)
    description: str = Field(default="", max_length=1000)


class Place(SQLModel, table=True):
    """A gazetteer entry: a street, community, road or landmark and the station that covers it."""

    __table_args__ = (UniqueConstraint("name", "district", name="uq_place_name_district"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=8, description="街道 / 社区 / 镇 / 乡 / 村 / 路 / 地标 / 小区")
    district: str = Field(max_length=32)
    station_id: int = Field(foreign_key="station.id")
    aliases: list[str] = json_field()


class CalendarDay(SQLModel, table=True):
    """The official calendar's exceptions: holidays on weekdays and make-up working days on weekends.

    A year with any row counts as known; other days of a known year follow the weekend rule."""

    day: date = Field(primary_key=True)
    is_workday: bool
    note: str = Field(default="", max_length=32)

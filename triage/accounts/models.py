"""Account tables: users with one role each, hashed API tokens, chat identities mapped to users."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.db import UTCDateTime


class Role(StrEnum):
    INTAKE = "intake"  # 接待员: belongs to a station
    DEPUTY = "deputy"  # 代表: belongs to stations through membership
    STATION_HEAD = "station_head"  # 站长: belongs to a station
    SUPERVISOR = "supervisor"  # 区人大: sees all stations of a district
    ADMIN = "admin"


ROLE_NAMES = {Role.INTAKE: "接待员", Role.DEPUTY: "代表", Role.STATION_HEAD: "站长", Role.SUPERVISOR: "区人大",
              Role.ADMIN: "管理员"}


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=64)
    role: str = Field(max_length=16)
    station_id: int | None = Field(default=None, foreign_key="station.id", description="intake and station heads")
    district: str | None = Field(default=None, max_length=32, description="district supervisors")
    deputy_id: int | None = Field(default=None, foreign_key="deputy.id", description="deputies")
    password_hash: str | None = Field(default=None, max_length=200, description="for the console's session login")
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """An API token: only its SHA-256 is stored; the token itself is shown once, when created."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(default="", max_length=64)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=12, description="the first characters, to tell tokens apart")
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChatIdentity(SQLModel, table=True):
    """A chat sender (DingTalk staff id, Slack user id …) mapped to a user."""

    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_chatidentity_platform_external"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16, description="dingtalk / slack / mattermost / webhook")
    external_id: str = Field(max_length=128)
    user_id: int = Field(foreign_key="user.id", index=True)

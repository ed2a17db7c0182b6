"""Creating users and tokens, and turning a token or a chat sender into a :class:`Principal`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.accounts.models import ROLE_NAMES, ApiToken, ChatIdentity, Role, User
from triage.errors import Conflict, InvalidInput, NotFound, TriageError
from triage.registry.models import Deputy, DeputyStation, Station

TOKEN_PREFIX = "lt_"


class Unauthenticated(TriageError):
    """No credentials, or credentials we do not recognise (HTTP 401)."""

    code = "unauthenticated"


class Forbidden(TriageError):
    """Known caller, not allowed to do this (HTTP 403)."""

    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user with one role, the stations it belongs to, its district or deputy."""

    user_id: int
    username: str
    display_name: str
    role: Role
    station_ids: frozenset[int] = frozenset()
    district: str | None = None
    deputy_id: int | None = None

    @property
    def label(self) -> str:
        """How the audit trail names this caller, e.g. ``站长 李红（lihong）``."""
        return f"{ROLE_NAMES[self.role]} {self.display_name}（{self.username}）"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt, _digest = stored.split("$")
    return hmac.compare_digest(hash_password(password, salt=bytes.fromhex(salt)), stored)


def create_user(
    *, session: Session, username: str, role: str, now: datetime, display_name: str | None = None,
    station_code: str | None = None, district: str | None = None, deputy_code: str | None = None,
    password: str | None = None,
) -> User:
    """A new user. intake and station_head need a station, supervisor a district, deputy a deputy record."""
    username = (username or "").strip()
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        raise InvalidInput("用户名不能为空、不能含空格，最长 64 个字符", code="invalid_username")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"未知的角色：{role}（可选：{'、'.join(r.value for r in Role)}）",
                           code="invalid_role") from None
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"用户名 {username} 已存在", code="username_taken")
    user = User(username=username, display_name=(display_name or username).strip(), role=role, created_at=now,
                password_hash=hash_password(password) if password else None)
    if role in (Role.INTAKE, Role.STATION_HEAD):
        if not station_code:
            raise InvalidInput(f"{ROLE_NAMES[role]}需要指定所属站点", code="station_required")
        station = session.exec(select(Station).where(Station.code == station_code.strip().upper())).first()
        if station is None:
            raise NotFound(f"没有找到站点 {station_code}", code="station_not_found")
        user.station_id = station.id
    elif role == Role.SUPERVISOR:
        if not district or session.exec(select(Station.id).where(Station.district == district)).first() is None:
            raise InvalidInput("区人大用户需要指定一个有联络站的区县，如 道里区", code="district_required")
        user.district = district
    elif role == Role.DEPUTY:
        deputy = session.exec(select(Deputy).where(Deputy.code == (deputy_code or "").strip().upper())).first()
        if deputy is None:
            raise InvalidInput("代表用户需要指定代表编号，如 D001", code="deputy_required")
        user.deputy_id = deputy.id
        if display_name is None:
            user.display_name = deputy.name
    session.add(user)
    session.flush()
    return user


def create_token(*, session: Session, user: User, now: datetime, name: str = "") -> str:
    """A new API token for ``user``; returns the token itself, which is stored only as a hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[:10],
                         created_at=now))
    session.flush()
    return token


def revoke_token(*, session: Session, prefix: str, now: datetime) -> ApiToken:
    row = session.exec(select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))).first()
    if row is None:
        raise NotFound(f"没有找到有效的令牌 {prefix}…", code="token_not_found")
    row.revoked_at = now
    session.add(row)
    return row


def principal_of(*, session: Session, user: User | sa.Row) -> Principal:
    """The principal of a user (a User, or a row with the same fields)."""
    if not user.active:
        raise Unauthenticated("账号已停用", code="user_inactive")
    stations: frozenset[int] = frozenset()
    if user.station_id is not None:
        stations = frozenset({user.station_id})
    elif user.deputy_id is not None:
        stations = frozenset(session.exec(select(DeputyStation.station_id)
                                          .where(DeputyStation.deputy_id == user.deputy_id)).all())
    elif user.district is not None:
        stations = frozenset(session.exec(select(Station.id).where(Station.district == user.district)).all())
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role),
                     station_ids=stations, district=user.district, deputy_id=user.deputy_id)


_t, _u = ApiToken.__table__.c, User.__table__.c
TOKEN_OWNER = (  # plain Core, built once: checked on every API request
    sa.select(_t.revoked_at, _t.last_used_at, _u.id, _u.username, _u.display_name, _u.role, _u.station_id,
              _u.district, _u.deputy_id, _u.active)
    .join_from(ApiToken.__table__, User.__table__, _u.id == _t.user_id)
    .where(_t.token_hash == sa.bindparam("token_hash"))
)


def authenticate(*, session: Session, token: str | None, now: datetime | None = None) -> Principal:
    """The principal behind a bearer token, or :class:`Unauthenticated`. With ``now``, the token's last use is
    recorded (at most once a minute: no write per request)."""
    if not token:
        raise Unauthenticated("需要登录：请在 Authorization 头中提供 Bearer 令牌", code="unauthenticated")
    token_hash = hash_token(token.strip())
    session.flush()  # a revocation earlier in this session counts (Core reads do not autoflush)
    owner = session.connection().execute(TOKEN_OWNER, {"token_hash": token_hash}).first()
    if owner is None or owner.revoked_at is not None:
        raise Unauthenticated("令牌无效或已撤销", code="invalid_token")
    if now is not None and (owner.last_used_at is None or (now - owner.last_used_at).total_seconds() > 60):
        session.connection().execute(ApiToken.__table__.update().where(_t.token_hash == token_hash)
                                     .values(last_used_at=now))
    return principal_of(session=session, user=owner)


def link_chat(*, session: Session, platform: str, external_id: str, username: str) -> ChatIdentity:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"没有找到用户 {username}", code="user_not_found")
    found = session.exec(select(ChatIdentity).where(ChatIdentity.platform == platform,
                                                    ChatIdentity.external_id == external_id)).first()
    if found is not None:
        found.user_id = user.id
    else:
        found = ChatIdentity(platform=platform, external_id=external_id, user_id=user.id)
    session.add(found)
    session.flush()
    return found


def principal_for_chat(*, session: Session, platform: str, external_id: str | None) -> Principal | None:
    """The principal a chat sender maps to, or None for an unknown sender."""
    if not external_id:
        return None
    link = session.exec(select(ChatIdentity).where(ChatIdentity.platform == platform,
                                                   ChatIdentity.external_id == external_id)).first()
    if link is None:
        return None
    user = session.get(User, link.user_id)
    return principal_of(session=session, user=user) if user is not None and user.active else None

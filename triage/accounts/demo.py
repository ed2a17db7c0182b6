"""One demo user per role at the demo stations, with a token and a password shown once when created."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from triage.accounts import service
from triage.accounts.models import ROLE_NAMES, Role, User

DEMO_USERS = (  # username, role, display name, where
    ("demo-intake", Role.INTAKE, "接待员小赵", {"station_code": "DL-FSSQ"}),
    ("demo-deputy", Role.DEPUTY, None, {"deputy_code": "D001"}),
    ("demo-head", Role.STATION_HEAD, "站长老李", {"station_code": "DL-FSSQ"}),
    ("demo-supervisor", Role.SUPERVISOR, "道里区人大联络科", {"district": "道里区"}),
    ("demo-admin", Role.ADMIN, "系统管理员", {}),
)


@dataclass(frozen=True)
class DemoCredential:
    username: str
    role: str
    display_name: str
    where: str
    token: str
    password: str


def ensure_demo_users(*, session: Session, now: datetime) -> list[DemoCredential]:
    """Create the demo users when none of them exists yet; their secrets are returned (and shown) only now."""
    names = [u[0] for u in DEMO_USERS]
    if session.exec(select(User.id).where(User.username.in_(names))).first() is not None:
        return []
    created = []
    for username, role, display, where in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user = service.create_user(session=session, username=username, role=role, now=now, display_name=display,
                                   password=password, **where)
        token = service.create_token(session=session, user=user, now=now, name="demo")
        place = where.get("station_code") or where.get("district") or where.get("deputy_code") or "全市"
        created.append(DemoCredential(username, ROLE_NAMES[role], user.display_name, place, token, password))
    return created

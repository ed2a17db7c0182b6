"""Accounts as the API shows them: finding a user, and users and callers without secrets."""

from __future__ import annotations

from sqlmodel import Session, select

from triage.accounts.models import ROLE_NAMES, Role, User
from triage.accounts.service import Principal
from triage.errors import NotFound
from triage.registry import views as registry_views
from triage.registry.models import Deputy, Station
from triage.views import iso


def user_by_username(*, session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise NotFound(f"没有找到用户 {username}", code="user_not_found")
    return user


def _deputy_ref(session: Session, deputy_id: int | None) -> dict | None:
    deputy = session.get(Deputy, deputy_id) if deputy_id is not None else None
    return {"code": deputy.code, "name": deputy.name} if deputy is not None else None


def user_view(*, session: Session, user: User) -> dict:
    """A user without its password hash or tokens."""
    station = session.get(Station, user.station_id) if user.station_id is not None else None
    return {
        "username": user.username, "display_name": user.display_name, "role": user.role,
        "role_name": ROLE_NAMES[Role(user.role)], "station": station.code if station else None,
        "district": user.district, "deputy": _deputy_ref(session, user.deputy_id), "active": user.active,
        "created_at": iso(user.created_at),
    }


def me_view(*, session: Session, principal: Principal) -> dict:
    """The caller: who, which role, which stations (membership for deputies), district, deputy record."""
    return {
        "username": principal.username, "display_name": principal.display_name, "role": str(principal.role),
        "role_name": ROLE_NAMES[principal.role],
        "stations": registry_views.stations_by_ids(session=session, station_ids=principal.station_ids),
        "district": principal.district, "deputy": _deputy_ref(session, principal.deputy_id),
    }

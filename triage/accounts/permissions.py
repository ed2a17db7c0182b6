"""Who may see and do what (DESIGN.md, "who sees what"); every check raises :class:`Forbidden` in Chinese."""

from __future__ import annotations

from collections.abc import Collection

from triage.accounts.models import ROLE_NAMES, Role
from triage.accounts.service import Forbidden, Principal
from triage.cases.workflow import ACTION_NAMES

R = Role
ACTIONS: dict[str, frozenset[Role]] = {
    "submit": frozenset({R.INTAKE, R.STATION_HEAD, R.DEPUTY, R.ADMIN}),
    "confirm": frozenset({R.INTAKE, R.STATION_HEAD, R.ADMIN}),
    "correct": frozenset({R.INTAKE, R.STATION_HEAD, R.ADMIN}),
    "claim": frozenset({R.DEPUTY}),
    "release": frozenset({R.DEPUTY, R.STATION_HEAD, R.ADMIN}),
    "progress": frozenset({R.DEPUTY, R.STATION_HEAD, R.ADMIN}),
    "resolve": frozenset({R.DEPUTY, R.STATION_HEAD, R.ADMIN}),
    "visit": frozenset({R.INTAKE, R.STATION_HEAD, R.ADMIN}),
    "close": frozenset({R.STATION_HEAD, R.ADMIN}),
    "reopen": frozenset({R.STATION_HEAD, R.ADMIN}),
    "transfer": frozenset({R.DEPUTY, R.STATION_HEAD, R.ADMIN}),
    "department_reply": frozenset({R.INTAKE, R.STATION_HEAD, R.ADMIN}),
    "return": frozenset({R.INTAKE, R.STATION_HEAD, R.ADMIN}),
    "reassign": frozenset({R.STATION_HEAD, R.ADMIN}),
    "merge": frozenset({R.STATION_HEAD, R.ADMIN}),
    "split": frozenset({R.STATION_HEAD, R.ADMIN}),
    "admin": frozenset({R.ADMIN}),
}
CLAIMANT_ONLY = frozenset({"release", "progress", "resolve"})  # a deputy acts only on the cases they hold
NAMES = {**ACTION_NAMES, "submit": "提交诉求", "split": "拆出诉求", "admin": "管理"}


def station_scope(p: Principal) -> frozenset[int] | None:
    """The stations whose cases ``p`` may list (None: all of them)."""
    return None if p.is_admin else p.station_ids


def in_scope(p: Principal, station_id: int) -> bool:
    scope = station_scope(p)
    return scope is None or station_id in scope


def can_view_case(p: Principal, *, station_id: int, assigned: Collection[int]) -> bool:
    """Staff see their station's cases, supervisors their district's, deputies their station queue and their
    assignments, admins everything."""
    return in_scope(p, station_id) or (p.deputy_id is not None and p.deputy_id in assigned)


def depends_on_assignments(p: Principal) -> bool:
    """Whether a case's assigned deputies can change what ``p`` may see of it (only a deputy's own
    assignments do): when not, callers need not look them up."""
    return not p.is_admin and p.deputy_id is not None


def sees_original(p: Principal, *, station_id: int, assigned: Collection[int]) -> bool:
    """Original text and contact: staff of the case's station, its assigned deputies, supervisors, admins."""
    if p.is_admin:
        return True
    if p.role in (R.INTAKE, R.STATION_HEAD, R.SUPERVISOR):
        return station_id in p.station_ids
    return p.deputy_id is not None and p.deputy_id in assigned


def require(p: Principal, action: str, *, station_id: int | None = None, assigned: Collection[int] = (),
            claimed_by: int | None = None) -> None:
    """Raise :class:`Forbidden` unless ``p`` may do ``action`` on a case of ``station_id``."""
    what = NAMES.get(action, action)
    if p.role not in ACTIONS.get(action, frozenset()):
        raise Forbidden(f"{ROLE_NAMES[p.role]}无权{what}", code="forbidden", detail={"action": action})
    if station_id is None:
        return
    if not can_view_case(p, station_id=station_id, assigned=assigned):
        raise Forbidden(f"该案件不属于您的站点，无权{what}", code="forbidden", detail={"action": action})
    if p.role == R.DEPUTY and action in CLAIMANT_ONLY and claimed_by != p.deputy_id:
        raise Forbidden(f"只有认领该案件的代表才能{what}", code="forbidden", detail={"action": action})

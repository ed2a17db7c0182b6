"""Admin edits of a deputy (capacity, expertise, active, reception days), validated and audited.

The caller commits and then calls :func:`triage.registry.service.invalidate`, so cached directories follow."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from triage.cases import audit
from triage.errors import InvalidInput
from triage.registry import service as registry
from triage.registry.models import Deputy, Topic

MAX_CAPACITY = 200
FIELDS = ("capacity", "expertise", "active", "reception_days")


def _snapshot(deputy: Deputy) -> dict:
    return {"deputy": deputy.code, **{f: getattr(deputy, f) for f in FIELDS}}


def update_deputy(
    *, session: Session, code: str, actor: str, now: datetime, capacity: int | None = None,
    expertise: list[str] | None = None, active: bool | None = None, reception_days: list[int] | None = None,
) -> Deputy:
    """Change the given fields of deputy ``code`` (None leaves a field as it is); one audit event."""
    deputy = registry.deputy_by_code(session=session, code=code)
    before = _snapshot(deputy)
    if capacity is not None:
        if not 0 <= capacity <= MAX_CAPACITY:
            raise InvalidInput(f"承办上限应在 0–{MAX_CAPACITY} 件之间", code="invalid_capacity")
        deputy.capacity = capacity
    if expertise is not None:
        wanted = list(dict.fromkeys(t.strip() for t in expertise if t and t.strip()))
        known = set(session.exec(select(Topic.name)).all())
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise InvalidInput(f"未知的主题：{'、'.join(unknown)}", code="unknown_topic", detail={"unknown": unknown})
        deputy.expertise = wanted
    if active is not None:
        deputy.active = active
    if reception_days is not None:
        if any(not 1 <= d <= 7 for d in reception_days):
            raise InvalidInput("接待日应为 1–7（1 为星期一）", code="invalid_reception_days")
        deputy.reception_days = sorted(set(reception_days))
    after = _snapshot(deputy)
    if after != before:
        session.add(deputy)
        audit.record(session=session, case=None, action="deputy_update", actor=actor, at=now, before=before,
                     after=after)
        session.flush()
    return deputy

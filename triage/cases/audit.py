"""Audit events: who did what to a case, when, before/after, and why — written in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from triage.cases.models import AuditEvent, Case


def snapshot(case: Case, fields: Iterable[str]) -> dict:
    """The JSON-ready values of ``fields`` of ``case``."""
    out = {}
    for f in fields:
        v = getattr(case, f)
        out[f] = v.isoformat() if isinstance(v, datetime) else v
    return out


_INSERT = AuditEvent.__table__.insert()  # plain Core: an event is written, never edited through the ORM


def record(
    *, session: Session, case: Case | None, action: str, actor: str, at: datetime,
    before: dict | None = None, after: dict | None = None, reason: str = "",
) -> None:
    """Write one event in the session's transaction (the case's pending changes are flushed first)."""
    if case is not None and case.id is None:
        session.flush()
    session.connection().execute(_INSERT, {
        "case_id": case.id if case is not None else None, "action": action, "actor": actor[:64], "at": at,
        "before": before or {}, "after": after or {}, "reason": reason,
    })


def timeline(*, session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)))

"""Plain, JSON-ready views of submissions and cases for the CLI, the API and chat (never table objects).

Views built here carry the masked text only; the original text and contact are added by callers that are
allowed to show them (see DESIGN.md, "who sees what")."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, select

from classifier import pii
from classifier.normalize import normalize
from triage.cases import audit
from triage.cases.models import Assignment, Case, Reply, Submission
from triage.clock import local
from triage.registry.models import Deputy, Station


def masked(text: str) -> str:
    """Free text typed by staff (notes, replies, reasons) with any personal data in it masked."""
    return pii.redact(normalize(text))[0] if text else text


def iso(moment) -> str | None:  # noqa: ANN001 - datetime | None
    return local(moment).isoformat() if moment is not None else None


_a, _d = Assignment.__table__.c, Deputy.__table__.c
ACTIVE_ASSIGNMENTS = (  # plain Core, built once
    sa.select(_d.code, _d.name, _a.role, _a.score, _a.reasons, _a.id)
    .join_from(Assignment.__table__, Deputy.__table__, _d.id == _a.deputy_id)
    .where(_a.case_id == bindparam("case_id"), _a.active).order_by(_a.id)
)


def deputies_of(*, session: Session, case_id: int) -> list[dict]:
    """The case's active deputies, the primary first."""
    rows = sorted(session.connection().execute(ACTIVE_ASSIGNMENTS, {"case_id": case_id}).all(),
                  key=lambda r: (r[2] != "primary", r[5]))
    return [{"code": code, "name": name, "role": role, "score": round(score, 3), "reasons": reasons}
            for code, name, role, score, reasons, _ in rows]


def case_summary(*, session: Session, case: Case, colour: str | None = None, station: Station | None = None) -> dict:
    if station is None or station.id != case.station_id:
        station = session.get(Station, case.station_id)
    claimed = session.get(Deputy, case.claimed_by_id) if case.claimed_by_id else None
    merged = session.get(Case, case.merged_into_id) if case.merged_into_id else None
    suggested = session.get(Case, case.duplicate_candidate_id) if case.duplicate_candidate_id else None
    return {
        "case_number": case.number,
        "status": case.status,
        "topic": case.topic,
        "department": case.department,
        "station": {"code": station.code, "name": station.name, "district": station.district},
        "place": case.place,
        "priority": case.priority,
        "priority_reasons": case.priority_reasons,
        "sla_due": iso(case.sla_due),
        "colour": colour,
        "cosigners": case.cosigners,
        "review_reasons": case.review_reasons,
        "duplicate_suggestion": suggested.number if suggested else None,
        "claimed_by": claimed.name if claimed else None,
        "transferred_to": case.transferred_to,
        "merged_into": merged.number if merged else None,
        "satisfaction": case.satisfaction,
        "summary": case.summary,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
    }


def describe_submission(*, session: Session, submission: Submission, replayed: bool = False,
                        station: Station | None = None, case: Case | None = None) -> dict:
    """The whole intake decision for one submission, with reasons, as stored (``case``: its case, when the
    caller holds it, saves a query)."""
    case = case or session.get(Case, submission.case_id)
    pred = submission.prediction
    joined = submission.similarity is not None
    out = case_summary(session=session, case=case, station=station)
    out.update({
        "submission_id": submission.id,
        "replayed": replayed,
        "deputies": deputies_of(session=session, case_id=case.id),
        "pii": submission.pii_types,
        "duplicate_of": case.number if joined else None,
        "similarity": submission.similarity,
        "model_version": submission.model_version,
        "topic_confidence": round(submission.topic_confidence, 4),
        "department_confidence": round(submission.department_confidence, 4),
        "prediction": {k: pred[k] for k in ("topic", "department") if k in pred},
        "location": pred.get("location"),
        "duplicate": pred.get("duplicate"),
        "masked_text": submission.masked_text,
    })
    return out


def case_detail(*, session: Session, case: Case, colour: str | None = None) -> dict:
    """A case with its submissions (masked), deputies, replies and audit timeline."""
    out = case_summary(session=session, case=case, colour=colour)
    subs = session.exec(select(Submission).where(Submission.case_id == case.id).order_by(Submission.id)).all()
    out["deputies"] = deputies_of(session=session, case_id=case.id)
    out["submissions"] = [{"id": s.id, "masked_text": s.masked_text, "channel": s.channel, "pii": s.pii_types,
                           "similarity": s.similarity, "created_at": iso(s.created_at)} for s in subs]
    replies = session.exec(select(Reply).where(Reply.case_id == case.id).order_by(Reply.id)).all()
    out["replies"] = [{"kind": r.kind, "author": r.author, "department": r.department, "text": masked(r.text),
                       "at": iso(r.at)} for r in replies]
    out["timeline"] = [{"action": e.action, "actor": e.actor, "at": iso(e.at), "reason": masked(e.reason),
                        "before": e.before, "after": e.after} for e in audit.timeline(session=session, case_id=case.id)]
    return out

"""Stored submissions for the API: finding one, and the facts (station, assigned deputies) that decide who may
see its case and its original text."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from triage.cases import access
from triage.cases.models import Case, Submission
from triage.errors import NotFound


@dataclass(frozen=True)
class CaseAccess:
    """What permissions.can_view_case / sees_original need to know about a case."""

    case_id: int
    station_id: int
    assigned: frozenset[int]


def get_submission(*, session: Session, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"没有找到诉求 #{submission_id}", code="submission_not_found")
    return submission


def case_access(*, session: Session, case_id: int) -> CaseAccess:
    """The case's station and its actively assigned deputies."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"没有找到案件 #{case_id}", code="case_not_found")
    return CaseAccess(case_id=case.id, station_id=case.station_id,
                      assigned=access.assigned_ids(session=session, case_id=case_id))


def originals(submission: Submission) -> dict[str, str | None]:
    """The unmasked text and contact, for callers allowed to see them."""
    return {"text": submission.text, "contact": submission.contact}

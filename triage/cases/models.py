"""Case-side tables and their public shapes. Times are aware UTC (see :class:`triage.db.UTCDateTime`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from triage.db import UTCDateTime


class Status(StrEnum):
    REVIEW = "待确认"
    QUEUED = "待办"
    CLAIMED = "处理中"
    TRANSFERRED = "已转办"
    RESOLVED = "已办结"
    VISITED = "已回访"
    CLOSED = "已关闭"
    MERGED = "已合并"


OPEN_STATUSES = (Status.REVIEW, Status.QUEUED, Status.CLAIMED, Status.TRANSFERRED)
OPEN_VALUES = tuple(str(s) for s in OPEN_STATUSES)  # for SQL IN (…)


class Priority(StrEnum):
    URGENT = "紧急"
    PRESSING = "较急"
    NORMAL = "一般"


def when(**kw):  # noqa: ANN201 - a timestamp column
    return Field(sa_type=UTCDateTime, **kw)


class CaseCounter(SQLModel, table=True):
    """The last number handed out per station code and year (``NG-2026-000123``)."""

    station_code: str = Field(primary_key=True, max_length=16)
    year: int = Field(primary_key=True)
    last: int = 0


class Case(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    topic: str = Field(max_length=32)
    department: str = Field(max_length=64)
    place: str | None = Field(default=None, max_length=64, description="the most specific place named")
    summary: str = Field(max_length=20000, description="masked text of the first submission")
    priority: str = Field(max_length=4, index=True)
    priority_reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(max_length=8, index=True)
    review_reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    duplicate_candidate_id: int | None = Field(default=None, foreign_key="case.id")
    duplicate_similarity: float | None = None
    cosigners: int = Field(default=0, description="submissions that joined after the first")
    claimed_by_id: int | None = Field(default=None, foreign_key="deputy.id", index=True)
    claimed_at: datetime | None = when(default=None)
    last_progress_at: datetime | None = when(default=None)
    transferred_to: str | None = Field(default=None, max_length=64)
    merged_into_id: int | None = Field(default=None, foreign_key="case.id")
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    sla_due: datetime = when()
    created_at: datetime = when()
    updated_at: datetime = when()
    resolved_at: datetime | None = when(default=None)
    closed_at: datetime | None = when(default=None)


class Submission(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    text: str = Field(max_length=20000, description="the original text: shown only to those DESIGN.md allows")
    masked_text: str = Field(max_length=20000)
    channel: str = Field(default="窗口", max_length=16)
    submitter_name: str | None = Field(default=None, max_length=64)
    contact: str | None = Field(default=None, max_length=100)
    contact_last4: str | None = Field(default=None, max_length=4, index=True)
    intake_station_id: int | None = Field(default=None, foreign_key="station.id")
    reception_session_id: int | None = Field(default=None, foreign_key="receptionsession.id")
    proposed_topic: str | None = Field(default=None, max_length=32)
    topic: str = Field(max_length=32)
    topic_confidence: float
    department: str = Field(max_length=64)
    department_confidence: float
    prediction: dict = Field(default_factory=dict, sa_type=JSON, description="top-3 per head, reasons, review flags")
    pii_types: list[str] = Field(default_factory=list, sa_type=JSON)
    places: list[dict] = Field(default_factory=list, sa_type=JSON, description="matched places with spans")
    model_version: str = Field(max_length=64)
    similarity: float | None = Field(default=None, description="to the case it joined, when it joined one")
    created_at: datetime = when()


class Assignment(SQLModel, table=True):
    __table_args__ = (Index("ix_assignment_deputy_active", "deputy_id", "active"),)  # live load (migration 0003)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    deputy_id: int = Field(foreign_key="deputy.id", index=True)
    role: str = Field(max_length=8, description="primary / team")
    score: float
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = Field(default=True, index=True)
    created_at: datetime = when()


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    action: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    at: datetime = when()
    before: dict = Field(default_factory=dict, sa_type=JSON)
    after: dict = Field(default_factory=dict, sa_type=JSON)
    reason: str = Field(default="", max_length=2000)


class Correction(SQLModel, table=True):
    """A confirmed label: staff confirmed or corrected topic/department. Only these train the next model."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    topic: str = Field(max_length=32)
    department: str = Field(max_length=64)
    previous_topic: str = Field(max_length=32)
    previous_department: str = Field(max_length=64)
    actor: str = Field(max_length=64)
    at: datetime = when()


class Reply(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str = Field(max_length=16, description="constituent / department / progress")
    author: str = Field(max_length=64)
    department: str | None = Field(default=None, max_length=64)
    text: str = Field(max_length=20000)
    at: datetime = when()


class ReceptionSession(SQLModel, table=True):
    """接待日: a station's reception (activity log and reception register)."""

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    day: date
    theme_topic: str | None = Field(default=None, max_length=32)
    hours: float = 2.0
    notes: str = Field(default="", max_length=2000)


class ReceptionAttendance(SQLModel, table=True):
    session_id: int = Field(foreign_key="receptionsession.id", primary_key=True)
    deputy_id: int = Field(foreign_key="deputy.id", primary_key=True)

"""Initial schema: the registry (stations, deputies, places, taxonomy, calendar) and the case tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Tables are created parents first; self-references (station.parent_id, case.duplicate_candidate_id,
case.merged_into_id) are ordinary inline foreign keys, which SQLite accepts in CREATE TABLE. Timestamps use
``triage.db.UTCDateTime`` (``TIMESTAMP WITH TIME ZONE`` on PostgreSQL, ``DATETIME`` holding UTC on SQLite).
Unique constraints are left unnamed, as in the models, so each backend names them its own way.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from triage.db import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _fk(name: str, target: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(f"{target}.id"), nullable=nullable)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False)


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def _index(table: str, column: str, *, unique: bool = False) -> None:
    op.create_index(f"ix_{table}_{column}", table, [column], unique=unique)


def _registry() -> None:
    op.create_table(
        "station",
        _id(),
        _str("code", 16),
        _str("name", 64),
        _str("place", 32),
        _str("level", 8),
        _str("district", 32),
        _str("address", 200),
        _json("reception_days"),
        _fk("parent_id", "station", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    _index("station", "code", unique=True)
    _index("station", "district")

    op.create_table(
        "district",
        _id(),
        _str("code", 8),
        sa.Column("name", sa.String(length=32), nullable=False, unique=True),
        _str("kind", 8),
        _fk("default_station_id", "station", nullable=True),
    )
    _index("district", "code", unique=True)

    op.create_table(
        "deputy",
        _id(),
        _str("code", 16),
        _str("name", 32),
        _str("gender", 4),
        _str("level", 4),
        _str("sector", 32),
        _str("occupation", 100),
        _json("expertise"),
        _str("profile", 2000),
        sa.Column("capacity", sa.Integer(), nullable=False),
        _json("reception_days"),
        _json("affiliations"),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    _index("deputy", "code", unique=True)

    op.create_table(
        "deputystation",
        sa.Column("deputy_id", sa.Integer(), sa.ForeignKey("deputy.id"), primary_key=True),
        sa.Column("station_id", sa.Integer(), sa.ForeignKey("station.id"), primary_key=True),
        sa.Column("rank", sa.Integer(), nullable=False),
    )
    _index("deputystation", "station_id")

    op.create_table(
        "department",
        _id(),
        sa.Column("name", sa.String(length=64), nullable=False, unique=True),
        _str("description", 500),
    )
    op.create_table(
        "topic",
        _id(),
        sa.Column("name", sa.String(length=32), nullable=False, unique=True),
        _str("description", 1000),
    )

    op.create_table(
        "place",
        _id(),
        _str("name", 64),
        _str("kind", 8),
        _str("district", 32),
        _fk("station_id", "station", nullable=False),
        _json("aliases"),
        sa.UniqueConstraint("name", "district", name="uq_place_name_district"),
    )
    _index("place", "name")

    op.create_table(
        "calendarday",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        _str("note", 32),
    )


def _cases() -> None:
    op.create_table(
        "casecounter",
        sa.Column("station_code", sa.String(length=16), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )

    op.create_table(
        "receptionsession",
        _id(),
        _fk("station_id", "station", nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        _str("theme_topic", 32, nullable=True),
        sa.Column("hours", sa.Float(), nullable=False),
        _str("notes", 2000),
    )
    _index("receptionsession", "station_id")

    op.create_table(
        "receptionattendance",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("receptionsession.id"), primary_key=True),
        sa.Column("deputy_id", sa.Integer(), sa.ForeignKey("deputy.id"), primary_key=True),
    )

    op.create_table(
        "case",
        _id(),
        _str("number", 32),
        _fk("station_id", "station", nullable=False),
        _str("topic", 32),
        _str("department", 64),
        _str("place", 64, nullable=True),
        _str("summary", 20000),
        _str("priority", 4),
        _json("priority_reasons"),
        _str("status", 8),
        _json("review_reasons"),
        _fk("duplicate_candidate_id", "case", nullable=True),
        sa.Column("duplicate_similarity", sa.Float(), nullable=True),
        sa.Column("cosigners", sa.Integer(), nullable=False),
        _fk("claimed_by_id", "deputy", nullable=True),
        _when("claimed_at", nullable=True),
        _when("last_progress_at", nullable=True),
        _str("transferred_to", 64, nullable=True),
        _fk("merged_into_id", "case", nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        _when("sla_due"),
        _when("created_at"),
        _when("updated_at"),
        _when("resolved_at", nullable=True),
        _when("closed_at", nullable=True),
    )
    for column, unique in (("number", True), ("station_id", False), ("priority", False), ("status", False)):
        _index("case", column, unique=unique)
    _index("case", "claimed_by_id")

    op.create_table(
        "submission",
        _id(),
        _fk("case_id", "case", nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True, unique=True),
        _str("text", 20000),
        _str("masked_text", 20000),
        _str("channel", 16),
        _str("submitter_name", 64, nullable=True),
        _str("contact", 100, nullable=True),
        _str("contact_last4", 4, nullable=True),
        _fk("intake_station_id", "station", nullable=True),
        _fk("reception_session_id", "receptionsession", nullable=True),
        _str("proposed_topic", 32, nullable=True),
        _str("topic", 32),
        sa.Column("topic_confidence", sa.Float(), nullable=False),
        _str("department", 64),
        sa.Column("department_confidence", sa.Float(), nullable=False),
        _json("prediction"),
        _json("pii_types"),
        _json("places"),
        _str("model_version", 64),
        sa.Column("similarity", sa.Float(), nullable=True),
        _when("created_at"),
    )
    _index("submission", "case_id")
    _index("submission", "contact_last4")

    op.create_table(
        "assignment",
        _id(),
        _fk("case_id", "case", nullable=False),
        _fk("deputy_id", "deputy", nullable=False),
        _str("role", 8),
        sa.Column("score", sa.Float(), nullable=False),
        _json("reasons"),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
    )
    for column in ("case_id", "deputy_id", "active"):
        _index("assignment", column)

    op.create_table(
        "auditevent",
        _id(),
        _fk("case_id", "case", nullable=True),
        _str("action", 32),
        _str("actor", 64),
        _when("at"),
        _json("before"),
        _json("after"),
        _str("reason", 2000),
    )
    _index("auditevent", "case_id")

    op.create_table(
        "correction",
        _id(),
        _fk("submission_id", "submission", nullable=False),
        _str("topic", 32),
        _str("department", 64),
        _str("previous_topic", 32),
        _str("previous_department", 64),
        _str("actor", 64),
        _when("at"),
    )
    _index("correction", "submission_id")

    op.create_table(
        "reply",
        _id(),
        _fk("case_id", "case", nullable=False),
        _str("kind", 16),
        _str("author", 64),
        _str("department", 64, nullable=True),
        _str("text", 20000),
        _when("at"),
    )
    _index("reply", "case_id")


# Children before parents; a table's indexes go with it.
TABLES_NEWEST_FIRST = (
    "reply",
    "correction",
    "auditevent",
    "assignment",
    "submission",
    "case",
    "receptionattendance",
    "receptionsession",
    "casecounter",
    "calendarday",
    "place",
    "topic",
    "department",
    "deputystation",
    "deputy",
    "district",
    "station",
)


def upgrade() -> None:
    _registry()
    _cases()


def downgrade() -> None:
    for table in TABLES_NEWEST_FIRST:
        op.drop_table(table)

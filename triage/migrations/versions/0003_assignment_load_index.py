"""An index for a deputy's active assignments: the live load read at every intake (matching).

Without it SQLite walks every active assignment of every deputy (index on ``active`` alone) per intake.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_assignment_deputy_active", "assignment", ["deputy_id", "active"])


def downgrade() -> None:
    op.drop_index("ix_assignment_deputy_active", table_name="assignment")

"""Submissions in flight (#10): a submission started at the counter whose answer has not yet been
confirmed on the clerk's screen, so the page can say what became of it after a restart
(desk/cases/submitting.py).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table of submissions in flight."""
    op.create_table(
        "submission_in_flight",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("submission_key", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_key"),
    )
    op.create_index(op.f("ix_submission_in_flight_staff"), "submission_in_flight", ["staff"], unique=False)


def downgrade() -> None:
    """Not offered: a restore of the backup taken before the upgrade is the way back (docs/operations.md)."""
    raise NotImplementedError("restore the backup taken before the upgrade")

"""Papers avoided and counter time (#13): the materials each submission found proven by data, captured
or promised, with their pages (desk/cases/papers.py), and on the case the lookup that started the
customer's visit and the seconds from it to the first submission (desk/cases/counter_time.py).

Cases submitted before this revision have no rows and no counter time: nothing recorded then can
say what their submission spared, and the dashboard counts them without papers or time.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table of recorded papers and add the counter-time columns of cases."""
    op.create_table(
        "case_paper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("material", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "material", name="uq_case_paper"),
    )
    op.create_index(op.f("ix_case_paper_case_id"), "case_paper", ["case_id"], unique=False)
    op.add_column("case_file", sa.Column("looked_up_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("case_file", sa.Column("counter_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Not offered: a restore of the backup taken before the upgrade is the way back (docs/operations.md)."""
    raise NotImplementedError("restore the backup taken before the upgrade")

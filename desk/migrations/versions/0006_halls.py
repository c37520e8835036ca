"""Many halls, one centre (#14): the hall each staff member works in and the hall each case was first
submitted in (codes of desk/security/halls.toml), so the dashboard groups and filters by hall.

Accounts and cases made before this revision get the head office's hall: before halls were known
every counter was counted there.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

HEAD_OFFICE = "head"  # halls.toml's head_office when this revision was written (a revision never changes)


def upgrade() -> None:
    """Add the hall of staff and cases; existing rows get the head office."""
    op.add_column("staff", sa.Column("hall", sa.String(length=16), nullable=True))
    op.execute(sa.text("UPDATE staff SET hall = :hall").bindparams(hall=HEAD_OFFICE))
    op.add_column(
        "case_file",
        sa.Column("hall", sa.String(length=16), nullable=False, server_default=HEAD_OFFICE),
    )


def downgrade() -> None:
    """Not offered: a restore of the backup taken before the upgrade is the way back (docs/operations.md)."""
    raise NotImplementedError("restore the backup taken before the upgrade")

"""OCR off the web servers (#14): capture tasks and their pages (desk/queue/tables.py) on every engine, and on
PostgreSQL the queue library's own tables (pgqueuer, desk/queue/library_schema.py) that `python -m desk
worker` processes take jobs from. Both are empty until DESK_CAPTURE_QUEUE=postgres is set.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from desk.queue.library_schema import install_queue_library

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the capture task tables, and pgqueuer's on PostgreSQL."""
    op.create_table(
        "capture_task",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("camera", sa.Boolean(), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("input", sa.LargeBinary(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_capture_task_status"), "capture_task", ["status"], unique=False)
    op.create_table(
        "capture_task_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("original", sa.LargeBinary(), nullable=False),
        sa.Column("flat", sa.LargeBinary(), nullable=True),
        sa.Column("thumb", sa.LargeBinary(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["capture_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "seq"),
    )
    op.create_index(op.f("ix_capture_task_page_task_id"), "capture_task_page", ["task_id"], unique=False)
    install_queue_library(op.get_bind())


def downgrade() -> None:
    """Not offered: a restore of the backup taken before the upgrade is the way back (docs/operations.md)."""
    raise NotImplementedError("restore the backup taken before the upgrade")

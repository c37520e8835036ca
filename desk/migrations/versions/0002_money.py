"""Money (#9): the amount, payee, override and draft columns of cases, capture flags of materials,
the balance brought forward of accounts, and postings that name their case once per kind.

A database that ran the stop-gap of the money release (which ALTERed new columns in at start, but
could neither loosen case_no nor make submission_key unique) may already have some of the columns:
only the missing ones are added.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def new_columns() -> dict[str, list[sa.Column]]:
    """The columns this revision adds, per table (new objects each time: a Column joins one table only)."""
    return {
        "case_file": [
            sa.Column("submission_key", sa.String(length=36), nullable=True),
            sa.Column("declared", sa.String(length=300), nullable=False, server_default=""),
            sa.Column("amount_limit_fen", sa.Integer(), nullable=True),
            sa.Column("payee_card", sa.String(length=19), nullable=True),
            sa.Column("payee_kind", sa.String(length=12), nullable=True),
            sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("override_by", sa.String(length=64), nullable=True),
            sa.Column("override_reason", sa.String(length=500), nullable=True),
            sa.Column("override_rules", sa.String(length=300), nullable=True),
        ],
        "case_material": [
            sa.Column("flags", sa.String(length=300), nullable=True),
            sa.Column("flag_reason", sa.String(length=500), nullable=True),
        ],
        "personal_account": [
            sa.Column("brought_forward_fen", sa.Integer(), nullable=False, server_default="0"),
        ],
        "withdrawal": [
            sa.Column("kind", sa.String(length=10), nullable=False, server_default="withdrawal"),
            sa.Column("case_no", sa.String(length=20), nullable=True),
            sa.Column("posted_by", sa.String(length=64), nullable=True),
            sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        ],
    }


def _missing(table: str) -> list[sa.Column]:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}
    return [column for column in new_columns()[table] if column.name not in present]


def _loose(table: str) -> list[sa.Column]:
    """Columns the stop-gap added without NOT NULL (it wrote only the default) that must have it."""
    nullable = {column["name"]: column["nullable"] for column in sa.inspect(op.get_bind()).get_columns(table)}
    return [column for column in new_columns()[table] if not column.nullable and nullable.get(column.name)]


def upgrade() -> None:
    """Add the columns (with their server defaults), let a draft have no case number, make the
    submission key and a case's posting of each kind unique."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in new_columns():
        loose = _loose(table)
        if loose:  # the rows got the default when the stop-gap added the column: none is NULL
            with op.batch_alter_table(table) as batch:
                for column in loose:
                    batch.alter_column(
                        column.name,
                        existing_type=column.type,
                        nullable=False,
                        existing_server_default=getattr(column.server_default, "arg", None),
                    )
        for column in _missing(table):
            op.add_column(table, column)
    indexes = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("withdrawal")}
    if "uq_withdrawal_case_kind" not in indexes:
        op.create_index("uq_withdrawal_case_kind", "withdrawal", ["case_no", "kind"], unique=True)
    # SQLite can neither loosen NOT NULL nor add a constraint in place: batch mode rebuilds case_file
    # (copy, drop, rename) with its indexes and the unnamed UNIQUE create_all would write; PostgreSQL
    # alters the table, naming the constraint as PostgreSQL names create_all's.
    table_args = (sa.UniqueConstraint("submission_key"),) if sqlite else ()
    with op.batch_alter_table("case_file", table_args=table_args) as batch:
        batch.alter_column("case_no", existing_type=sa.String(length=20), nullable=True)
        if not sqlite:
            batch.create_unique_constraint("case_file_submission_key_key", ["submission_key"])


def downgrade() -> None:
    """Not offered: a restore of the backup taken before the upgrade is the way back (docs/operations.md)."""
    raise NotImplementedError("restore the backup taken before the upgrade")

"""The schema of the previous release (the last one made by create_all, before migrations).

Frozen: this file describes that release"s tables as they were, and is never edited; later changes
are later revisions. The append-only triggers and the full-text index are made by the same DDL
functions create_all"s listeners run.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from desk.archive.search_index import index_ddl
from desk.db import append_only_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_TABLES = ("access_log", "case_transition")
# PostgreSQL's full-text index as that release made it (0007 moved its tsvectors out of TOAST)
PREVIOUS_PG_INDEX_DDL = (
    "CREATE TABLE IF NOT EXISTS archive_page_terms (page_id integer PRIMARY KEY "
    "REFERENCES archive_page(id) ON DELETE CASCADE, terms tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_archive_page_terms ON archive_page_terms USING gin (terms)",
)


def upgrade() -> None:
    """Create every table, index, trigger and the full-text index of the previous release."""
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.String(length=500), nullable=False),
        sa.Column("case_no", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_access_log_at"), "access_log", ["at"], unique=False)
    op.create_index(op.f("ix_access_log_case_no"), "access_log", ["case_no"], unique=False)
    op.create_index(op.f("ix_access_log_person_id"), "access_log", ["person_id"], unique=False)
    op.create_index(op.f("ix_access_log_staff"), "access_log", ["staff"], unique=False)
    op.create_table(
        "archive_fixity_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("altered", sa.Integer(), nullable=False),
        sa.Column("orphaned", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_archive_fixity_run_started_at"), "archive_fixity_run", ["started_at"], unique=False)
    op.create_table(
        "case_number_counter",
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year"),
    )
    op.create_table(
        "employer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_account", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_employer_credit_code"), "employer", ["credit_code"], unique=False)
    op.create_index(op.f("ix_employer_unit_account"), "employer", ["unit_account"], unique=True)
    op.create_table(
        "inquiry_attempt",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "login_failure",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_person_id_number"), "person", ["id_number"], unique=True)
    op.create_index("ix_person_name_phone", "person", ["name", "phone"], unique=False)
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_staff_username"), "staff", ["username"], unique=True)
    op.create_table(
        "archive_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("material_code", sa.String(length=8), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("captured_by", sa.String(length=64), nullable=False),
        sa.Column("captured_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("retention_class", sa.String(length=30), nullable=False),
        sa.Column("retention_until", sa.Date(), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_archive_document_captured_at"), "archive_document", ["captured_at"], unique=False)
    op.create_index(op.f("ix_archive_document_captured_by"), "archive_document", ["captured_by"], unique=False)
    op.create_index(op.f("ix_archive_document_case_no"), "archive_document", ["case_no"], unique=False)
    op.create_index(op.f("ix_archive_document_doc_type"), "archive_document", ["doc_type"], unique=False)
    op.create_index(op.f("ix_archive_document_material_code"), "archive_document", ["material_code"], unique=False)
    op.create_index(
        "ix_archive_document_person_captured", "archive_document", ["person_id", "captured_at"], unique=False
    )
    op.create_table(
        "case_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("business_code", sa.String(length=8), nullable=False),
        sa.Column("review_mode", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=True),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sampled_for_review", sa.Boolean(), nullable=True),
        sa.Column("clawback_fen", sa.Integer(), nullable=True),
        sa.Column("clawback_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_case_file_business_code"), "case_file", ["business_code"], unique=False)
    op.create_index(op.f("ix_case_file_case_no"), "case_file", ["case_no"], unique=True)
    op.create_index(op.f("ix_case_file_person_id"), "case_file", ["person_id"], unique=False)
    op.create_index("ix_case_file_state_due", "case_file", ["state", "due_on"], unique=False)
    op.create_table(
        "loan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_no", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("annual_rate_millipct", sa.Integer(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("repayment_method", sa.String(length=2), nullable=False),
        sa.Column("monthly_payment_fen", sa.Integer(), nullable=False),
        sa.Column("outstanding_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("home_kind", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("loan_no"),
    )
    op.create_index(op.f("ix_loan_person_id"), "loan", ["person_id"], unique=False)
    op.create_table(
        "personal_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_no", sa.String(length=12), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("balance_fen", sa.Integer(), nullable=False),
        sa.Column("deposit_base_fen", sa.Integer(), nullable=False),
        sa.Column("personal_rate_pct", sa.Integer(), nullable=False),
        sa.Column("employer_rate_pct", sa.Integer(), nullable=False),
        sa.Column("monthly_deposit_fen", sa.Integer(), nullable=False),
        sa.Column("deposit_months_total", sa.Integer(), nullable=False),
        sa.Column("last_deposit_month", sa.Date(), nullable=True),
        sa.Column("bank_card_no", sa.String(length=19), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_personal_account_account_no"), "personal_account", ["account_no"], unique=True)
    op.create_index(op.f("ix_personal_account_employer_id"), "personal_account", ["employer_id"], unique=False)
    op.create_index(op.f("ix_personal_account_person_id"), "personal_account", ["person_id"], unique=False)
    op.create_table(
        "registry_fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_registry_fact_person_kind", "registry_fact", ["person_id", "kind"], unique=False)
    op.create_table(
        "archive_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("original_key", sa.String(length=80), nullable=False),
        sa.Column("flat_key", sa.String(length=80), nullable=True),
        sa.Column("thumb_key", sa.String(length=80), nullable=True),
        sa.Column("text_key", sa.String(length=80), nullable=True),
        sa.Column("words_key", sa.String(length=80), nullable=True),
        sa.Column("width_px", sa.Integer(), nullable=False),
        sa.Column("height_px", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Float(), nullable=True),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("ocr_confidence", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["archive_document.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "page_no", name="uq_archive_page_document_page"),
    )
    op.create_index(op.f("ix_archive_page_document_id"), "archive_page", ["document_id"], unique=False)
    op.create_index(op.f("ix_archive_page_original_key"), "archive_page", ["original_key"], unique=False)
    op.create_table(
        "case_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("material", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fact_kind", sa.String(length=30), nullable=True),
        sa.Column("source", sa.String(length=30), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason_key", sa.String(length=80), nullable=True),
        sa.Column("promised_on", sa.Date(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "material", name="uq_case_material"),
    )
    op.create_index(op.f("ix_case_material_case_id"), "case_material", ["case_id"], unique=False)
    op.create_table(
        "case_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_case_transition_case_id"), "case_transition", ["case_id"], unique=False)
    op.create_table(
        "deposit_ledger",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("business_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["personal_account.id"],
        ),
        sa.PrimaryKeyConstraint("account_id", "period"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "withdrawal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=2), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["personal_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_withdrawal_account_date", "withdrawal", ["account_id", "withdrawn_on"], unique=False)
    dialect = op.get_bind().dialect.name
    for name in APPEND_ONLY_TABLES:
        for statement in append_only_ddl(name, dialect):
            op.execute(statement)
    for statement in index_ddl(dialect) if dialect == "sqlite" else PREVIOUS_PG_INDEX_DDL:
        op.execute(statement)


def downgrade() -> None:
    """There is no release before the first: a downgrade past it is refused."""
    raise NotImplementedError("0001 is the first revision")

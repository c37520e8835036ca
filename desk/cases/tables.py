"""The tables of cases: the case, its materials, its transitions (append-only), the papers its
submission spared or took, the case-number counter and the attempts of the public progress inquiry.

Times are aware (UTC in the database), like the access log; money is integer fen.
The table is called `case_file` because CASE is an SQL keyword.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from desk.db import refuse_changes
from desk.security.halls import HEAD_OFFICE


class Case(SQLModel, table=True):
    """One business case of one customer; `version` guards every change (optimistic locking)."""

    __tablename__ = "case_file"
    __table_args__ = (Index("ix_case_file_state_due", "state", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    # e.g. DL2026-000123, given when the case is first submitted: a draft has none and is never public
    case_no: str | None = Field(default=None, max_length=20, unique=True, index=True)
    # made when the draft opens; the submitting transaction finds the case by it, so a retry returns it
    submission_key: str | None = Field(default=None, max_length=36, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    business_code: str = Field(max_length=8, index=True)
    review_mode: str = Field(max_length=12)  # decide_first | pay_first (an overridden or flagged case decides first)
    state: str = Field(max_length=12)
    version: int = 1
    declared: str = Field(
        default="", max_length=300, sa_column_kwargs={"server_default": ""}
    )  # the customer's declarations, comma-separated
    amount_fen: int | None = None  # requested amount, when the business has one
    amount_limit_fen: int | None = None  # the most the rules allowed when the amount was last set
    payee_card: str | None = Field(default=None, max_length=19)  # the bank card the money goes to
    payee_kind: str | None = Field(default=None, max_length=12)  # joint_card | other_card
    paid_at: datetime | None = None  # when the withdrawal was posted to the account
    override_by: str | None = Field(default=None, max_length=64)  # the supervisor who overrode failed rules
    override_reason: str | None = Field(default=None, max_length=500)
    override_rules: str | None = Field(default=None, max_length=300)  # the rules overridden, comma-separated
    opened_by: str = Field(max_length=64)
    opened_at: datetime
    submitted_by: str | None = Field(default=None, max_length=64)
    submitted_at: datetime | None = None
    due_on: date | None = None
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = None
    sampled_for_review: bool | None = None  # pay-first cases: drawn for post-review when paid
    clawback_fen: int | None = None
    clawback_reason: str | None = Field(default=None, max_length=500)
    looked_up_at: datetime | None = None  # the opener's lookup of the customer just before the case opened
    counter_seconds: int | None = None  # from that lookup to the first submission: the customer's time at the counter
    # the hall of the clerk who first submitted it (desk/security/halls.toml); the head office before halls
    hall: str = Field(default=HEAD_OFFICE, max_length=16, sa_column_kwargs={"server_default": HEAD_OFFICE})


class CaseMaterial(SQLModel, table=True):
    """One material of a case: how it stands (proven by data, missing, captured, deferred on a promise …)."""

    __tablename__ = "case_material"
    __table_args__ = (UniqueConstraint("case_id", "material", name="uq_case_material"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    material: str = Field(max_length=8)  # M01 … (the checklist item's code)
    status: str = Field(max_length=16)  # proven | missing | not_applicable | unknown | captured | deferred
    fact_kind: str | None = Field(default=None, max_length=30)
    source: str | None = Field(default=None, max_length=30)
    as_of: datetime | None = None
    reason_key: str | None = Field(default=None, max_length=80)
    promised_on: date | None = None  # 容缺: the date the customer promised to bring it by
    document_id: int | None = None  # the archived document once captured (no foreign key: archive owns it)
    flags: str | None = Field(default=None, max_length=300)  # what capture flagged on the pages, comma-separated
    flag_reason: str | None = Field(default=None, max_length=500)  # why the clerk accepted them all the same
    updated_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime | None = None


class CaseTransition(SQLModel, table=True):
    """One step of a case: who moved it from which state to which, when, and why. Never changed."""

    __tablename__ = "case_transition"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    action: str = Field(max_length=20)
    from_state: str | None = Field(default=None, max_length=12)  # None for the opening step
    to_state: str = Field(max_length=12)
    actor: str = Field(max_length=64)
    actor_role: str = Field(max_length=20)
    at: datetime
    comment: str = Field(default="", max_length=1000)


class CasePaper(SQLModel, table=True):
    """One material of a submitted case as the submission left it: proven by data (the paper the
    customer did not have to bring), captured at the counter, or promised (容缺). Written by the
    submitting transaction; a resubmission writes the case's rows again."""

    __tablename__ = "case_paper"
    __table_args__ = (UniqueConstraint("case_id", "material", name="uq_case_paper"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    material: str = Field(max_length=8)
    outcome: str = Field(max_length=12)  # proven | captured | deferred
    pages: int | None = None  # proven, deferred: the catalog's usual count; captured: the pages archived
    recorded_at: datetime


class CaseNumberCounter(SQLModel, table=True):
    """The last case number issued per prefix and year (one row, updated atomically)."""

    __tablename__ = "case_number_counter"

    prefix: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True)
    last_value: int = 0


class InquiryAttempt(SQLModel, table=True):
    """Progress-inquiry attempts of one key (`addr:<address>` or `case:<number>`) in the current window."""

    __tablename__ = "inquiry_attempt"

    key: str = Field(primary_key=True, max_length=120)
    window_start: datetime
    attempts: int = 0


refuse_changes(CaseTransition.__table__)  # type: ignore[attr-defined]  # SQLModel sets it, undeclared

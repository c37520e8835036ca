"""What the centre already knows, as tables: people, employers, accounts, ledger, withdrawals,
loans and registry facts.

Money is integer fen (1 yuan = 100 fen) so sums are exact; dates are `date`. Status and reason
codes are the 2-digit codes of domain.md §4 (labels in `desk/i18n/records.toml`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# Personal account numbers (个人账号) are 12 digits, so they never look like a 15- or 18-digit ID.
ACCOUNT_NO_LENGTH = 12


class Person(SQLModel, table=True):
    """A depositor as the centre registered them."""

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_name_phone", "name", "phone"),)

    id: int | None = Field(default=None, primary_key=True)
    id_number: str = Field(max_length=18, unique=True, index=True)  # always the 18-character form
    name: str = Field(max_length=40)
    phone: str = Field(max_length=20)
    sex: str = Field(max_length=1)  # "M" or "F"
    birth_date: date
    address: str = Field(max_length=200)


class Employer(SQLModel, table=True):
    """An employer (单位) with its unit account and unified social credit code."""

    __tablename__ = "employer"

    id: int | None = Field(default=None, primary_key=True)
    unit_account: str = Field(max_length=20, unique=True, index=True)
    name: str = Field(max_length=100)
    credit_code: str = Field(max_length=18, index=True)  # stored as received; may fail its check
    status: str = Field(max_length=2, default="01")  # employer account status, domain.md §4
    district_code: str = Field(max_length=6)
    opened_on: date


class PersonalAccount(SQLModel, table=True):
    """A personal provident fund account (个人账户)."""

    __tablename__ = "personal_account"

    id: int | None = Field(default=None, primary_key=True)
    account_no: str = Field(max_length=ACCOUNT_NO_LENGTH, unique=True, index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    employer_id: int | None = Field(default=None, foreign_key="employer.id", index=True)
    status: str = Field(max_length=2)  # 00 登记 · 01 正常 · 02 封存 · 03/04/05 销户 · 06 冻结 · 99
    status_since: date
    opened_on: date
    balance_fen: int
    deposit_base_fen: int
    personal_rate_pct: int
    employer_rate_pct: int
    monthly_deposit_fen: int  # both sides together
    deposit_months_total: int  # months with a deposit since the account opened
    last_deposit_month: date | None = None
    bank_card_no: str = Field(max_length=19)  # joint card (联名卡)
    # the balance brought forward before the oldest ledger row kept here (older history and interest):
    # balance = brought forward + deposits - withdrawals + claw-backs, which `desk reconcile` checks
    brought_forward_fen: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class DepositEntry(SQLModel, table=True):
    """One month of the deposit ledger; clustered by account and month (WITHOUT ROWID on SQLite)."""

    __tablename__ = "deposit_ledger"
    __table_args__ = {"sqlite_with_rowid": False}

    account_id: int = Field(foreign_key="personal_account.id", primary_key=True)
    period: date = Field(primary_key=True)  # first day of the month paid for
    amount_fen: int
    business_code: str = Field(max_length=2, default="01")  # 01 汇缴 · 02 补缴 …


class Withdrawal(SQLModel, table=True):
    """A withdrawal (提取) with its 2-digit reason code, or the claw-back (追回) of one.

    A row made by the desk carries the case number that paid it; a case has at most one row of
    each kind (the unique index), so a retried or concurrent payment can never post twice.
    """

    __tablename__ = "withdrawal"
    __table_args__ = (
        Index("ix_withdrawal_account_date", "account_id", "withdrawn_on"),
        Index("uq_withdrawal_case_kind", "case_no", "kind", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="personal_account.id")
    reason_code: str = Field(max_length=2)
    amount_fen: int  # always positive; a claw-back adds it back to the balance
    withdrawn_on: date
    kind: str = Field(
        default="withdrawal",
        max_length=10,  # withdrawal | clawback
        sa_column_kwargs={"server_default": "withdrawal"},
    )
    case_no: str | None = Field(default=None, max_length=20)
    posted_by: str | None = Field(default=None, max_length=64)
    posted_at: datetime | None = None


class Loan(SQLModel, table=True):
    """A provident fund housing loan of the centre."""

    __tablename__ = "loan"

    id: int | None = Field(default=None, primary_key=True)
    loan_no: str = Field(max_length=20, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    amount_fen: int
    annual_rate_millipct: int  # 3.075 % is 3075
    term_months: int
    issued_on: date
    repayment_method: str = Field(max_length=2)  # 01 等额本息 · 02 等额本金 · …
    monthly_payment_fen: int
    outstanding_fen: int
    status: str = Field(max_length=10)  # "open" or "settled"
    home_kind: str = Field(max_length=10)  # "first" or "second"


class RegistryFact(SQLModel, table=True):
    """A fact a registry holds about a person, with its source and as-of time.

    `kind` and `source` are codes of `registry_sources.toml`; `payload` holds the values, shaped
    so that yes/no questions are one key away (see registries.py for each kind's keys).
    """

    __tablename__ = "registry_fact"
    __table_args__ = (Index("ix_registry_fact_person_kind", "person_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    kind: str = Field(max_length=30)
    source: str = Field(max_length=30)
    as_of: datetime
    payload: dict = Field(
        default_factory=dict, sa_column=Column(JSON().with_variant(JSONB(), "postgresql"), nullable=False)
    )

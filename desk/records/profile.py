"""The customer profile: everything the centre knows about one person, as plain frozen dataclasses.

`load_profile(session, person_id)` reads the person, account, employer, the last 24 months of
deposits, withdrawals (each with the date the next one of the same reason is allowed), loans
and every registry answer. Raw ID and phone numbers are present: masking is the caller's job
(`desk.security.masking.mask_dataclass`). No ORM object leaves this module.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Select, bindparam, select
from sqlmodel import Session, col

from desk.i18n import t
from desk.money import Money
from desk.records.calendar_months import add_months, month_start, months_between
from desk.records.registries import RegistryAnswer, RegistryDirectory, default_directory
from desk.records.tables import DepositEntry, Employer, Loan, Person, PersonalAccount, Withdrawal
from desk.validators import check_bank_card, check_credit_code

LEDGER_MONTHS = 24
RULES_PATH = Path(__file__).with_name("rules.toml")


class CustomerNotFound(LookupError):
    """No person with this id."""


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    if hasattr(value, "to_json"):
        return value.to_json()
    if dataclasses.is_dataclass(value):
        names = [item.name for item in dataclasses.fields(value)] + list(getattr(value, "JSON_LABELS", ()))
        return {name: _json(getattr(value, name)) for name in names}
    return value


@dataclass(frozen=True)
class PersonInfo:
    """Identity as the centre registered it."""

    person_id: int
    id_number: str
    name: str
    sex: str
    birth_date: date
    age: int
    phone: str
    address: str


@dataclass(frozen=True)
class EmployerInfo:
    """The employer of the account; `credit_code_problem` is a message key when the code fails its check."""

    UNMASKED: ClassVar[tuple[str, ...]] = ("name",)  # an organisation's name is not personal data
    JSON_LABELS: ClassVar[tuple[str, ...]] = ("status_label",)

    unit_account: str
    name: str
    credit_code: str
    credit_code_problem: str | None
    status_code: str

    @property
    def status_label(self) -> str:
        """The employer account status in the current language."""
        return t(f"records.employer_status.{self.status_code}")


@dataclass(frozen=True)
class AccountInfo:
    """The personal account; money in fen. `consecutive_months` counts unbroken deposit months up to now."""

    JSON_LABELS: ClassVar[tuple[str, ...]] = ("status_label",)

    account_no: str
    status_code: str
    status_since: date
    opened_on: date
    balance_fen: int
    deposit_base_fen: int
    personal_rate_pct: int
    employer_rate_pct: int
    monthly_deposit_fen: int
    deposit_months_total: int
    consecutive_months: int
    last_deposit_month: date | None
    bank_card_no: str
    bank_card_warning: str | None  # a message key when the card fails Luhn (a warning, not a refusal)

    @property
    def status_label(self) -> str:
        """The account status (domain.md §4) in the current language."""
        return t(f"records.account_status.{self.status_code}")

    @property
    def balance(self) -> Decimal:
        """The balance in yuan."""
        return Money(self.balance_fen).yuan


@dataclass(frozen=True)
class DepositMonth:
    """One month of the deposit ledger."""

    period: date
    amount_fen: int
    business_code: str


@dataclass(frozen=True)
class WithdrawalInfo:
    """A withdrawal and the first day a withdrawal of the same reason is allowed again (None: no interval)."""

    JSON_LABELS: ClassVar[tuple[str, ...]] = ("reason_label",)

    withdrawn_on: date
    reason_code: str
    amount_fen: int
    next_allowed_on: date | None
    kind: str = "withdrawal"  # withdrawal | clawback (money put back after a failed post-review)
    case_no: str | None = None  # the desk's case that paid (or clawed back) it

    @property
    def is_clawback(self) -> bool:
        """Whether this row puts money back rather than paying it out."""
        return self.kind == "clawback"

    @property
    def signed_fen(self) -> int:
        """What the row took out of the account (negative for a claw-back)."""
        return -self.amount_fen if self.is_clawback else self.amount_fen

    @property
    def reason_label(self) -> str:
        """The withdrawal reason in the current language."""
        return t(f"records.withdrawal_reason.{self.reason_code}")


@dataclass(frozen=True)
class LoanInfo:
    """A provident fund loan; rate in percent, money in fen."""

    JSON_LABELS: ClassVar[tuple[str, ...]] = ("repayment_method_label",)

    loan_no: str
    amount_fen: int
    annual_rate_pct: Decimal
    term_months: int
    issued_on: date
    repayment_method: str
    monthly_payment_fen: int
    outstanding_fen: int
    status: str
    home_kind: str

    @property
    def repayment_method_label(self) -> str:
        """The repayment method in the current language."""
        return t(f"records.repayment_method.{self.repayment_method}")


@dataclass(frozen=True)
class CustomerProfile:
    """The one-click lookup's answer about one person."""

    person: PersonInfo
    account: AccountInfo | None
    employer: EmployerInfo | None
    deposits: tuple[DepositMonth, ...]
    withdrawals: tuple[WithdrawalInfo, ...]
    next_allowed: dict[str, date]  # withdrawal reason code -> first allowed day of the next one
    loans: tuple[LoanInfo, ...]
    registry: tuple[RegistryAnswer, ...]
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))

    def answer(self, kind: str) -> RegistryAnswer | None:
        """The registry answer for `kind` (None when no source answers for it)."""
        return next((answer for answer in self.registry if answer.kind == kind), None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates ISO, money in fen, rates as strings)."""
        return {item.name: _json(getattr(self, item.name)) for item in dataclasses.fields(self)}


@lru_cache(maxsize=1)
def withdrawal_intervals() -> dict[str, int]:
    """Reason code -> calendar months between withdrawals of that reason (rules.toml)."""
    rules = tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))
    return {code: int(months) for code, months in rules["withdrawal_interval"]["months"].items()}


def next_allowed_date(reason_code: str, withdrawn_on: date) -> date | None:
    """The first day the next withdrawal of `reason_code` is allowed (calendar months, see calendar_months)."""
    months = withdrawal_intervals().get(reason_code)
    return None if months is None else add_months(withdrawn_on, months)


# Statements are built once: building a SQLAlchemy statement costs more than running it on SQLite.
_PERSON_ACCOUNT_EMPLOYER: Select[*tuple[Any, ...]] = (  # more columns than select() has overloads for
    select(
        col(Person.id),
        col(Person.id_number),
        col(Person.name),
        col(Person.sex),
        col(Person.birth_date),
        col(Person.phone),
        col(Person.address),
        col(PersonalAccount.id).label("account_id"),
        col(PersonalAccount.account_no),
        col(PersonalAccount.status),
        col(PersonalAccount.status_since),
        col(PersonalAccount.opened_on),
        col(PersonalAccount.balance_fen),
        col(PersonalAccount.deposit_base_fen),
        col(PersonalAccount.personal_rate_pct),
        col(PersonalAccount.employer_rate_pct),
        col(PersonalAccount.monthly_deposit_fen),
        col(PersonalAccount.deposit_months_total),
        col(PersonalAccount.last_deposit_month),
        col(PersonalAccount.bank_card_no),
        col(Employer.unit_account),
        col(Employer.name).label("employer_name"),
        col(Employer.credit_code),
        col(Employer.status).label("employer_status"),
    )
    .outerjoin(PersonalAccount, col(PersonalAccount.person_id) == col(Person.id))
    .outerjoin(Employer, col(Employer.id) == col(PersonalAccount.employer_id))
    .where(col(Person.id) == bindparam("person_id"))
    .order_by(col(PersonalAccount.opened_on).desc())
    .limit(1)
)
_DEPOSITS = (
    select(col(DepositEntry.period), col(DepositEntry.amount_fen), col(DepositEntry.business_code))
    .where(col(DepositEntry.account_id) == bindparam("account_id"), col(DepositEntry.period) >= bindparam("since"))
    .order_by(col(DepositEntry.period).desc())
    .limit(LEDGER_MONTHS)
)
_WITHDRAWALS = (
    select(
        col(Withdrawal.withdrawn_on),
        col(Withdrawal.reason_code),
        col(Withdrawal.amount_fen),
        col(Withdrawal.kind),
        col(Withdrawal.case_no),
    )
    .where(col(Withdrawal.account_id) == bindparam("account_id"))
    .order_by(col(Withdrawal.withdrawn_on).desc(), col(Withdrawal.id).desc())
)
_LOANS = (
    select(
        col(Loan.loan_no),
        col(Loan.amount_fen),
        col(Loan.annual_rate_millipct),
        col(Loan.term_months),
        col(Loan.issued_on),
        col(Loan.repayment_method),
        col(Loan.monthly_payment_fen),
        col(Loan.outstanding_fen),
        col(Loan.status),
        col(Loan.home_kind),
    )
    .where(col(Loan.person_id) == bindparam("person_id"))
    .order_by(col(Loan.issued_on).desc())
)


def load_profile(
    session: Session, person_id: int, *, today: date | None = None, registries: RegistryDirectory | None = None
) -> CustomerProfile:
    """Everything known about `person_id` (raises CustomerNotFound for an unknown id)."""
    today = today or date.today()
    row = session.execute(_PERSON_ACCOUNT_EMPLOYER, {"person_id": person_id}).first()
    if row is None:
        raise CustomerNotFound(person_id)
    deposits: tuple[DepositMonth, ...] = ()
    withdrawals: tuple[WithdrawalInfo, ...] = ()
    account = None
    if row.account_id is not None:
        deposits = _deposits(session, row.account_id, today)
        withdrawals = _withdrawals(session, row.account_id)
        account = _account_info(row, deposits, today)
    next_allowed: dict[str, date] = {}
    for item in withdrawals:  # newest first: the first of each reason decides
        if item.next_allowed_on and item.reason_code not in next_allowed:
            next_allowed[item.reason_code] = item.next_allowed_on
    directory = registries or default_directory()
    return CustomerProfile(
        person=_person_info(row, today),
        account=account,
        employer=_employer_info(row),
        deposits=deposits,
        withdrawals=withdrawals,
        next_allowed=next_allowed,
        loans=_loans(session, person_id),
        registry=tuple(directory.ask_all(session, person_id)),
    )


def age_on(born: date, today: date) -> int:
    """Full years of someone born on `born`, on `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _person_info(row: Any, today: date) -> PersonInfo:
    born = row.birth_date
    return PersonInfo(row.id, row.id_number, row.name, row.sex, born, age_on(born, today), row.phone, row.address)


def _employer_info(row: Any) -> EmployerInfo | None:
    if row.unit_account is None:
        return None
    return EmployerInfo(
        row.unit_account,
        row.employer_name,
        row.credit_code,
        check_credit_code(row.credit_code).problem,
        row.employer_status,
    )


def _account_info(row: Any, deposits: tuple[DepositMonth, ...], today: date) -> AccountInfo:
    return AccountInfo(
        account_no=row.account_no,
        status_code=row.status,
        status_since=row.status_since,
        opened_on=row.opened_on,
        balance_fen=row.balance_fen,
        deposit_base_fen=row.deposit_base_fen,
        personal_rate_pct=row.personal_rate_pct,
        employer_rate_pct=row.employer_rate_pct,
        monthly_deposit_fen=row.monthly_deposit_fen,
        deposit_months_total=row.deposit_months_total,
        consecutive_months=consecutive_deposit_months(deposits, today),
        last_deposit_month=row.last_deposit_month,
        bank_card_no=row.bank_card_no,
        bank_card_warning=check_bank_card(row.bank_card_no).warning,
    )


def consecutive_deposit_months(deposits: tuple[DepositMonth, ...], today: date) -> int:
    """Unbroken months of deposits ending last month or this month (0 when deposits stopped earlier)."""
    months = sorted({d.period for d in deposits if d.amount_fen > 0}, reverse=True)
    if not months or months_between(months[0], month_start(today)) > 1:
        return 0
    run = 1
    while run < len(months) and months_between(months[run], months[run - 1]) == 1:
        run += 1
    return run


def _deposits(session: Session, account_id: int, today: date) -> tuple[DepositMonth, ...]:
    since = add_months(month_start(today), -LEDGER_MONTHS)
    rows = session.execute(_DEPOSITS, {"account_id": account_id, "since": since})
    return tuple(DepositMonth(*row) for row in rows)


def _withdrawals(session: Session, account_id: int) -> tuple[WithdrawalInfo, ...]:
    return tuple(
        WithdrawalInfo(
            day, reason, amount, None if kind == "clawback" else next_allowed_date(reason, day), kind, case_no
        )
        for day, reason, amount, kind, case_no in session.execute(_WITHDRAWALS, {"account_id": account_id})
    )


def _loans(session: Session, person_id: int) -> tuple[LoanInfo, ...]:
    return tuple(
        LoanInfo(
            row.loan_no,
            row.amount_fen,
            Decimal(row.annual_rate_millipct) / 1000,
            row.term_months,
            row.issued_on,
            row.repayment_method,
            row.monthly_payment_fen,
            row.outstanding_fen,
            row.status,
            row.home_kind,
        )
        for row in session.execute(_LOANS, {"person_id": person_id})
    )

"""What the checklist and the rules read about a customer: the applicant's facts and the spouse's.

`PersonFacts` is a small, detached view built from the records profile (`desk.records.profile`):
the registry answers by kind (proven, not proven or unknown, with source and as-of time) and the
centre's own ledger (account, deposits, withdrawals, loans). The spouse is found through the
marriage registry's spouse ID number; a spouse who is not a depositor here has no facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from desk.records.profile import CustomerProfile, load_profile
from desk.records.registries import UNKNOWN, RegistryAnswer, RegistryDirectory, default_directory
from desk.records.tables import Person

LEDGER_SOURCE = "ledger"  # the centre's own records, shown as such beside the registries


@dataclass(frozen=True)
class AccountFacts:
    """The personal account as the rules need it."""

    account_no: str
    status: str
    status_since: date
    balance_fen: int
    deposit_base_fen: int
    bank_card_no: str | None


@dataclass(frozen=True)
class WithdrawalFacts:
    """One earlier withdrawal."""

    reason_code: str
    amount_fen: int
    withdrawn_on: date


@dataclass(frozen=True)
class LoanFacts:
    """One provident fund loan of the centre."""

    status: str  # open | settled
    amount_fen: int
    outstanding_fen: int
    monthly_payment_fen: int
    issued_on: date


@dataclass(frozen=True)
class PersonFacts:
    """One person's facts, detached from the database."""

    person_id: int
    id_number: str
    name: str
    sex: str
    birth_date: date
    answers: Mapping[str, RegistryAnswer]
    account: AccountFacts | None
    deposit_months: frozenset[date]  # first days of the months with a deposit
    withdrawals: tuple[WithdrawalFacts, ...]
    loans: tuple[LoanFacts, ...]
    loaded_at: datetime

    def answer(self, kind: str) -> RegistryAnswer:
        """The registry answer of `kind` (an unknown answer when the kind was never asked)."""
        found = self.answers.get(kind)
        return found if found is not None else RegistryAnswer(kind, "", UNKNOWN, reason_key="cases.reason.not_asked")

    def payload(self, kind: str) -> dict[str, Any] | None:
        """The newest proven fact's payload of `kind`, or None."""
        answer = self.answers.get(kind)
        return dict(answer.facts[0].payload) if answer is not None and answer.proven else None


@dataclass(frozen=True)
class Household:
    """The applicant, the spouse when the marriage registry names one, and what was declared at the counter.

    `spouse_id_number` is set whenever the registry names a spouse, even one who is not a
    depositor here (then `spouse` is None and the spouse's facts cannot be asked).
    """

    applicant: PersonFacts
    spouse: PersonFacts | None = None
    spouse_id_number: str | None = None
    declared: frozenset[str] = field(default_factory=frozenset)
    today: date = field(default_factory=date.today)

    @property
    def married(self) -> bool:
        """Whether the marriage registry shows the applicant as married."""
        marriage = self.applicant.payload("marriage")
        return bool(marriage) and marriage.get("status") == "married"


def person_facts(profile: CustomerProfile) -> PersonFacts:
    """The facts of a records profile, as the checklist and the rules read them."""
    account = profile.account
    return PersonFacts(
        person_id=profile.person.person_id, id_number=profile.person.id_number, name=profile.person.name,
        sex=profile.person.sex, birth_date=profile.person.birth_date,
        answers={answer.kind: answer for answer in profile.registry if answer.kind},
        account=None if account is None else AccountFacts(
            account.account_no, account.status_code, account.status_since, account.balance_fen,
            account.deposit_base_fen, account.bank_card_no or None),
        deposit_months=frozenset(d.period for d in profile.deposits if d.amount_fen > 0),
        withdrawals=tuple(WithdrawalFacts(w.reason_code, w.amount_fen, w.withdrawn_on) for w in profile.withdrawals),
        loans=tuple(LoanFacts(loan.status, loan.amount_fen, loan.outstanding_fen, loan.monthly_payment_fen,
                              loan.issued_on) for loan in profile.loans),
        loaded_at=profile.as_of,
    )


def load_household(session: Session, person_id: int, *, today: date | None = None, declared: Iterable[str] = (),
                   directory: RegistryDirectory | None = None) -> Household:
    """The applicant `person_id` and, when the marriage registry names one who deposits here, the spouse.

    Raises desk.records.profile.CustomerNotFound for an unknown person.
    """
    today = today or date.today()
    directory = directory or default_directory()
    applicant = person_facts(load_profile(session, person_id, today=today, registries=directory))
    marriage = applicant.payload("marriage") or {}
    spouse_id_number = marriage.get("spouse_id_number") if marriage.get("status") == "married" else None
    spouse = None
    if spouse_id_number:
        spouse_id = session.execute(select(Person.id).where(Person.id_number == spouse_id_number)).scalar()
        if spouse_id is not None:
            spouse = person_facts(load_profile(session, spouse_id, today=today, registries=directory))
    return Household(applicant, spouse, spouse_id_number, frozenset(declared), today)

"""What the checklist and the rules read about a customer: the applicant's facts and the spouse's.

`PersonFacts` wraps the records profile (`desk.records.profile`) with what the rules look up
often: the registry answers by kind (proven, not proven or unknown, with source and as-of time)
and the months with a deposit. The spouse is found through the marriage registry's spouse ID
number; a spouse who is not a depositor here has no facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from desk.records.profile import AccountInfo, CustomerProfile, LoanInfo, WithdrawalInfo, load_profile
from desk.records.registries import UNKNOWN, RegistryAnswer, RegistryDirectory, default_directory
from desk.records.tables import Person

LEDGER_SOURCE = "ledger"  # the centre's own records, shown as such beside the registries


@dataclass(frozen=True)
class PersonFacts:
    """One person's records profile, with its registry answers by kind and its deposit months as a set."""

    profile: CustomerProfile
    answers: Mapping[str, RegistryAnswer]
    deposit_months: frozenset[date]  # first days of the months with a deposit

    @classmethod
    def of(cls, profile: CustomerProfile) -> PersonFacts:
        """The facts of a records profile."""
        return cls(
            profile,
            {answer.kind: answer for answer in profile.registry if answer.kind},
            frozenset(d.period for d in profile.deposits if d.amount_fen > 0),
        )

    @property
    def person_id(self) -> int:
        """The person's id in the records."""
        return self.profile.person.person_id

    @property
    def sex(self) -> str:
        """The sex, M or F."""
        return self.profile.person.sex

    @property
    def birth_date(self) -> date:
        """The date of birth."""
        return self.profile.person.birth_date

    @property
    def account(self) -> AccountInfo | None:
        """The personal account, if any."""
        return self.profile.account

    @property
    def withdrawals(self) -> tuple[WithdrawalInfo, ...]:
        """Earlier withdrawals, newest first."""
        return self.profile.withdrawals

    @property
    def loans(self) -> tuple[LoanInfo, ...]:
        """Provident fund loans of the centre."""
        return self.profile.loans

    @property
    def loaded_at(self) -> datetime:
        """When the profile was read (the as-of time of ledger facts)."""
        return self.profile.as_of

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
        return marriage is not None and marriage.get("status") == "married"


def load_household(
    session: Session,
    person_id: int,
    *,
    today: date | None = None,
    declared: Iterable[str] = (),
    directory: RegistryDirectory | None = None,
) -> Household:
    """The applicant `person_id` and, when the marriage registry names one who deposits here, the spouse.

    Raises desk.records.profile.CustomerNotFound for an unknown person.
    """
    today = today or date.today()
    directory = directory or default_directory()
    applicant = PersonFacts.of(load_profile(session, person_id, today=today, registries=directory))
    marriage = applicant.payload("marriage") or {}
    spouse_id_number = marriage.get("spouse_id_number") if marriage.get("status") == "married" else None
    spouse = None
    if spouse_id_number:
        spouse_id = session.execute(select(col(Person.id)).where(col(Person.id_number) == spouse_id_number)).scalar()
        if spouse_id is not None:
            spouse = PersonFacts.of(load_profile(session, spouse_id, today=today, registries=directory))
    return Household(applicant, spouse, spouse_id_number, frozenset(declared), today)

"""Named stand-ins: how system data proves a paper material, and named conditions that say when a
material is needed at all. The catalog refers to both by name.

A stand-in is either a registry fact (a kind, plus a test on its newest payload) or a fact of the
centre's own ledger. Where a business lets the spouse's facts count, a registry stand-in says
whether one of the couple suffices (`any`: a home in either name) or both must hold (`all`: neither
owns a home). A source that is down yields *unknown*, never *proven*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desk.cases.household import LEDGER_SOURCE, Household, PersonFacts
from desk.records.registries import PROVEN, UNKNOWN

PROVEN_STATUS, NOT_PROVEN, UNKNOWN_STATUS = "proven", "not_proven", "unknown"


@dataclass(frozen=True)
class Proof:
    """What one stand-in showed: status, the fact and its source and time, whose fact, why."""

    status: str  # proven | not_proven | unknown
    kind: str | None = None
    source: str | None = None
    as_of: datetime | None = None
    whose: str = "applicant"  # applicant | spouse | household
    reason_key: str = ""
    params: dict[str, Any] = field(default_factory=dict)


Test = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class RegistryStandIn:
    """A registry fact of `kind` whose newest payload passes `test` proves the material."""

    kind: str
    test: Test = lambda payload: True
    household: str = "any"  # any | all: how the spouse's fact counts when the business lets it

    def prove(self, household: Household, *, with_spouse: bool) -> Proof:
        """The proof from the applicant's facts, and the spouse's where they count."""
        own = self._one(household.applicant, "applicant")
        if not with_spouse or not household.married:
            return own
        spouse = (
            self._one(household.spouse, "spouse")
            if household.spouse is not None
            else Proof(NOT_PROVEN, self.kind, whose="spouse", reason_key="cases.reason.spouse_not_on_file")
        )
        if self.household == "all":
            if own.status != PROVEN_STATUS:
                return own
            if spouse.status != PROVEN_STATUS:
                return spouse
            assert own.as_of is not None and spouse.as_of is not None, "a proven fact carries its time (_one)"
            return Proof(
                PROVEN_STATUS,
                self.kind,
                own.source,
                min(own.as_of, spouse.as_of),
                "household",
                "cases.reason.proven_household",
            )
        if own.status == PROVEN_STATUS:
            return own
        if spouse.status == PROVEN_STATUS:
            return spouse
        return own if own.status == UNKNOWN_STATUS or spouse.status != UNKNOWN_STATUS else spouse

    def _one(self, person: PersonFacts, whose: str) -> Proof:
        answer = person.answer(self.kind)
        if answer.status == UNKNOWN:
            return Proof(
                UNKNOWN_STATUS,
                self.kind,
                answer.source or None,
                whose=whose,
                reason_key="cases.reason.source_unavailable",
            )
        if answer.status == PROVEN and self.test(dict(answer.facts[0].payload)):
            return Proof(PROVEN_STATUS, self.kind, answer.source, answer.as_of, whose, "cases.reason.proven")
        key = "cases.reason.fact_does_not_prove" if answer.status == PROVEN else "cases.reason.no_fact"
        return Proof(NOT_PROVEN, self.kind, answer.source, answer.as_of, whose, key)


@dataclass(frozen=True)
class LedgerStandIn:
    """A fact of the centre's own ledger proves the material."""

    test: Callable[[PersonFacts], bool]
    fact: str  # what the ledger shows, for the reason text (cases.ledger_fact.*)

    def prove(self, household: Household, *, with_spouse: bool) -> Proof:
        """The proof from the applicant's ledger (the spouse's ledger never stands in)."""
        person = household.applicant
        if self.test(person):
            return Proof(
                PROVEN_STATUS,
                "ledger",
                LEDGER_SOURCE,
                person.loaded_at,
                "applicant",
                "cases.reason.proven_ledger",
                {"fact": self.fact},
            )
        return Proof(
            NOT_PROVEN,
            "ledger",
            LEDGER_SOURCE,
            person.loaded_at,
            "applicant",
            "cases.reason.ledger_does_not_prove",
            {"fact": self.fact},
        )


StandIn = RegistryStandIn | LedgerStandIn


def _has_items(key: str) -> Test:
    return lambda payload: bool(payload.get(key))


def _invoice_for(purpose: str) -> Test:
    return lambda payload: any(inv.get("purpose") == purpose for inv in payload.get("invoices") or [])


def _equals(key: str, value: object) -> Test:
    return lambda payload: payload.get(key) == value


STAND_INS: dict[str, StandIn] = {
    "identity_verified": RegistryStandIn("identity", _equals("alive", True)),
    "hukou_record": RegistryStandIn("hukou"),
    "marriage_record": RegistryStandIn("marriage", lambda p: p.get("status") not in (None, "unmarried")),
    "joint_card_on_file": LedgerStandIn(lambda p: p.account is not None and bool(p.account.bank_card_no), "card"),
    "purchase_contract_filed": RegistryStandIn("purchase_filing", _has_items("contracts")),
    "resale_contract_filed": RegistryStandIn(
        "purchase_filing", lambda p: any(not c.get("new_build", True) for c in p.get("contracts") or [])
    ),
    "house_invoice": RegistryStandIn("tax", _invoice_for("house")),
    "renovation_invoice": RegistryStandIn("tax", _invoice_for("renovation")),
    "deed_tax_paid": RegistryStandIn("tax", lambda p: (p.get("deed_tax_paid_fen") or 0) > 0),
    "home_registered": RegistryStandIn("property", _has_items("homes")),
    "no_home_registered": RegistryStandIn("property", _equals("owns_home_in_dalian", False), household="all"),
    "mortgage_registered": RegistryStandIn(
        "property", lambda p: any(home.get("mortgaged") for home in p.get("homes") or [])
    ),
    "commercial_loan_reported": RegistryStandIn("credit", _equals("has_commercial_loan", True)),
    "credit_report_obtained": RegistryStandIn("credit"),
    "lease_filed": RegistryStandIn("lease_filing", _has_items("leases")),
    "pension_started": RegistryStandIn("retirement", _equals("retired", True)),
    "complete_disability_assessed": RegistryStandIn("disability", _equals("complete_loss", True)),
    "hukou_cancelled_abroad": RegistryStandIn("hukou", _equals("cancel_reason", "abroad")),
    "death_recorded": RegistryStandIn("identity", _equals("alive", False)),
    "major_disease_diagnosed": RegistryStandIn("medical", _equals("major_disease", True)),
    "medical_costs_settled": RegistryStandIn("medical", lambda p: (p.get("self_paid_fen") or 0) > 0),
    "social_assistance_granted": RegistryStandIn("social_assistance"),
    "student_enrolled": RegistryStandIn("education"),
    "account_sealed": LedgerStandIn(lambda p: p.account is not None and p.account.status_code == "02", "sealed"),
    "own_deposit_base": LedgerStandIn(
        lambda p: p.account is not None and p.account.status_code == "01" and p.account.deposit_base_fen > 0,
        "deposit_base",
    ),
}


@dataclass(frozen=True)
class Applies:
    """Whether a conditional material is needed: True, False (with the reason) or None (cannot tell)."""

    needed: bool | None
    reason_key: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def _married(household: Household) -> Applies:
    answer = household.applicant.answer("marriage")
    if answer.status == UNKNOWN:
        return Applies(None, "cases.reason.source_unavailable")
    marriage = household.applicant.payload("marriage") or {}
    if answer.proven and marriage.get("status") != "married":
        return Applies(False, "cases.reason.not_married", {"marital": marriage.get("status")})
    # married, or no record at all: the certificate (or a pledge of being single) is needed
    return Applies(True)


CONDITIONS: dict[str, Callable[[Household], Applies]] = {
    "married": _married,
}
DECLARED_PREFIX = "declared:"


def applies(condition: str | None, household: Household) -> Applies:
    """Whether a material under `condition` (a named condition or `declared:NAME`) is needed."""
    if condition is None:
        return Applies(True)
    if condition.startswith(DECLARED_PREFIX):
        name = condition.removeprefix(DECLARED_PREFIX)
        if name in household.declared:
            return Applies(True)
        return Applies(False, "cases.reason.not_declared", {"declaration": name})
    return CONDITIONS[condition](household)


def known_condition(condition: str) -> bool:
    """Whether `condition` names a condition of this module (declared ones are checked by the catalog)."""
    return condition.startswith(DECLARED_PREFIX) or condition in CONDITIONS

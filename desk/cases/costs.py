"""Cost measures: what a withdrawal may not exceed, read from system data (the price on the filed
contract, the out-of-pocket medical costs, the tuition …). Named here, chosen in the catalog.

Each measure returns a `Cost`: the amount in fen, the date it dates from (earlier withdrawals of
the same reason since then count against it), and the fact it came from; or None when the data
cannot tell (the source is down or holds nothing), and then the rule says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from desk.cases.household import Household, PersonFacts
from desk.records.calendar_months import add_months


@dataclass(frozen=True)
class Cost:
    """A ceiling from data: `amount_fen`, counted `since` (None: no earlier withdrawals count), from `kind`."""

    amount_fen: int
    since: date | None
    kind: str


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10]) if value else None


def _people(household: Household, with_spouse: bool) -> list[PersonFacts]:
    people = [household.applicant]
    if with_spouse and household.married and household.spouse is not None:
        people.append(household.spouse)
    return people


def newest_contract(household: Household, with_spouse: bool) -> dict | None:
    """The newest filed purchase contract of the applicant (or the spouse's, where it counts)."""
    contracts = [
        c for p in _people(household, with_spouse) for c in (p.payload("purchase_filing") or {}).get("contracts") or []
    ]
    return max(contracts, key=lambda c: str(c.get("signed_on")), default=None)


def _purchase_price(household: Household, with_spouse: bool, months: int) -> Cost | None:
    contract = newest_contract(household, with_spouse)
    if contract is None:
        return None
    return Cost(int(contract["price_fen"]), _as_date(contract.get("signed_on")), "purchase_filing")


def _commercial_loans(household: Household, with_spouse: bool) -> list[dict] | None:
    credit = [p.payload("credit") for p in _people(household, with_spouse)]
    if all(c is None for c in credit):
        return None
    return [loan for c in credit if c for loan in c.get("commercial_loans") or []]


def _down_payment(household: Household, with_spouse: bool, months: int) -> Cost | None:
    price = _purchase_price(household, with_spouse, months)
    loans = _commercial_loans(household, with_spouse)
    if price is None or not loans:
        return None
    newest = max(loans, key=lambda loan: str(loan.get("start_on")))
    return Cost(max(price.amount_fen - int(newest["amount_fen"]), 0), price.since, "credit")


def _pf_loan_outstanding(household: Household, with_spouse: bool, months: int) -> Cost | None:
    open_loans = [loan for loan in household.applicant.loans if loan.status == "open"]
    if not open_loans:
        return None
    return Cost(sum(loan.outstanding_fen for loan in open_loans), None, "ledger")


def _commercial_repaid(household: Household, with_spouse: bool, months: int) -> Cost | None:
    """Instalments paid on commercial loans in the last `months` months (from each loan's start)."""
    loans = _commercial_loans(household, with_spouse)
    if not loans:
        return None
    today, total = household.today, 0
    for loan in loans:
        start = _as_date(loan.get("start_on")) or today
        paid_months = sum(1 for back in range(1, months + 1) if add_months(today, -back) >= start)
        total += paid_months * int(loan.get("monthly_payment_fen") or 0)
    return Cost(total, None, "credit")


def _renovation_invoices(household: Household, with_spouse: bool, months: int) -> Cost | None:
    invoices = [
        inv
        for p in _people(household, with_spouse)
        for inv in (p.payload("tax") or {}).get("invoices") or []
        if inv.get("purpose") == "renovation"
    ]
    if not invoices:
        return None
    since = min(_as_date(inv.get("issued_on")) or household.today for inv in invoices)
    return Cost(sum(int(inv["amount_fen"]) for inv in invoices), since, "tax")


def _medical_self_paid(household: Household, with_spouse: bool, months: int) -> Cost | None:
    medical = household.applicant.payload("medical")
    if not medical or not medical.get("self_paid_fen"):
        return None
    return Cost(int(medical["self_paid_fen"]), _as_date(medical.get("settled_on")), "medical")


def _tuition(household: Household, with_spouse: bool, months: int) -> Cost | None:
    education = household.applicant.payload("education")
    if not education or not education.get("tuition_fen"):
        return None
    return Cost(int(education["tuition_fen"]), _as_date(education.get("enrolled_on")), "education")


COSTS: dict[str, Callable[[Household, bool, int], Cost | None]] = {
    "purchase_price": _purchase_price,
    "down_payment": _down_payment,
    "pf_loan_outstanding": _pf_loan_outstanding,
    "commercial_repaid": _commercial_repaid,
    "renovation_invoices": _renovation_invoices,
    "medical_self_paid": _medical_self_paid,
    "tuition": _tuition,
}

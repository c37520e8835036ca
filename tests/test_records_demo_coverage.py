"""The demo data cover every business of the catalog, judged by the cases checklist itself.

For each business, the seeded demo customers (1000, seed 1) include one whose every data-provable
material is proven by data and who is eligible (for an account-closing business: one whose closing
withdrawal is still to do), and one who is not eligible. A business without eligibility rules
(FW101, FW103, FW104 today) cannot have an ineligible customer: there everybody is eligible.

The data are the same on SQLite and PostgreSQL (test_records_demo_reproducible.py), so this scan
runs on SQLite only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import pytest

from desk.cases.catalog import get_catalog
from desk.cases.checklist import NOT_APPLICABLE, PROVEN, Checklist, build_checklist
from desk.cases.household import load_household
from desk.db import init_db, make_engine, session_scope
from desk.records.demo_data import seed_database

AS_OF = date(2026, 11, 16)
CUSTOMERS = 1000


@dataclass
class Tally:
    """What the scan found for one business."""

    complete_and_eligible: list[int]  # person ids: every data-provable material proven, every rule passed
    pending_closure: list[int]  # of those, for a closing business: no withdrawal of its reason yet
    ineligible: int = 0
    customers: int = 0


def _all_provable_proven(checklist: Checklist) -> bool:
    """Every material that system data can prove (and that is needed) is proven."""
    catalog = get_catalog()
    provable = [
        item
        for need, item in zip(checklist.business.materials, checklist.items, strict=True)
        if catalog.stand_ins_for(need) and item.status != NOT_APPLICABLE
    ]
    return bool(provable) and all(item.status == PROVEN for item in provable)


@pytest.fixture(scope="module")
def tallies(tmp_path_factory) -> dict[str, Tally]:
    """Every business's checklist for every demo customer, tallied."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('coverage') / 'desk.sqlite3'}")
    init_db(engine)
    seed_database(engine, customers=CUSTOMERS, seed=1, as_of=AS_OF)
    catalog = get_catalog()
    found: dict[str, Tally] = defaultdict(lambda: Tally([], []))
    with session_scope(engine) as session:
        for person_id in range(1, CUSTOMERS + 1):
            household = load_household(session, person_id, today=AS_OF)
            for code, business in catalog.business.items():
                checklist, tally = build_checklist(catalog, code, household), found[code]
                tally.customers += 1
                tally.ineligible += not checklist.eligible
                if checklist.eligible and _all_provable_proven(checklist):
                    tally.complete_and_eligible.append(person_id)
                    withdrawn = {w.reason_code for w in household.applicant.withdrawals}
                    if business.closes_account and business.reason_code not in withdrawn:
                        tally.pending_closure.append(person_id)
    engine.dispose()
    return dict(found)


@pytest.mark.parametrize("code", sorted(get_catalog().business))
def test_every_business_has_a_complete_eligible_customer_and_an_ineligible_one(tallies, code):
    business, tally = get_catalog().business[code], tallies[code]
    assert tally.customers == CUSTOMERS
    assert tally.complete_and_eligible, f"{code}: nobody has every data-provable material proven and is eligible"
    if business.closes_account:
        assert tally.pending_closure, f"{code}: every complete, eligible customer has withdrawn already"
    if business.rules:
        assert tally.ineligible, f"{code}: every demo customer is eligible"
    else:  # no rule can fail, so nobody is ineligible: state what is true
        assert tally.ineligible == 0


def test_the_requested_varieties_are_there_in_numbers(tallies):
    """The varieties the cases engineer asked for: a few each, not a lucky single customer."""
    assert len(tallies["TQ603"].complete_and_eligible) >= 2  # assisted, child at college, all proven
    assert len(tallies["TQ604"].pending_closure) >= 3  # complete loss, account sealed, not yet withdrawn
    assert len(tallies["TQ304"].pending_closure) >= 3  # deceased, account sealed, heirs not yet come

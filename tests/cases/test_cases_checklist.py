"""The checklist on real data: every business over the seeded demo customers (table-driven), the
spouse's facts, sources that do not answer, conditions, and `desk checklist --json`."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

import pytest
from case_people import DEMO_CUSTOMERS, DEMO_TODAY, add_customer, hukou, identity, married_to, owns_home
from sqlalchemy import select

from desk.cases.catalog import get_catalog
from desk.cases.checklist import NOT_APPLICABLE, PROVEN, STATUSES, UNKNOWN, build_checklist, checklist_for
from desk.cases.commands import checklist_command
from desk.cases.household import load_household
from desk.db import session_scope
from desk.i18n import use_language
from desk.money import Money
from desk.records.registries import default_directory
from desk.security.access_log import AccessLog


@pytest.fixture(scope="module")
def demo_checklists(demo_engine):
    """Every business's checklist for every demo customer: business code -> list of checklists."""
    catalog, found = get_catalog(), defaultdict(list)
    with session_scope(demo_engine) as session:
        for person_id in range(1, DEMO_CUSTOMERS + 1):
            household = load_household(session, person_id, today=DEMO_TODAY)
            for code in catalog.business:
                found[code].append(build_checklist(catalog, code, household))
    return found


def _provable(code: str) -> set[str]:
    """The materials of `code` that system data can prove, the ID card left out where there are others."""
    catalog = get_catalog()
    business = catalog.business[code]
    codes = {need.code for need in business.materials if catalog.stand_ins_for(need)}
    return codes - {"M01"} if codes - {"M01"} else codes


@pytest.mark.parametrize("code", sorted(get_catalog().business))
def test_each_business_has_customers_with_materials_proven_by_data_and_without(demo_checklists, code):
    checklists = demo_checklists[code]
    provable = _provable(code)
    with_data = [c for c in checklists if any(i.status == PROVEN and i.material in provable for i in c.items)]
    without = [c for c in checklists if any(i.to_capture and i.material in provable for i in c.items)]
    assert with_data, f"{code}: no demo customer has a material proven by data"
    assert without, f"{code}: every demo customer has everything proven"
    proven = next(i for i in with_data[0].items if i.status == PROVEN and i.material in provable)
    assert proven.source and proven.as_of is not None and proven.fact_kind
    for checklist in checklists[:50]:
        totals = checklist.totals
        assert totals["required"] == totals["proven"] + totals["to_capture"]
        assert totals["required"] + totals["not_applicable"] == len(checklist.items)
        assert all(item.status in STATUSES for item in checklist.items)


def test_the_demo_data_makes_some_customers_eligible_and_others_not(demo_checklists):
    for code in ("TQ401", "TQ201", "TQ301", "DK101", "TQ501"):
        verdicts = {c.eligible for c in demo_checklists[code]}
        assert verdicts == {True, False}, code


def test_a_source_that_does_not_answer_yields_unknown_never_proven(demo_engine):
    down = default_directory(unavailable=["mps_population", "real_estate"])
    with session_scope(demo_engine) as session:
        for person_id in (1, 2, 3, 50, 400):
            checklist = checklist_for(session, person_id, "TQ203", today=DEMO_TODAY, directory=down)
            items = {item.material: item for item in checklist.items}
            assert items["M01"].status == UNKNOWN and items["M08"].status in (UNKNOWN, NOT_APPLICABLE)
            assert items["M01"].reason_key == "cases.reason.source_unavailable"
            assert checklist.totals["to_capture"] >= 2 and checklist.totals["unknown"] >= 2


def _items(session, person_id, code, **kwargs):
    checklist = checklist_for(session, person_id, code, today=DEMO_TODAY, **kwargs)
    return {item.material: item for item in checklist.items}, checklist


def test_the_spouse_facts_count_where_the_business_says_so(engine):
    with session_scope(engine) as session:
        spouse = add_customer(
            session,
            today=DEMO_TODAY,
            name="曲丽",
            sex="F",
            facts={"property": owns_home(True), "retirement": {"retired": True, "retired_on": "2025-01-01"}},
        )
        applicant = add_customer(
            session,
            today=DEMO_TODAY,
            facts={
                "identity": identity(),
                "marriage": married_to(spouse),
                "property": owns_home(False),
                "retirement": {"retired": False, "retired_on": None},
            },
        )
        repay, _ = _items(session, applicant.id, "TQ203")  # spouse_facts: a home in either name
        assert repay["M08"].status == PROVEN and repay["M08"].whose == "spouse"
        assert repay["M03"].status == PROVEN
        rent, checklist = _items(session, applicant.id, "TQ401")  # no home: both must own none
        assert rent["M11"].status == "missing" and rent["M11"].whose == "spouse"
        assert not next(r for r in checklist.rules if r.rule == "no_home_dalian").passed
        retire, _ = _items(session, applicant.id, "TQ301")  # the spouse's retirement is not the applicant's
        assert retire["M12"].status == "missing"


def test_no_home_is_proven_for_the_couple_only_when_both_own_none(engine):
    with session_scope(engine) as session:
        spouse = add_customer(session, today=DEMO_TODAY, sex="F", facts={"property": owns_home(False)})
        applicant = add_customer(
            session,
            today=DEMO_TODAY,
            facts={"marriage": married_to(spouse), "property": owns_home(False), "hukou": hukou("金州区")},
        )
        rent, checklist = _items(session, applicant.id, "TQ401")
        assert rent["M11"].status == PROVEN and rent["M11"].whose == "household"
        assert checklist.eligible, [r.reason("en") for r in checklist.rules if not r.passed]
        assert next(r for r in checklist.rules if r.rule == "rent_cap").limit_fen == 1_800_000
        stranger = add_customer(
            session,
            today=DEMO_TODAY,
            facts={"marriage": married_to(None, "210202199001011237"), "property": owns_home(False)},
        )
        rent, _ = _items(session, stranger.id, "TQ401")  # the spouse is no depositor here: their paper
        assert rent["M11"].status == "missing" and rent["M11"].reason_key == "cases.reason.spouse_not_on_file"


def test_conditions_make_materials_not_applicable_with_the_reason(engine):
    with session_scope(engine) as session:
        single = add_customer(
            session,
            today=DEMO_TODAY,
            facts={
                "marriage": {"status": "unmarried", "spouse_id_number": None},
                "property": owns_home(False),
                "lease_filing": {
                    "leases": [{"filing_no": "Z1", "monthly_rent_fen": 150_000, "start_on": "2026-01-01"}]
                },
            },
        )
        plain, checklist = _items(session, single.id, "TQ401")
        assert plain["M03"].status == NOT_APPLICABLE and plain["M10"].status == NOT_APPLICABLE
        with use_language("en"):
            assert "unmarried" in plain["M03"].reason() and "actual rent" in plain["M10"].reason()
        assert checklist.totals == {
            "required": 2,
            "proven": 1,
            "to_capture": 1,
            "unknown": 0,
            "not_applicable": 2,
        }  # M01: no identity fact stored for this customer
        declared, _ = _items(session, single.id, "TQ401", declared={"actual_rent"})
        assert declared["M10"].status == PROVEN and declared["M10"].source == "housing_filing"


def _args(**values) -> argparse.Namespace:
    defaults = {
        "json": True,
        "declare": None,
        "amount": None,
        "term": None,
        "lang": "en",
        "staff": "clerk1",
        "purpose": "test",
    }
    return argparse.Namespace(**{**defaults, **values})


def test_checklist_command_prints_json_and_logs_the_access(engine, capsys):
    with session_scope(engine) as session:
        person = add_customer(session, today=DEMO_TODAY, facts={"identity": identity(), "property": owns_home(False)})
        id_number = person.id_number
    assert checklist_command(_args(id_number=id_number, business="tq401", amount=Money.parse("5000"))) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"business", "eligible", "rules", "items", "totals"} <= set(data) and data["business"] == "TQ401"
    assert isinstance(data["eligible"], bool)
    for item in data["items"]:
        assert {"material", "status", "source", "as_of", "reason"} <= set(item)
        assert item["status"] in STATUSES
    m01 = next(item for item in data["items"] if item["material"] == "M01")
    assert m01["status"] == "proven" and m01["source"] == "mps_population" and m01["as_of"].startswith("2026-11-01")
    assert data["totals"]["required"] == 3 and data["customer"]["id_number"].startswith("2102**")
    assert any(rule["rule"] == "rent_cap" and rule["passed"] for rule in data["rules"])
    with session_scope(engine) as session:
        log = session.execute(select(AccessLog).where(AccessLog.action == "checklist")).scalars().all()
        assert [(row.staff, row.person_id) for row in log] == [("clerk1", person.id)]


def test_checklist_command_refuses_bad_input_with_a_message(engine, capsys):
    assert checklist_command(_args(id_number="210202198805170012", business="TQ401")) == 2
    assert "check" in capsys.readouterr().err.lower()
    assert checklist_command(_args(id_number="11010519491231002X", business="TQ401")) == 1
    assert capsys.readouterr().err.strip()
    assert checklist_command(_args(id_number="11010519491231002X", business="TQ999")) == 2
    assert "TQ999" in capsys.readouterr().err
    assert checklist_command(_args(id_number="11010519491231002X", business="TQ401", declare=["cheap"])) == 2
    assert "cheap" in capsys.readouterr().err

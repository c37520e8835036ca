"""Demo data: deterministic, valid numbers, enough variety for every business, safe to call twice."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from desk.db import session_scope
from desk.records.calendar_months import months_between
from desk.records.demo_data import database_is_empty, seed_database
from desk.records.demo_generator import CHUNK_SIZE, COLUMNS, DemoGenerator, demo_config
from desk.records.demo_stream import chunk_stream
from desk.records.tables import Person
from desk.validators import check_bank_card, check_credit_code, check_id_number

TODAY = date(2026, 9, 15)
DALIAN_CODES = {district["code"] for district in demo_config()["districts"]}
DATE_COLUMNS = {"birth_date", "withdrawn_on", "period", "issued_on", "opened_on", "status_since", "last_deposit_month"}


def _as_dict(table: str, row: tuple) -> dict:
    """A generated row as a dict, its ISO date text parsed back into dates."""
    out = dict(zip(COLUMNS[table], row, strict=True))
    for column in DATE_COLUMNS & out.keys():
        out[column] = date.fromisoformat(out[column]) if out[column] else None
    return out


@pytest.fixture(scope="module")
def generated() -> dict[str, list[dict]]:
    """3000 customers drawn without a database, as dicts per table."""
    generator = DemoGenerator(customers=3000, seed=11, as_of=TODAY)
    tables: dict[str, list[dict]] = {"employer": [_as_dict("employer", r) for r in generator.employers()]}
    for index in range(generator.chunk_count):
        for table, rows in generator.chunk(index).rows.items():
            tables.setdefault(table, []).extend(_as_dict(table, row) for row in rows)
    for fact in tables["registry_fact"]:
        fact["payload"] = json.loads(fact["payload"])
    return tables


def test_same_seed_same_data_other_seed_other_data():
    def first_chunk(seed: int) -> dict:
        return DemoGenerator(customers=CHUNK_SIZE + 10, seed=seed, as_of=TODAY).chunk(1).rows

    assert first_chunk(5) == first_chunk(5)
    assert first_chunk(5)["person"] != first_chunk(6)["person"]


def test_worker_process_draws_the_same_chunks():
    settings = {"customers": CHUNK_SIZE + 100, "seed": 9, "as_of": TODAY, "utc_suffix": ""}
    inline = list(chunk_stream(settings, parallel=False))
    assert len(inline) == 2
    assert list(chunk_stream(settings, parallel=True)) == inline


def test_numbers_are_valid_and_local(generated):
    people = generated["person"]
    assert len({p["id_number"] for p in people}) == len(people)
    for person in people:
        check = check_id_number(person["id_number"], today=TODAY)
        assert check.ok, person
        assert person["id_number"][:6] in DALIAN_CODES and check.sex == person["sex"]
        assert 22 <= (TODAY - person["birth_date"]).days // 365 <= 67
        assert len(person["phone"]) == 11 and person["phone"][0] == "1"
        assert "大连市" in person["address"]
    accounts = generated["personal_account"]
    assert len({a["account_no"] for a in accounts}) == len(accounts) and all(
        len(a["account_no"]) == 12 for a in accounts
    )
    luhn_warnings = sum(check_bank_card(a["bank_card_no"]).warning is not None for a in accounts)
    assert 0 < luhn_warnings < len(accounts) * 0.03
    valid = [e["credit_code"] for e in generated["employer"] if check_credit_code(e["credit_code"]).ok]
    assert all(code.startswith("912102") for code in valid)
    assert len(generated["employer"]) * 0.8 < len(valid) < len(generated["employer"]), "a few corrupt on purpose"


def test_money_and_deposit_base_are_in_range(generated):
    conf = demo_config()["accounts"]
    for account in generated["personal_account"]:
        assert conf["deposit_base_min_yuan"] * 100 <= account["deposit_base_fen"] <= conf["deposit_base_max_yuan"] * 100
        assert account["balance_fen"] >= 0 and account["monthly_deposit_fen"] % 100 == 0
    balances = sorted(a["balance_fen"] for a in generated["personal_account"] if a["status"] == "01")
    assert 20_000_00 < balances[len(balances) // 2] < 90_000_00  # median near 50k yuan
    months = Counter(row["account_id"] for row in generated["deposit_ledger"])
    assert max(months.values()) <= demo_config()["accounts"]["ledger_months"]


def test_every_business_has_customers_proven_and_not(generated):
    """Each population a business needs exists, both with a registry fact and without one."""
    facts = {}
    for fact in generated["registry_fact"]:
        facts.setdefault(fact["kind"], {})[fact["person_id"]] = fact["payload"]
    status = Counter(a["status"] for a in generated["personal_account"])
    assert {"01", "02", "05", "06", "00"} <= set(status)
    people = {p["id"] for p in generated["person"]}
    for kind in (
        "hukou",
        "marriage",
        "property",
        "credit",
        "retirement",
        "disability",
        "social_assistance",
        "medical",
        "purchase_filing",
        "lease_filing",
        "tax",
        "education",
    ):
        assert facts.get(kind), f"nobody has a {kind} fact"
        assert people - set(facts[kind]), f"everybody has a {kind} fact"
    assert any(p["owns_home_in_dalian"] for p in facts["property"].values())
    assert any(not p["owns_home_in_dalian"] for p in facts["property"].values())
    assert any(p["has_commercial_loan"] for p in facts["credit"].values())
    assert any(p["retired"] for p in facts["retirement"].values())
    assert any(
        p["status"] == "married" and p["spouse_id_number"] in {q["id_number"] for q in generated["person"]}
        for p in facts["marriage"].values()
    ), "some spouses are customers too"
    assert any(not p["alive"] for p in facts["identity"].values())
    assert any(p["cancel_reason"] == "abroad" for p in facts["hukou"].values())
    assert any(not p["local_to_dalian"] for p in facts["hukou"].values())


def test_ineligible_customers_exist(generated):
    rent = [w for w in generated["withdrawal"] if w["reason_code"] == "07"]
    recent = [w for w in rent if months_between(w["withdrawn_on"], TODAY) < 12]
    five_months = [w for w in rent if months_between(w["withdrawn_on"], TODAY) == 5]
    assert recent and five_months and len(recent) < len(rent), "rent withdrawn within 12 months, and longer ago"
    few_months = [a for a in generated["personal_account"] if 0 < a["deposit_months_total"] < 3]
    assert few_months, "accounts with fewer than 3 deposit months"
    assert any(row["status"] == "open" for row in generated["loan"])
    assert {w["reason_code"] for w in generated["withdrawal"]} >= {"01", "03", "06", "07"}
    month_ends = [w for w in generated["withdrawal"] if (w["withdrawn_on"] + timedelta(days=1)).day == 1]
    assert month_ends, "withdrawals dated on a month's last day"


def test_seed_database_writes_once_on_both_engines(engine):
    assert database_is_empty(engine)
    summary = seed_database(engine, customers=120, seed=3, as_of=TODAY, parallel=True)
    assert summary["customers"] == summary["person"] == summary["personal_account"] == 120
    assert summary["deposit_ledger"] > 120 and summary["registry_fact"] > 120
    assert not database_is_empty(engine)
    assert seed_database(engine, customers=120, seed=3, as_of=TODAY)["skipped"] is True
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Person)).scalar_one() == 120
        session.add(
            Person(
                id_number="110105194912310029",
                name="新客户",
                phone="13800000000",
                sex="F",
                birth_date=date(1949, 12, 31),
                address="北京市",
            )
        )
        session.flush()  # the id sequence was moved past the seeded rows
        payload = session.execute(
            text("SELECT payload FROM registry_fact WHERE kind = 'identity' ORDER BY id LIMIT 1")
        ).scalar_one()
    assert "alive" in (payload if isinstance(payload, dict) else json.loads(payload))


def test_a_failed_seed_leaves_nothing_behind(engine):
    with session_scope(engine) as session:  # an employer row that collides with the first generated one
        session.execute(
            text(
                "INSERT INTO employer (id, unit_account, name, credit_code, status, district_code, "
                "opened_on) VALUES (1, 'X', 'X', 'X', '01', '210202', '2020-01-01')"
            )
        )
    with pytest.raises(IntegrityError):
        seed_database(engine, customers=50, seed=3, as_of=TODAY)
    assert database_is_empty(engine)
    with session_scope(engine) as session:
        assert session.execute(text("SELECT COUNT(*) FROM employer")).scalar_one() == 1


def test_life_events_are_dated_consistently(generated):
    """The deceased stopped depositing before they died and withdrew nothing after; the heirs' claim
    (08) comes after the death; a sealed account after a life event has had no closing withdrawal yet."""
    accounts = {a["person_id"]: a for a in generated["personal_account"]}
    withdrawals: dict[int, list[dict]] = {}
    for w in generated["withdrawal"]:
        withdrawals.setdefault(w["account_id"], []).append(w)
    facts = {(f["person_id"], f["kind"]): f["payload"] for f in generated["registry_fact"]}
    dead = {
        pid: date.fromisoformat(p["died_on"])
        for (pid, kind), p in facts.items()
        if kind == "identity" and not p["alive"]
    }
    assert dead and any(accounts[pid]["status"] == "02" for pid in dead), "deceased depositors, heirs not yet come"
    for pid, died_on in dead.items():
        account = accounts[pid]
        assert account["last_deposit_month"] < died_on < TODAY
        for w in withdrawals.get(pid, []):
            assert (w["reason_code"] == "08") == (w["withdrawn_on"] > died_on), (w, died_on)
        assert (account["status"] == "02") == all(w["reason_code"] != "08" for w in withdrawals.get(pid, []))
    disabled = [pid for (pid, kind) in facts if kind == "disability"]
    pending = [pid for pid in disabled if accounts[pid]["status"] == "02"]
    assert pending, "complete loss of ability to work, account sealed, not yet withdrawn"
    for pid in pending:
        assert all(w["reason_code"] != "04" for w in withdrawals.get(pid, []))
        assert date.fromisoformat(facts[pid, "disability"]["assessed_on"]) < TODAY


def test_some_assisted_parents_have_a_child_at_college(generated):
    conf = demo_config()["facts"]["events"]
    people = {p["id"]: p for p in generated["person"]}
    kinds: dict[int, set[str]] = {}
    for fact in generated["registry_fact"]:
        kinds.setdefault(fact["person_id"], set()).add(fact["kind"])
    assisted = [pid for pid, held in kinds.items() if "social_assistance" in held]
    both = [pid for pid in assisted if "education" in kinds[pid]]
    assert both and len(both) < len(assisted)
    for pid in both:
        age = (TODAY - people[pid]["birth_date"]).days // 365
        assert age >= conf["college_parent_min_age"]

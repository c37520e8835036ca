"""Eligibility rules on their edges: calendar months (29 February, month ends), continuous
deposits, account status, rent caps by district, retirement by social security, amounts within
balance and cost, loan ceiling, term and age limits. Parameters come from the real catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from desk.cases.catalog import get_catalog
from desk.cases.eligibility import Request, evaluate
from desk.cases.household import Household, PersonFacts
from desk.i18n import use_language
from desk.records.calendar_months import add_months
from desk.records.profile import AccountInfo, CustomerProfile, DepositMonth, LoanInfo, PersonInfo, WithdrawalInfo
from desk.records.registries import NOT_PROVEN, PROVEN, UNKNOWN, FactView, RegistryAnswer, source_of_kind

AS_OF = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def answers(facts: dict[str, Any]) -> dict[str, RegistryAnswer]:
    """Registry answers: a payload dict (proven), None (not proven) or "down" (unknown)."""
    out = {}
    for kind, payload in facts.items():
        source = source_of_kind(kind)
        if payload == "down":
            out[kind] = RegistryAnswer(kind, source, UNKNOWN, reason_key="records.registry.unavailable")
        elif payload is None:
            out[kind] = RegistryAnswer(kind, source, NOT_PROVEN)
        else:
            out[kind] = RegistryAnswer(kind, source, PROVEN, (FactView(1, kind, source, AS_OF, payload),), AS_OF)
    return out


def person(
    *,
    today: date,
    status: str = "01",
    status_since: date = date(2015, 1, 1),
    balance: int = 5_000_000,
    base: int = 800_000,
    months: int = 24,
    gap: int | None = None,
    withdrawals=(),
    loans=(),
    facts=None,
    sex: str = "M",
    birth: date = date(1988, 5, 17),
    person_id: int = 1,
) -> PersonFacts:
    """The facts of a records profile built from the arguments (money in fen)."""
    last = add_months(today.replace(day=1), -1)
    deposits = tuple(
        DepositMonth(add_months(last, -back), base * 24 // 100, "01") for back in range(months) if back != gap
    )
    account = AccountInfo(
        "900000000001",
        status,
        status_since,
        date(2015, 1, 1),
        balance,
        base,
        12,
        12,
        base * 24 // 100,
        months,
        months,
        last if months else None,
        "6217001234567890123",
        None,
    )
    info = PersonInfo(person_id, "210202198805170011", "于海洋", sex, birth, 38, "13900000000", "大连市中山区")
    profile = CustomerProfile(
        info, account, None, deposits, tuple(withdrawals), {}, tuple(loans), tuple(answers(facts or {}).values()), AS_OF
    )
    return PersonFacts.of(profile)


def withdrawal(reason: str, amount_fen: int, day: date) -> WithdrawalInfo:
    return WithdrawalInfo(day, reason, amount_fen, None)


def loan(status: str, outstanding_fen: int = 0, issued_on: date = date(2020, 1, 1)) -> LoanInfo:
    return LoanInfo("L1", 50_000_000, Decimal("2.6"), 360, issued_on, "01", 200_000, outstanding_fen, status, "first")


def results(code: str, household: Household, request: Request | None = None) -> dict[str, Any]:
    catalog = get_catalog()
    return {r.rule: r for r in evaluate(catalog, catalog.business[code], household, request or Request())}


# --- 12 calendar months since the last withdrawal of the same kind -----------------------------------


@pytest.mark.parametrize(
    ("last", "today", "passes"),
    [
        (date(2028, 2, 29), date(2029, 2, 27), False),  # leap day: allowed again on 28 Feb, not 1 Mar
        (date(2028, 2, 29), date(2029, 2, 28), True),
        (date(2025, 1, 31), date(2026, 1, 30), False),  # month end
        (date(2025, 1, 31), date(2026, 1, 31), True),
        (date(2025, 3, 31), date(2026, 3, 30), False),
        (date(2025, 3, 31), date(2026, 3, 31), True),
        (date(2025, 11, 17), date(2026, 11, 16), False),  # one day short
        (date(2025, 11, 16), date(2026, 11, 16), True),
        (date(2027, 3, 1), date(2028, 2, 29), False),  # …here 365 days (2028-02-29) would already allow it
        (date(2027, 3, 1), date(2028, 3, 1), True),
    ],
)
def test_interval_counts_calendar_months_not_365_days(last, today, passes):
    applicant = person(
        today=today, withdrawals=[withdrawal("07", 1_000_000, last)], facts={"property": {"owns_home_in_dalian": False}}
    )
    result = results("TQ401", Household(applicant, today=today))["interval_12m"]
    assert result.passed is passes
    assert result.params["next"] == add_months(last, 12)
    with use_language("en"):
        assert str(add_months(last, 12)) in result.reason()


def test_interval_looks_only_at_the_same_kind():
    today = date(2026, 11, 16)
    applicant = person(today=today, withdrawals=[withdrawal("06", 500_000, date(2026, 9, 1))])
    rent = results("TQ401", Household(applicant, today=today))["interval_12m"]
    repay = results("TQ201", Household(applicant, today=today))["interval_12m"]
    assert rent.passed and rent.reason_key == "cases.rule.interval.never"
    assert not repay.passed and repay.params["next"] == date(2027, 9, 1)


# --- continuous deposits, account status ----------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "gap", "key", "passes"),
    [
        (3, None, "cases.rule.deposits.pass", True),
        (2, None, "cases.rule.deposits.fail", False),
        (24, 2, "cases.rule.deposits.fail", False),  # a missed month three months back breaks the run
        (0, None, "cases.rule.deposits.none", False),
    ],
)
def test_continuous_deposits(months, gap, key, passes):
    today = date(2026, 11, 16)
    result = results("TQ401", Household(person(today=today, months=months, gap=gap), today=today))["deposits_3m"]
    assert (result.passed, result.reason_key) == (passes, key)


def test_deposits_that_stopped_fail_even_if_long():
    today = date(2026, 11, 16)
    stopped = person(today=add_months(today, -3), months=24)  # last deposit four months ago
    result = results("DK101", Household(stopped, today=today))["deposits_6m"]
    assert not result.passed and result.reason_key == "cases.rule.deposits.stopped"


@pytest.mark.parametrize(
    ("status", "partial", "closing"),
    [("01", True, True), ("02", False, True), ("06", False, False), ("05", False, False), ("00", False, False)],
)
def test_account_status(status, partial, closing):
    today = date(2026, 11, 16)
    household = Household(person(today=today, status=status), today=today)
    assert results("TQ401", household)["account_normal"].passed is partial
    assert results("TQ301", household)["account_open"].passed is closing
    with use_language("zh-CN"):
        assert "账户状态为" in results("TQ401", household)["account_normal"].reason()


# --- rent caps by district, actual rent -------------------------------------------------------------


@pytest.mark.parametrize(
    ("district", "cap_yuan"),
    [
        ("中山区", 21600),
        ("甘井子区", 21600),
        ("金州区", 18000),
        ("长海县", 18000),
        ("庄河市", 13200),
        ("普兰店区", 13200),
        (None, 21600),
    ],
)
def test_rent_cap_by_district(district, cap_yuan):
    today = date(2026, 11, 16)
    hukou = {"district": district, "local_to_dalian": district is not None}
    household = Household(person(today=today, facts={"hukou": hukou}), today=today)
    assert results("TQ401", household)["rent_cap"].limit_fen == cap_yuan * 100
    at_cap = results("TQ401", household, Request(amount_fen=cap_yuan * 100))["rent_cap"]
    above = results("TQ401", household, Request(amount_fen=cap_yuan * 100 + 1))["rent_cap"]
    assert at_cap.passed and not above.passed
    with use_language("en"):
        assert f"{cap_yuan:,}.00" in above.reason()


def test_actual_rent_needs_the_declaration_and_a_filed_lease():
    today = date(2026, 11, 16)
    lease = {"leases": [{"filing_no": "Z1", "monthly_rent_fen": 250_000, "start_on": "2026-03-01"}]}
    facts = {"hukou": {"district": "庄河市", "local_to_dalian": True}, "lease_filing": lease}
    applicant = person(today=today, facts=facts)
    cap = results("TQ401", Household(applicant, today=today))["rent_cap"]
    actual = results("TQ401", Household(applicant, declared=frozenset({"actual_rent"}), today=today))["rent_cap"]
    assert cap.limit_fen == 1_320_000 and actual.limit_fen == 3_000_000


# --- retirement, amounts -----------------------------------------------------------------------


def test_retirement_is_proven_by_social_security_not_by_age():
    today = date(2026, 11, 16)
    old_not_retired = person(today=today, birth=date(1960, 1, 1), facts={"retirement": {"retired": False}})
    young_retired = person(
        today=today,
        birth=date(1972, 1, 1),
        sex="F",
        facts={"retirement": {"retired": True, "retired_on": "2022-01-01"}},
    )
    source_down = person(today=today, birth=date(1960, 1, 1), facts={"retirement": "down"})
    assert not results("TQ301", Household(old_not_retired, today=today))["retired"].passed
    assert results("TQ301", Household(young_retired, today=today))["retired"].passed
    down = results("TQ301", Household(source_down, today=today))["retired"]
    assert not down.passed and down.reason_key == "cases.rule.fact.unknown"


def test_amount_within_balance_and_closing_takes_everything():
    today = date(2026, 11, 16)
    household = Household(person(today=today, balance=1_234_500), today=today)
    assert results("TQ401", household, Request(amount_fen=1_234_500))["within_balance"].passed
    assert not results("TQ401", household, Request(amount_fen=1_234_501))["within_balance"].passed
    closing = results("TQ301", household)["within_balance"]
    assert closing.passed and closing.limit_fen == 1_234_500 and closing.reason_key == "cases.rule.balance.closing"


def test_purchase_withdrawals_in_total_stay_within_the_price():
    today = date(2026, 11, 16)
    contract = {
        "contracts": [{"contract_no": "W1", "price_fen": 100_000_000, "signed_on": "2026-05-01", "new_build": True}]
    }
    earlier = [withdrawal("01", 30_000_000, date(2026, 6, 1)), withdrawal("01", 9_000_000, date(2025, 1, 1))]
    household = Household(
        person(today=today, balance=90_000_000, withdrawals=earlier, facts={"purchase_filing": contract}), today=today
    )
    price = results("TQ101", household)["within_price"]
    assert price.limit_fen == 70_000_000  # the 2025 withdrawal was before this purchase
    assert results("TQ101", household, Request(amount_fen=70_000_000))["within_price"].passed
    assert not results("TQ101", household, Request(amount_fen=70_000_001))["within_price"].passed
    no_contract = Household(person(today=today, facts={"purchase_filing": None}), today=today)
    unknown = results("TQ101", no_contract)["within_price"]
    assert not unknown.passed and unknown.reason_key == "cases.rule.cost.unknown"


@pytest.mark.parametrize(("signed", "passes"), [("2024-11-16", True), ("2024-11-15", False), ("2024-02-29", False)])
def test_purchase_claim_window(signed, passes):
    today = date(2026, 11, 16)
    contract = {"contracts": [{"price_fen": 1, "signed_on": signed, "new_build": True}]}
    household = Household(person(today=today, facts={"purchase_filing": contract}), today=today)
    assert results("TQ101", household)["purchase_claim_window"].passed is passes


# --- loans: history, term and age, ceiling ------------------------------------------------------------


def test_loan_term_is_limited_by_age_at_retirement_plus_five_years():
    today = date(2026, 11, 16)
    # a man born 1976-11-16 turns 65 (60 + 5) on 2041-11-16: 180 whole months from today
    household = Household(person(today=today, birth=date(1976, 11, 16)), today=today)
    assert results("DK101", household)["loan_term"].params["max_term"] == 180
    assert results("DK101", household, Request(term_months=180))["loan_term"].passed
    assert not results("DK101", household, Request(term_months=181))["loan_term"].passed
    young = Household(person(today=today, birth=date(1998, 1, 1)), today=today)
    assert results("DK101", young)["loan_term"].params["max_term"] == 360  # the 30-year cap
    too_old = Household(person(today=today, birth=date(1960, 1, 1)), today=today)
    assert not results("DK101", too_old)["loan_term"].passed


def test_loan_history_refuses_an_open_loan_and_a_third_loan():
    today = date(2026, 11, 16)
    settled = loan("settled", 0, date(2010, 1, 1))
    open_loan = loan("open", 1)
    assert results("DK101", Household(person(today=today, loans=[settled]), today=today))["pf_loan_history"].passed
    for loans in ([open_loan], [settled, settled, settled]):
        assert not results("DK101", Household(person(today=today, loans=loans), today=today))["pf_loan_history"].passed


def test_loan_ceiling_takes_the_smallest_limit():
    today = date(2026, 11, 16)
    contract = {"contracts": [{"price_fen": 200_000_000, "signed_on": "2026-10-01", "new_build": True}]}
    rich = person(
        today=today,
        balance=10_000_000,
        base=3_000_000,
        birth=date(1995, 1, 1),
        facts={"purchase_filing": contract, "property": {"owns_home_in_dalian": False}},
    )
    ceiling = results("DK101", Household(rich, today=today))["loan_ceiling"]
    assert ceiling.limit_fen == 60_000_000  # 600k for one person
    bonus = results("DK101", Household(rich, declared=frozenset({"masters_degree", "bachelor_degree"}), today=today))[
        "loan_ceiling"
    ]
    assert bonus.limit_fen == 100_000_000  # + the larger bonus (400k), not both
    poor = person(
        today=today,
        balance=1_000_000,
        base=800_000,
        birth=date(1995, 1, 1),
        facts={"purchase_filing": contract, "property": {"owns_home_in_dalian": False}},
    )
    limited = results("DK101", Household(poor, today=today))["loan_ceiling"]
    assert limited.limit_fen == 20_000_000  # 20 x the balance of 10,000 yuan
    assert not results("DK101", Household(poor, today=today), Request(amount_fen=20_000_100, term_months=360))[
        "loan_ceiling"
    ].passed


def test_every_rule_explains_itself_in_both_languages():
    today = date(2026, 11, 16)
    applicant = person(today=today, facts={"hukou": {"district": "金州区", "local_to_dalian": True}})
    catalog = get_catalog()
    for code in catalog.business:
        for result in evaluate(catalog, catalog.business[code], Household(applicant, today=today), Request()):
            zh, en = result.reason("zh-CN"), result.reason("en")
            assert zh and en and zh != en and "{" not in zh + en, (code, result.rule)


def test_the_rent_cap_reason_reads_whole_without_a_dalian_district():
    """Found in the English screenshot: 'the yearly cap for — is …' for a customer registered outside Dalian."""
    from desk.cases.messages import render

    params = {"district": None, "cap_fen": 2_160_000, "earlier_fen": 0, "limit_fen": 2_160_000}
    english = render("cases.rule.rent_cap.limit", params, "en")
    chinese = render("cases.rule.rent_cap.limit", params, "zh")
    assert "for —" not in english and "(household registration: —)" in english and "21,600.00" in english
    assert chinese.startswith("年度限额（户籍所在区：—）")

"""The loan amount trial on real data (both engines): the binding limit is the smallest, every limit of one
customer against a hand computation, agreement with the eligibility check, and `desk loan-trial --json`."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import date

import pytest
from case_people import DEMO_TODAY, add_customer, hukou, identity, owns_home
from sqlalchemy import select

from desk.cases.catalog import get_catalog
from desk.cases.checklist import checklist_for
from desk.cases.commands import loan_trial_command
from desk.cases.household import load_household
from desk.cases.loan_trial import AMOUNT, TERM, TrialRefused, equal_instalments, loan_trial, run_trial
from desk.db import session_scope
from desk.i18n import use_language
from desk.security.access_log import AccessLog

DEMO_PEOPLE = range(1, 301)


@pytest.fixture(scope="module")
def demo_trials(demo_engine):
    """Trials of the first 300 demo customers: without a price, and with a typed price of 500,000 yuan."""
    catalog, trials = get_catalog(), []
    with session_scope(demo_engine) as session:
        for person_id in DEMO_PEOPLE:
            household = load_household(session, person_id, today=DEMO_TODAY)
            trials.append(run_trial(catalog, "DK101", household))
            trials.append(run_trial(catalog, "DK101", household, price_fen=50_000_000))
    return trials


def test_the_binding_limit_is_the_smallest_and_decides_amount_and_term(demo_trials):
    for trial in demo_trials:
        amounts = [limit for limit in trial.limits if limit.kind == AMOUNT and limit.value is not None]
        terms = [limit for limit in trial.limits if limit.kind == TERM]
        assert trial.binding.value == min(limit.value for limit in amounts)
        assert sum(limit.binding for limit in trial.limits) == 2  # one amount limit and one term limit
        assert trial.binding_term.value == min(limit.value for limit in terms) == trial.max_term_months
        expected = max(trial.binding.value // 10_000 * 10_000, 0) if trial.term_months else 0
        assert trial.max_amount_fen == expected  # whole hundreds of yuan, never above any limit
        assert all(trial.max_amount_fen <= limit.value for limit in amounts)


def test_the_demo_customers_show_every_amount_limit_binding_somewhere(demo_trials):
    # a test of the data as much as of the code: were one limit never binding, its tests would prove little
    seen = Counter(trial.binding.name for trial in demo_trials)
    assert {"ceiling", "balance", "capacity", "price"} <= set(seen), seen


def test_the_instalment_fits_the_repayment_capacity(demo_trials):
    for trial in demo_trials:
        capacity = next(limit for limit in trial.limits if limit.name == "capacity")
        assert trial.instalment_fen <= max(capacity.params["payment_fen"], 0)
        assert trial.equal_principal.first_fen >= trial.instalment_fen >= trial.equal_principal.last_fen


def test_the_trial_agrees_with_the_eligibility_check(demo_engine):
    # the same function computes both: without a typed price or term the trial's maximum is the rule's limit
    with session_scope(demo_engine) as session:
        for person_id in DEMO_PEOPLE[:80]:
            rules = {r.check: r for r in checklist_for(session, person_id, "DK101", today=DEMO_TODAY).rules}
            trial = loan_trial(session, person_id, today=DEMO_TODAY)
            assert trial.max_amount_fen == max(rules["loan_ceiling"].limit_fen, 0)
            assert trial.max_term_months == rules["loan_term"].params["max_term"]


def _hand_customer(session):
    """A man born 1980-03-10 with 30,000 yuan, a deposit base of 9,000 and an open loan paying 2,000 a month."""
    return add_customer(
        session,
        today=DEMO_TODAY,
        birth=date(1980, 3, 10),
        balance_yuan=30_000,
        base_yuan=9_000,
        loans=[{"monthly_payment_fen": 200_000}],
        facts={"identity": identity(), "hukou": hukou(), "property": owns_home(False)},
    )


def test_each_limit_against_a_hand_computation(engine):
    with session_scope(engine) as session:
        person = _hand_customer(session)
        trial = loan_trial(
            session, person.id, price_fen=90_000_000, declared=("multi_child", "bachelor_degree"), today=DEMO_TODAY
        )
    limits = {limit.name: limit for limit in trial.limits}
    assert limits["ceiling"].value == 100_000_000  # 600,000 for one person + 400,000 (the larger bonus only)
    assert limits["ceiling"].params["declaration"] == "multi_child"
    assert limits["balance"].value == 60_000_000  # 20 x 30,000
    assert limits["price"].value == 72_000_000  # 900,000 less 20 %
    # age limit 60 + 5: 2045-03-10; from 2026-11-16 that is 220 calendar months less one (10th < 16th)
    assert limits["age"].value == 219 and limits["term_cap"].value == 360
    assert trial.term_months == trial.max_term_months == 219 and trial.binding_term.name == "age"
    # 9,000 x 50 % - 2,000 = 2,500 a month over 219 months at 2.6 % / 12:
    # 250,000 fen x (1 - (1 + 0.026/12) ** -219) / (0.026/12) = 43,555,900.13 fen
    assert limits["capacity"].params["payment_fen"] == 250_000 and trial.rate_pct == 2.6
    assert limits["capacity"].value == 43_555_900
    assert trial.binding.name == "capacity" and trial.max_amount_fen == 43_550_000
    # equal instalments on 435,500 yuan: 435,500 x r (1+r)^219 / ((1+r)^219 - 1) = 2,499.66 yuan
    assert trial.instalment_fen == 249_966
    assert trial.equal_principal.first_fen == 293_217  # 435,500 / 219 + 435,500 x 0.026 / 12 = 2,932.1678
    for limit in trial.limits:
        assert limit.source and limit.effective_from == date(2026, 1, 1)
        assert limit.rule == ("loan_ceiling" if limit.kind == AMOUNT else "loan_term")
    # the open loan stands in the way, and the trial says so
    assert not trial.eligible and any(r.rule and r.rule.rule == "pf_loan_history" for r in trial.reasons)


def test_term_price_and_home_change_the_result(engine):
    with session_scope(engine) as session:
        person = _hand_customer(session)
        short = loan_trial(session, person.id, term_months=60, today=DEMO_TODAY)
        capped = loan_trial(session, person.id, term_months=300, today=DEMO_TODAY)
        cheap = loan_trial(session, person.id, price_fen=40_000_000, today=DEMO_TODAY)
        owner = add_customer(session, today=DEMO_TODAY, birth=date(1980, 3, 10), facts={"property": owns_home(True)})
        second = loan_trial(session, owner.id, term_months=60, today=DEMO_TODAY)
    assert short.term_months == 60 and short.rate_pct == 2.1  # up to 5 years: the lower rate of the catalog
    assert short.instalment_fen == equal_instalments(short.max_amount_fen, 2.1, 60).first_fen
    assert capped.term_months == 219 and any(r.key == "loan_trial.note.term_capped" for r in capped.reasons)
    assert cheap.binding.name == "price" and cheap.max_amount_fen == 32_000_000
    assert cheap.price_source == "typed" and short.price_source is None
    assert any(r.key == "loan_trial.note.no_price" for r in short.reasons)
    assert second.second_home and second.rate_pct == 2.525


def test_a_filed_contract_gives_the_price(engine):
    contract = {"contracts": [{"price_fen": 30_000_000, "signed_on": "2026-10-01", "new_build": True}]}
    with session_scope(engine) as session:
        person = add_customer(session, today=DEMO_TODAY, facts={"purchase_filing": contract})
        trial = loan_trial(session, person.id, today=DEMO_TODAY)
    assert trial.price_fen == 30_000_000 and trial.price_source == "purchase_filing"
    assert trial.binding.name == "price" and trial.max_amount_fen == 24_000_000


def test_the_trial_refuses_what_it_cannot_compute(engine):
    with session_scope(engine) as session:
        person = _hand_customer(session)
        for kwargs, key in (
            ({"business_code": "TQ401"}, "not_a_loan"),
            ({"business_code": "XX1"}, "unknown_business"),
            ({"declared": ("actual_rent",)}, "unknown_declaration"),
            ({"price_fen": 0}, "bad_price"),
            ({"term_months": 0}, "bad_term"),
        ):
            with pytest.raises(TrialRefused) as refused:
                loan_trial(session, person.id, today=DEMO_TODAY, **kwargs)
            assert refused.value.key == f"loan_trial.refused.{key}"


def test_every_limit_and_reason_reads_in_both_languages(demo_trials):
    for trial in demo_trials[:60]:
        for language in ("zh-CN", "en"):
            data = trial.to_json(language)
            texts = [x for limit in data["limits"] for x in (limit["title"], limit["how"], limit["value_text"])]
            texts += data["reasons"]
            assert all(text and "{" not in text and "loan_trial." not in text for text in texts), texts


def _args(**values) -> argparse.Namespace:
    defaults = {
        "business": "DK101",
        "json": True,
        "declare": None,
        "price": None,
        "term": None,
        "lang": "en",
        "staff": "clerk1",
        "purpose": "phone inquiry",
    }
    return argparse.Namespace(**{**defaults, **values})


def test_loan_trial_command_prints_json_and_logs_the_access(engine, capsys):
    with session_scope(engine) as session:
        person = _hand_customer(session)
        id_number = person.id_number
    assert loan_trial_command(_args(id_number=id_number, price="900,000", declare=["multi_child"])) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["binding"] == "capacity" and data["binding_term"] == "age"
    assert data["price_fen"] == 90_000_000 and data["price_source"] == "typed"
    binding = next(limit for limit in data["limits"] if limit["binding"] and limit["kind"] == "amount")
    assert binding["value"] == min(x["value"] for x in data["limits"] if x["kind"] == "amount" and x["value"])
    assert {"title", "how", "rule_label", "source", "effective_from", "params"} <= set(binding)
    assert binding["title"] == "Repayment capacity" and binding["effective_from"] == "2026-01-01"
    assert data["customer"]["id_number"].startswith("2102**")
    with session_scope(engine) as session:
        rows = session.execute(select(AccessLog).where(AccessLog.action == "loan_trial")).scalars().all()
        assert [(row.staff, row.person_id, row.purpose) for row in rows] == [("clerk1", person.id, "phone inquiry")]
    assert loan_trial_command(_args(id_number=id_number, json=False, lang="zh-CN", term="60")) == 0
    text = capsys.readouterr().out
    assert "最高可贷：" in text and "★ 还款能力" in text and "60 个月（5 年）" in text


@pytest.mark.parametrize(
    ("values", "language", "words"),
    [
        ({"price": "abc"}, "en", "price must be an amount"),
        ({"price": "-5"}, "zh-CN", "房价应为大于零的金额"),
        ({"term": "ten"}, "en", "whole number of months"),
        ({"business": "TQ401"}, "zh-CN", "不是贷款业务"),
        ({"declare": ["cheap"]}, "en", "cheap"),
        ({"id_number": "210202198805170012"}, "en", "check"),
    ],
)
def test_loan_trial_command_refuses_bad_input_in_the_users_language(engine, capsys, values, language, words):
    args = _args(**{"id_number": "11010519491231002X", "lang": language, **values})
    assert loan_trial_command(args) == 2
    assert words in capsys.readouterr().err
    with session_scope(engine) as session:  # nobody's data was read, so nothing was logged
        assert session.execute(select(AccessLog)).first() is None


def test_loan_trial_command_unknown_customer_exits_1(engine, capsys):
    with use_language("en"):
        assert loan_trial_command(_args(id_number="11010519491231002X")) == 1
    assert capsys.readouterr().err.strip()

"""The loan trial page through NiceGUI's simulated User: opened from the lookup, the binding limit shown and
highlighted, a typed price and a declaration change it, each trial logged, and only the counter may open it."""

import pytest
from nicegui.testing import User
from sqlmodel import select

from desk.cases.loan_trial import loan_trial
from desk.db import session_scope
from desk.i18n import t, use_language
from desk.money import format_money
from desk.records.tables import Person, PersonalAccount
from desk.security.access_log import AccessLog

CLERK_PASSWORD = "Counter2026a"


@pytest.fixture
def customer(desk_db) -> Person:
    """A seeded customer with a normal account (a trial of someone who could apply)."""
    with session_scope(desk_db) as db:
        return db.exec(
            select(Person)
            .join(PersonalAccount, PersonalAccount.person_id == Person.id)
            .where(PersonalAccount.status == "01")
            .order_by(Person.id)
        ).first()


def _zh(key: str, **params) -> str:
    with use_language("zh-CN"):
        return t(key, **params)


def _actions(engine) -> list[tuple[str, str, int]]:
    with session_scope(engine) as db:
        return [(r.staff, r.action, r.person_id) for r in db.exec(select(AccessLog).order_by(AccessLog.id))]


def _text(user: User, marker: str) -> str:
    return next(iter(user.find(marker=marker).elements)).text


async def test_the_lookup_links_to_the_trial_which_shows_the_binding_limit(user: User, log_in, customer, desk_db):
    await log_in("clerk7", CLERK_PASSWORD)
    user.find(marker="query").type(customer.id_number).trigger("keydown.enter")
    await user.should_see(marker="open-loan-trial", retries=50)
    button = next(iter(user.find(marker="open-loan-trial").elements))
    assert button.props["href"] == f"/loan-trial/{customer.id}?purpose=counter_service"

    with session_scope(desk_db) as db:
        expected = loan_trial(db, customer.id)
    await user.open(button.props["href"])
    await user.should_see(marker="binding-limit", retries=50)
    binding_rows = list(user.find(marker="binding-limit").elements)
    assert len(binding_rows) == 2  # the smallest amount limit and the smallest term limit
    with user.scope(marker="binding-amount"):
        await user.should_see(_zh(f"loan_trial.limit.{expected.binding.name}"))
    with user.scope(marker="binding-term"):
        await user.should_see(_zh(f"loan_trial.limit.{expected.binding_term.name}"))
    assert _text(user, "max-amount") == format_money(expected.max_amount_fen, "zh-CN")
    assert _text(user, "instalment") == format_money(expected.instalment_fen, "zh-CN")
    assert _actions(desk_db) == [("clerk7", "lookup", customer.id), ("clerk7", "loan_trial", customer.id)]


async def test_a_typed_price_and_a_declaration_change_the_trial(user: User, log_in, customer, desk_db):
    await log_in("clerk7", CLERK_PASSWORD)
    await user.open(f"/loan-trial/{customer.id}")
    await user.should_see(marker="trial-result", retries=50)
    user.find(marker="trial-price").type("100,000")  # 80,000 after the down payment: smaller than any other limit
    user.find(marker="declare masters_degree").click()
    user.find(marker="trial-compute").click()
    await user.should_see(format_money(8_000_000, "zh-CN"), retries=50)
    with user.scope(marker="binding-amount"):  # the highlighted amount row is now the price's
        await user.should_see(_zh("loan_trial.limit.price"))
    with user.scope(marker="trial-limits"):  # the ceiling now names the declaration that raised it
        await user.should_see("硕士及以上学历")
    with session_scope(desk_db) as db:
        expected = loan_trial(db, customer.id, price_fen=10_000_000, declared=("masters_degree",))
    assert expected.binding.name == "price" and _text(user, "max-amount") == format_money(8_000_000, "zh-CN")
    assert [a for _, a, _ in _actions(desk_db)] == ["loan_trial", "loan_trial"]  # one row per trial


async def test_a_bad_price_is_refused_with_a_message(user: User, log_in, customer, desk_db):
    await log_in("clerk7", CLERK_PASSWORD)
    await user.open(f"/loan-trial/{customer.id}")
    await user.should_see(marker="trial-result", retries=50)
    user.find(marker="trial-price").type("十万")
    user.find(marker="trial-compute").click()
    await user.should_see(_zh("loan_trial.refused.bad_price"), retries=50)
    assert len(_actions(desk_db)) == 1  # the refused input read nobody's data


async def test_only_the_counter_may_open_the_trial(user: User, log_in, customer):
    await log_in("admin7", "Admin2026bb")
    response = await user.http_client.get(f"/loan-trial/{customer.id}")
    assert response.status_code == 403

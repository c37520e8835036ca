"""The clerk's one-click lookup through NiceGUI's simulated User: good ID, wrong check digit,
unknown customer, account number, ambiguous name, masking and the logged unmask."""

import time

import pytest
from nicegui import app
from nicegui.testing import User
from sqlmodel import select

from desk.db import session_scope
from desk.i18n import t, use_language
from desk.records.tables import Person, PersonalAccount
from desk.security.access_log import AccessLog
from desk.security.masking import mask_id_number, mask_phone
from desk.validators import id_check_char

CLERK_PASSWORD = "Counter2026a"


@pytest.fixture
def customer(desk_db) -> Person:
    """A seeded customer who has a personal account."""
    with session_scope(desk_db) as db:
        return db.exec(
            select(Person).join(PersonalAccount, PersonalAccount.person_id == Person.id).order_by(Person.id)
        ).first()


def _log_rows(engine) -> list[AccessLog]:
    with session_scope(engine) as db:
        return list(db.exec(select(AccessLog).order_by(AccessLog.id)))


def _zh(key: str, **params) -> str:
    with use_language("zh-CN"):
        return t(key, **params)


async def _search(user: User, text: str) -> None:
    user.find(marker="query").clear().type(text).trigger("keydown.enter")


async def test_good_id_shows_the_masked_profile_and_logs_the_lookup(user: User, log_in, customer, desk_db):
    await log_in("clerk7", CLERK_PASSWORD)
    await _search(user, customer.id_number)
    await user.should_see(marker="customer-name", retries=50)
    with user.scope(marker="profile"):  # (the query input still holds the typed number)
        await user.should_see(customer.name)
        await user.should_see(mask_id_number(customer.id_number))
        await user.should_see(mask_phone(customer.phone))
        await user.should_not_see(customer.id_number)
        await user.should_not_see(customer.phone)
    await user.should_see(marker="deposit-chart")
    for card in ("card-account", "card-employer", "card-withdrawals", "card-loans", "card-registry"):
        await user.should_see(marker=card)
    rows = _log_rows(desk_db)
    assert [(r.staff, r.role, r.action, r.person_id, r.purpose) for r in rows] == [
        ("clerk7", "clerk", "lookup", customer.id, "counter_service")
    ]


async def test_wrong_check_digit_is_reported_while_typing_and_finds_nobody(user: User, log_in, customer):
    body = customer.id_number[:17]
    wrong = body + ("0" if id_check_char(body) != "0" else "1")
    await log_in("clerk7", CLERK_PASSWORD)
    user.find(marker="query").type(wrong)  # no Enter: the check runs as the 18th character arrives
    await user.should_see(_zh("records.id_problem.check_char"))
    user.find(marker="query").trigger("keydown.enter")
    await user.should_see(_zh("records.id_problem.check_char"), retries=50)
    await user.should_not_see(marker="profile")


async def test_unknown_customer_says_so(user: User, log_in):
    await log_in("clerk7", CLERK_PASSWORD)
    await _search(user, "11010519491231002X")  # a valid ID number from Beijing; the demo centre is in Dalian
    await user.should_see(_zh("records.lookup.not_found"), retries=50)
    await user.should_not_see(marker="profile")


async def test_account_number_finds_the_customer(user: User, log_in, customer, desk_db):
    with session_scope(desk_db) as db:
        account_no = db.exec(select(PersonalAccount.account_no).where(PersonalAccount.person_id == customer.id)).one()
    await log_in("clerk7", CLERK_PASSWORD)
    await _search(user, account_no)
    await user.should_see(marker="customer-name", retries=50)
    await user.should_see(customer.name)


async def test_ambiguous_name_lists_masked_candidates_and_opening_one_is_logged(user: User, log_in, customer, desk_db):
    body = "210202199202020" + "11"
    twin_id = body + id_check_char(body)
    with session_scope(desk_db) as db:
        twin = Person(**{**customer.model_dump(exclude={"id"}), "id_number": twin_id, "phone": "13900001111"})
        db.add(twin)
        db.flush()
        twin_pk = twin.id
    await log_in("clerk7", CLERK_PASSWORD)
    await _search(user, customer.name)
    await user.should_see(marker="candidates", retries=50)
    await user.should_see(mask_id_number(twin_id))
    await user.should_not_see(twin_id)
    user.find(marker=f"candidate {twin_pk}").click()
    await user.should_see(marker="customer-name", retries=50)
    await user.should_see(mask_id_number(twin_id))
    assert [(r.action, r.person_id) for r in _log_rows(desk_db)] == [("lookup", None), ("view_profile", twin_pk)]


async def test_unmask_needs_a_reason_shows_the_numbers_and_is_logged(user: User, log_in, customer, desk_db):
    await log_in("clerk7", CLERK_PASSWORD)
    await _search(user, customer.id_number)
    await user.should_see(marker="unmask", retries=50)
    user.find(marker="unmask").click()
    await user.should_see(marker="unmask-dialog")
    user.find(marker="unmask-confirm").click()
    await user.should_see(_zh("ui.unmask.need_reason"), retries=20)
    assert [r.action for r in _log_rows(desk_db)] == ["lookup"]  # nothing revealed, nothing logged
    user.find(_zh("ui.unmask_reason.verify_identity")).click()
    user.find(marker="unmask-confirm").click()
    await user.should_see(marker="unmasked-note", retries=50)
    with user.scope(marker="profile"):
        await user.should_see(customer.id_number)
        await user.should_see(customer.phone)
    unmask = _log_rows(desk_db)[-1]
    assert (unmask.staff, unmask.action, unmask.person_id, unmask.purpose) == (
        "clerk7",
        "unmask",
        customer.id,
        "verify_identity",
    )
    assert {"id_number", "phone"} <= set(unmask.fields.split(","))


async def test_a_new_lookup_is_masked_again(user: User, log_in, customer):
    await log_in("clerk7", CLERK_PASSWORD)
    await _search(user, customer.id_number)
    await user.should_see(marker="unmask", retries=50)
    user.find(marker="unmask").click()
    user.find(_zh("ui.unmask_reason.customer_request")).click()
    user.find(marker="unmask-confirm").click()
    await user.should_see(marker="unmasked-note", retries=50)
    await _search(user, customer.id_number)
    await user.should_not_see(marker="unmasked-note", retries=50)
    await user.should_see(marker="profile", retries=50)  # the new lookup's profile may still be drawing
    with user.scope(marker="profile"):
        await user.should_see(mask_id_number(customer.id_number))


async def test_the_profile_renders_in_english(user: User, log_in, customer):
    user.http_client.headers["Accept-Language"] = "en"
    await log_in("clerk7", CLERK_PASSWORD)
    await _search(user, customer.id_number)
    await user.should_see(marker="customer-name", retries=50)
    for text in (
        "Identity",
        "Personal account",
        "Employer",
        "Deposits, last 24 months",
        "Withdrawals",
        "Provident fund loans",
        "Registry facts",
        "Show full ID and phone numbers",
    ):
        await user.should_see(text)
    user.find(marker="unmask").click()  # a dialog built in an event handler speaks the session's language too
    await user.should_see("Verify the customer's identity")


async def test_a_search_after_the_session_expired_goes_to_login_and_reads_nothing(
    user: User, log_in, customer, desk_db
):
    await log_in("clerk7", CLERK_PASSWORD)
    app.storage.user["last_seen"] = time.time() - 31 * 60  # the page stayed open, nobody touched it
    await _search(user, customer.id_number)
    await user.should_see(_zh("ui.login.expired"), retries=50)
    await user.should_not_see(marker="profile")
    assert _log_rows(desk_db) == []

"""With DESK_PUBLIC_URL set, the notice the clerk prints (at submission and again later) links the
customer to the public address, not to the clerk's own (NiceGUI's simulated User)."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from review_archive_seed import SIMPLE, simple_case
from sqlmodel import select

from desk.cases.catalog import get_catalog
from desk.cases.checklist import checklist_for
from desk.db import session_scope
from desk.records.tables import Person
from desk.settings import get_settings

PUBLIC = "https://gjj.example.cn/desk"


@pytest.fixture
def public_url(monkeypatch):
    monkeypatch.setenv("DESK_PUBLIC_URL", PUBLIC + "/")
    get_settings.cache_clear()
    yield PUBLIC
    get_settings.cache_clear()


def _text(user: User, marker: str) -> str:
    return " ".join(str(element.text) for element in user.find(marker=marker).elements)


async def test_the_printable_notice_links_to_the_public_address(user: User, log_in, desk_db, public_url):
    _case_id, case_no = simple_case(desk_db)  # opened by clerk7, the conftest's clerk
    await log_in("clerk7", "Counter2026a")
    await user.open(f"/counter/notice/{case_no}")
    await user.should_see(marker="notice-url", retries=50)
    assert _text(user, "notice-url") == f"{public_url}/inquiry?case={case_no}"


async def test_the_notice_at_submission_links_to_the_public_address(user: User, log_in, desk_db, public_url):
    with session_scope(desk_db) as db:  # a customer whose materials for SIMPLE are all proven by data
        person = next(
            person
            for person in db.exec(select(Person).order_by(Person.id))
            if not any(item.to_capture for item in checklist_for(db, person.id, SIMPLE).items)
            and checklist_for(db, person.id, SIMPLE).eligible
        )
    await log_in("clerk7", "Counter2026a")
    user.find(marker="query").clear().type(person.id_number).trigger("keydown.enter")
    await user.should_see(marker="counter", retries=100)
    user.find(marker="business").click()
    user.find(f"{SIMPLE} {get_catalog().business[SIMPLE].zh}").click()
    await user.should_see(marker="totals", retries=100)
    user.find(marker="submit-case").click()
    await user.should_see(marker="notice-url", retries=100)
    assert _text(user, "notice-url").startswith(f"{public_url}/inquiry?case=DL")

"""The archivist's /archive/retention and the supervisor's /review/overdue through NiceGUI's simulated User:
who may open them (and see them in the menu), the overdue list, and a hold and a disposal made on the
page reaching the database and the access log."""

from __future__ import annotations

from datetime import datetime

from nicegui.testing import User
from review_archive_seed import (  # noqa: F401 - fixtures
    ARCHIVIST,
    SUPERVISOR,
    actor,
    archive_page,
    days_ago,
    lease_page,
    rent_case,
    review_hashes,
    review_staff,
    simple_case,
)
from sqlmodel import select

from desk.archive.tables import ArchiveDocument
from desk.cases.workflow import get_case
from desk.db import session_scope
from desk.records.tables import Person
from desk.security.access_log import AccessLog

CLERK_PASSWORD = "Counter2026a"
LONG_AGO = datetime(1990, 3, 1, 9, 0)  # a withdrawal file captured then was kept until 2020-03-01


def _texts(user: User, marker: str) -> list[str]:
    return [element.text for element in user.find(marker=marker).elements]


def _log(engine, action: str) -> list[AccessLog]:
    with session_scope(engine) as db:
        return list(db.exec(select(AccessLog).where(AccessLog.action == action).order_by(AccessLog.id)))


async def test_each_page_opens_for_its_role_only(user: User, log_in, review_staff):
    await log_in("clerk7", CLERK_PASSWORD)
    await user.should_not_see(marker="menu /review/overdue")
    await user.should_not_see(marker="menu /archive/retention")
    for path in ("/archive/retention", "/review/overdue"):
        assert (await user.http_client.get(path)).status_code == 403, path
    user.find(marker="logout").click()
    await user.should_see(marker="reason", retries=50)
    await log_in(SUPERVISOR[0], SUPERVISOR[3])
    await user.should_see(marker="menu /review/overdue")
    await user.should_not_see(marker="menu /archive/retention")
    assert (await user.http_client.get("/archive/retention")).status_code == 403  # reads the archive, holds nothing
    user.find(marker="logout").click()
    await user.should_see(marker="reason", retries=50)
    await log_in(ARCHIVIST[0], ARCHIVIST[3])
    await user.should_see(marker="menu /archive/retention")
    assert (await user.http_client.get("/review/overdue")).status_code == 403


async def test_the_overdue_list_names_case_customer_days_and_clerk(
    user: User, log_in, review_staff, data_dir, lease_page
):
    engine = review_staff
    old_id, old_no = simple_case(engine, when=days_ago(40))
    _, new_no, _ = rent_case(engine, data_dir, lease_page)  # due in the future: not listed
    await log_in(SUPERVISOR[0], SUPERVISOR[3])
    await user.open("/review/overdue")
    await user.should_see(marker=f"overdue {old_no}", retries=50)
    await user.should_not_see(marker=f"overdue {new_no}")
    [days] = _texts(user, f"days {old_no}")
    assert days.startswith("逾期 ") and days.endswith(" 个工作日") and int(days.split()[1]) >= 20
    assert _texts(user, f"clerk {old_no}") == ["王丽 (clerk7)"]
    with session_scope(engine) as db:
        name = db.get(Person, get_case(db, old_id).person_id).name
    [customer] = _texts(user, f"customer {old_no}")
    assert customer == name[0] + "*" * (len(name) - 1)  # masked
    assert _texts(user, "overdue-count") == ["1"]
    user.find(marker=f"overdue {old_no}").click()
    await user.should_see(marker="case-no", retries=50)
    assert _texts(user, "case-no") == [old_no] and user.back_history[-1] == f"/review/case/{old_id}"


async def test_an_archivist_holds_a_case_and_disposes_of_what_is_due(
    user: User, log_in, review_staff, data_dir, lease_page
):
    engine = review_staff
    with session_scope(engine) as db:
        person_id = db.exec(select(Person.id).order_by(Person.id)).first()
    held = archive_page(engine, data_dir, lease_page, person_id, case_no="TQ2026-000077")
    due = archive_page(engine, data_dir, lease_page, person_id, captured_at=LONG_AGO, title="old-lease.jpg")
    await log_in(ARCHIVIST[0], ARCHIVIST[3])
    await user.open("/archive/retention")
    await user.should_see(marker=f"due {due}", retries=50)
    await user.should_see(marker="none-held")

    user.find(marker="hold-target").type("tq2026-000077")
    user.find(marker="place-hold").click()
    await user.should_see("请填写原因（将记入访问日志）", retries=50)  # refused without a reason
    user.find(marker="hold-reason").type("法院协助冻结")
    user.find(marker="place-hold").click()
    await user.should_see(marker=f"held-reason {held}", retries=50)
    assert _texts(user, f"held-reason {held}") == ["法院协助冻结"]

    user.find(marker="dispose").click()
    await user.should_see(marker="dispose-dialog", retries=50)
    user.find(marker="dispose-confirm").click()
    await user.should_see(marker="none-due", retries=50)
    with session_scope(engine) as db:
        assert {doc.id: doc.legal_hold for doc in db.exec(select(ArchiveDocument))} == {held: True}
    assert [(e.staff, e.role, e.purpose, e.fields) for e in _log(engine, "archive_hold")] == [
        (ARCHIVIST[0], "archivist", "法院协助冻结", f"document:{held}")
    ]
    assert [(e.staff, e.purpose, e.fields) for e in _log(engine, "archive_delete")] == [
        (ARCHIVIST[0], "保管期满销毁", f"document:{due}")
    ]

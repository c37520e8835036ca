"""A real Chromium against a real `python -m desk run`: the archivist places a legal hold on a case,
records a loan payoff and disposes of the documents past their retention; the supervisor finds an
overdue case in their list and opens it; a clerk is refused both pages."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime

import pytest
from review_archive_seed import archive_page, days_ago, lease_page, simple_case  # noqa: F401 - fixture
from test_browser import CHROMIUM, CHROMIUM_ARGS, desk_server, sign_in  # noqa: F401 - fixture

from desk.db import make_engine
from desk.ui.session import SessionStaff

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LONG_AGO = datetime(1990, 3, 1, 9, 0)  # a withdrawal file captured then was kept until 2020-03-01
HELD_CASE, LOAN_CASE = "TQ2026-000077", "DK2026-000078"


def _seed(data, lease) -> dict[str, object]:
    """Through the services, into the running server's database (it shares the file: WAL)."""
    database = data / "desk.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    with sqlite3.connect(database) as db:
        person_id = db.execute("SELECT id FROM person ORDER BY id LIMIT 1").fetchone()[0]
    seeded = {
        "held": archive_page(engine, data, lease, person_id, case_no=HELD_CASE, captured_by="clerk1"),
        "due": archive_page(engine, data, lease, person_id, captured_at=LONG_AGO, title="old-lease.jpg"),
        "loan": archive_page(
            engine, data, lease, person_id, case_no=LOAN_CASE, captured_at=LONG_AGO, title="loan-contract.jpg"
        ),
    }
    with sqlite3.connect(database) as db:  # the loan file's clock waits for the payoff
        db.execute(
            "UPDATE archive_document SET retention_class = 'loan', retention_until = NULL WHERE id = ?",
            (seeded["loan"],),
        )
    seeded["case"] = simple_case(engine, opened_by=SessionStaff("clerk1", "clerk", "王丽"), when=days_ago(40))
    engine.dispose()
    return seeded


def test_archivist_and_supervisor_pages_in_chromium(desk_server, lease_page, tmp_path):
    from playwright.sync_api import Page, expect, sync_playwright

    url, data = desk_server
    seeded = _seed(data, lease_page)
    case_id, case_no = seeded["case"]
    logins = {x["username"]: x["password"] for x in json.loads((data / "demo-staff-logins.json").read_text())}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        console_errors: list[str] = []

        def new_page() -> Page:
            page = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000}).new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            return page

        # the archivist: hold a case, record a payoff, dispose of what is due
        page = new_page()
        page.goto(url + "/archive")
        sign_in(page, url, "archivist1", logins["archivist1"], lands_on="/archive")
        page.get_by_role("link", name="保全与销毁").click()
        page.wait_for_url(url + "/archive/retention")
        expect(page.get_by_text("没有保全中的档案")).to_be_visible()
        expect(page.get_by_text("old-lease.jpg")).to_be_visible()
        page.get_by_label("档案编号或业务编号").fill(HELD_CASE.lower())
        page.get_by_label("原因").fill("法院协助冻结（(2026)辽0202民初123号）")
        page.get_by_role("button", name="办理保全").click()
        expect(page.get_by_text(f"已对 {HELD_CASE} 的 1 份档案办理法律保全")).to_be_visible()
        expect(page.get_by_text("法院协助冻结（(2026)辽0202民初123号）")).to_be_visible()

        page.get_by_label("业务编号", exact=True).fill(LOAN_CASE)
        page.get_by_label("结清日期").fill("1995-06-30")
        page.get_by_role("button", name="登记结清").click()
        expect(page.get_by_text("loan-contract.jpg")).to_be_visible()
        page.screenshot(path=str(tmp_path / "archive-retention.png"), full_page=True)

        page.get_by_role("button", name="销毁以上 2 份档案…").click()
        expect(page.get_by_text("确认销毁 2 份档案？")).to_be_visible()
        page.screenshot(path=str(tmp_path / "archive-retention-confirm.png"))
        page.get_by_role("button", name="确认销毁 2 份").click()
        expect(page.get_by_text("已销毁 2 份档案")).to_be_visible()
        expect(page.get_by_text("没有保管期满待销毁的档案")).to_be_visible()
        page.get_by_text("English").click()
        expect(page.get_by_text("Legal holds and disposal").first).to_be_visible()
        expect(page.get_by_text("No documents are due for disposal")).to_be_visible()
        page.screenshot(path=str(tmp_path / "archive-retention-en.png"), full_page=True)

        # the supervisor: the overdue list, then the case
        page = new_page()
        page.goto(url + "/review")
        sign_in(page, url, "supervisor1", logins["supervisor1"], lands_on="/review")
        expect(page.get_by_role("link", name="保全与销毁")).to_have_count(0)
        page.get_by_role("link", name="逾期业务").click()
        page.wait_for_url(url + "/review/overdue")
        expect(page.get_by_text(re.compile(r"^逾期 \d+ 个工作日$"))).to_be_visible()
        expect(page.get_by_text("王丽 (clerk1)")).to_be_visible()
        page.screenshot(path=str(tmp_path / "review-overdue.png"), full_page=True)
        page.get_by_text("English").click()
        expect(page.get_by_text(re.compile(r"^\d+ working days overdue$"))).to_be_visible()
        page.screenshot(path=str(tmp_path / "review-overdue-en.png"), full_page=True)
        page.get_by_role("link", name=case_no).click()
        page.wait_for_url(url + f"/review/case/{case_id}")

        assert console_errors == []
        # a clerk: neither page, nor their menu entries
        page = new_page()
        page.goto(url + "/lookup")
        sign_in(page, url, "clerk1", logins["clerk1"])
        expect(page.get_by_role("link", name="逾期业务")).to_have_count(0)
        for path in ("/archive/retention", "/review/overdue"):
            assert page.goto(url + path).status == 403, path
            expect(page.get_by_text("保全中的档案")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "clerk-refused.png"))
        browser.close()
    assert len(console_errors) == 2 and all("403" in error for error in console_errors)  # the two refusals
    with sqlite3.connect(data / "desk.sqlite3") as db:
        left = {row[0]: row[1] for row in db.execute("SELECT id, legal_hold FROM archive_document")}
        actions = [
            row
            for row in db.execute(
                "SELECT action, staff, role, fields FROM access_log "
                "WHERE action IN ('archive_hold', 'archive_release', 'archive_payoff', 'archive_delete') ORDER BY id"
            )
        ]
    assert left == {seeded["held"]: 1}
    assert actions == [
        ("archive_hold", "archivist1", "archivist", f"document:{seeded['held']}"),
        ("archive_payoff", "archivist1", "archivist", f"document:{seeded['loan']}"),
        ("archive_delete", "archivist1", "archivist", f"document:{seeded['due']}"),
        ("archive_delete", "archivist1", "archivist", f"document:{seeded['loan']}"),
    ]

"""Finding 10 of issue #10: a page open while the server is killed during a submit reloads, once the server is
back, to what became of the submission: "did not go through", or the case number with its notice.

Two moments, each made certain rather than left to chance: the server frozen (SIGSTOP) when the clerk clicks
Submit, so the click never reaches it, then killed; and the server killed the instant the case is committed,
before its answer has been confirmed on the screen.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from desk_process import DeskServer, rent_customers, zh
from test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _ready_to_submit(page, expect, id_number: str) -> None:
    """Look the customer up, pick rent withdrawal, 容缺 whatever is missing: the Submit button is next."""
    query = page.get_by_label(zh("ui.lookup.label"))
    query.fill(id_number)
    query.press("Enter")
    expect(page.get_by_text(zh("counter.business.pick")).first).to_be_visible(timeout=30_000)
    # keyboard first: the business picker takes the focus once the panel is live
    expect(page.get_by_role("combobox", name=zh("counter.business.pick"))).to_be_focused(timeout=30_000)
    page.keyboard.type("租房")
    expect(page.get_by_role("option", name="TQ401", exact=False)).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=zh("counter.case.submit"))).to_be_visible(timeout=30_000)
    defer = page.get_by_role("button", name=zh("counter.defer.button"), exact=True)
    while defer.count():
        before = defer.count()
        defer.first.click()
        page.get_by_role("button", name=zh("counter.defer.confirm")).click()
        expect(defer).to_have_count(before - 1, timeout=30_000)


def _case_of(data, id_number: str) -> tuple[str | None, str] | None:
    with sqlite3.connect(data / "desk.sqlite3") as db:
        return db.execute(
            "SELECT c.case_no, c.state FROM case_file c JOIN person p ON p.id = c.person_id "
            "WHERE p.id_number = ? AND c.case_no IS NOT NULL",
            (id_number,),
        ).fetchone()


def test_a_page_open_during_a_kill_shows_what_became_of_the_submission_after_reconnect(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    server = DeskServer(tmp_path / "data", customers=120)
    server.start()
    try:
        first, second = rent_customers(server.data)[:2]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
            page.goto(server.url + "/lookup")
            sign_in(page, server.url, "clerk1", server.logins()["clerk1"])

            # 1. the server froze as the clerk clicked: the click never arrived; then it was killed
            _ready_to_submit(page, expect, first)
            server.pause()
            page.get_by_role("button", name=zh("counter.case.submit")).click()
            time.sleep(0.5)
            server.kill()
            server.start()
            expect(page.get_by_text(zh("counter.recovered.lost"))).to_be_visible(timeout=60_000)
            assert _case_of(server.data, first) is None  # and indeed nothing was submitted

            # 2. killed the instant the case was committed, before the answer was confirmed on the screen
            _ready_to_submit(page, expect, second)
            page.get_by_role("button", name=zh("counter.case.submit")).click()
            deadline = time.monotonic() + 30
            while (case := _case_of(server.data, second)) is None and time.monotonic() < deadline:
                time.sleep(0.005)
            server.kill()
            assert case is not None, "the submission should have committed"
            server.start()
            case_no, state = case
            recorded = zh("counter.recovered.found", case_no=case_no, state=zh(f"cases.state.{state}"))
            expect(page.get_by_text(recorded)).to_be_visible(timeout=60_000)
            expect(page.get_by_role("link", name=case_no, exact=False)).to_be_visible()
            browser.close()
    finally:
        server.stop()

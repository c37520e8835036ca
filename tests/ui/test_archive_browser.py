"""A real Chromium against a real `python -m desk run`: the archivist searches for a Chinese word,
opens the page, and sees the word highlighted over the scan."""

from __future__ import annotations

import json
import sqlite3

import pytest
from review_archive_seed import archive_page, lease_page  # noqa: F401 - fixture
from test_browser import CHROMIUM, CHROMIUM_ARGS, desk_server, sign_in  # noqa: F401 - fixture

from desk.db import make_engine

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_archivist_searches_and_sees_the_hits_on_the_page(desk_server, lease_page, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, data = desk_server
    database = data / "desk.sqlite3"
    engine = make_engine(f"sqlite:///{database}")  # the running server shares the file (WAL)
    with sqlite3.connect(database) as db:
        person_id = db.execute("SELECT id FROM person ORDER BY id LIMIT 1").fetchone()[0]
    archive_page(engine, data, lease_page, person_id, captured_by="clerk1")
    engine.dispose()
    password = {x["username"]: x for x in json.loads((data / "demo-staff-logins.json").read_text())}["archivist1"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000}).new_page()
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

        page.goto(url + "/archive")
        sign_in(page, url, "archivist1", password["password"], lands_on="/archive")
        query = page.get_by_label("检索内容")
        expect(query).to_be_focused()
        page.keyboard.type("租赁")
        page.keyboard.press("Enter")
        expect(page.locator("mark", has_text="租赁").first).to_be_visible()
        thumbnail = page.locator("img[src*='/archive/image/']").first
        expect(thumbnail).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())

        page.get_by_role("link", name="房屋租赁合同").first.click()
        page.wait_for_url("**/archive/page/**")
        scan = page.locator("img[src$='/flat']")
        page.wait_for_function("img => img.complete && img.naturalWidth > 1000", arg=scan.element_handle())
        highlights = page.locator("svg rect")
        expect(highlights.first).to_be_attached()
        box = highlights.first.bounding_box()
        image_box = scan.bounding_box()
        assert box and image_box and box["width"] > 5 and box["height"] > 5
        assert image_box["x"] <= box["x"] and box["x"] + box["width"] <= image_box["x"] + image_box["width"]
        expect(page.locator("mark", has_text="租赁").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "archive-viewer.png"))
        browser.close()
    assert console_errors == []
    with sqlite3.connect(database) as db:
        reads = {row[0] for row in db.execute("SELECT action FROM access_log WHERE staff = 'archivist1'")}
    assert {"archive_image", "archive_view"} <= reads

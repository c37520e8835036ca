"""What the clerk's capture dialog reads, in a real Chromium with a fake document camera: a lease,
an ID card's front and back and an application form, each printed for the customer at the counter
and photographed on a desk. Each page must show its right type and, where the paper prints one,
the customer's own ID number.

Chromium's fake camera plays one file for the life of the browser, so each document gets its own
browser. Screenshots go to DESK_SCREENSHOT_DIR (default: the test's temporary folder).
"""

from __future__ import annotations

import json

import pytest
from counter_documents import as_holder, photo_of, write_y4m
from test_browser import desk_server, sign_in  # noqa: F401 - desk_server is a fixture
from test_counter_browser import LEASE_ROW, PIPELINE_MS, RENT, _customer_needing_a_lease, _row, _shots, camera_context

from desk.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# document printed for the customer -> the type the dialog must name, and whether it prints the ID number
DOCUMENTS = {
    "lease": ("lease", True),
    "id_card_front": ("id_card_front", True),
    "id_card_back": ("id_card_back", False),
    "application_form": ("application_form", True),
}


def test_each_document_shows_its_type_and_the_customers_id_number(desk_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    url, data = desk_server
    password = {x["username"]: x for x in json.loads((data / "demo-staff-logins.json").read_text("utf-8"))}
    customer, _ = _customer_needing_a_lease(data)
    shots = _shots(tmp_path)
    with sync_playwright() as p:
        for printed, (doc_type, carries_id) in DOCUMENTS.items():
            y4m = write_y4m(photo_of(printed, as_holder(customer), seed=31).bgr(), tmp_path / f"{printed}.y4m")
            context = camera_context(p, tmp_path / f"profile-{printed}", y4m)
            page = context.new_page()
            page.goto(url + "/login")
            sign_in(page, url, "clerk1", password["clerk1"]["password"])
            page.get_by_label("身份证号 / 个人账号 / 姓名").fill(customer.id_number)
            page.get_by_role("button", name="查询").click()
            expect(page.get_by_role("combobox", name="选择业务", exact=False)).to_be_focused()
            page.keyboard.type("租房")
            expect(page.get_by_role("option", name=f"{RENT} 租房提取")).to_be_visible()
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            page.get_by_role("checkbox", name="按实际租金提取", exact=False).click()
            _row(page, LEASE_ROW, "采集").get_by_role("button", name="采集").click()
            expect(page.get_by_text("高拍仪已就绪（", exact=False)).to_be_visible(timeout=30_000)
            page.keyboard.press("Space")
            type_name = t(f"capture.doc_type.{doc_type}", "zh-CN")
            expect(page.get_by_text(f"识别为：{type_name}", exact=False)).to_be_visible(timeout=PIPELINE_MS)
            expect(page.get_by_text("依据：", exact=False)).to_be_visible()  # what decided the type
            if carries_id:
                expect(page.get_by_text(t("counter.id.applicant", "zh-CN"), exact=False)).to_be_visible()
            page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
            page.screenshot(path=shots / f"read-{printed}.png")
            context.close()

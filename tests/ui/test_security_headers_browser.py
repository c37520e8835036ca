"""Finding 8 of issue #10 in a real Chromium against `python -m desk run`: with the
Content-Security-Policy on, the pages still render and act (log in, look a customer up, open a
business checklist, start the camera, log out) and the browser reports no CSP violation and no
console error."""

from __future__ import annotations

import json
import sqlite3

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, desk_server, sign_in  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def test_pages_render_and_act_under_the_csp_in_chromium(desk_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a busy two-core machine
    url, data = desk_server
    logins = {x["username"]: x for x in json.loads((data / "demo-staff-logins.json").read_text(encoding="utf-8"))}
    with sqlite3.connect(data / "desk.sqlite3") as db:
        (id_number,) = db.execute(
            "SELECT p.id_number FROM person p JOIN personal_account a ON a.person_id = p.id ORDER BY p.id LIMIT 1"
        ).fetchone()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
            locale="zh-CN",
            viewport={"width": 1440, "height": 1000},
        )
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        violations: list[str] = []

        def collect() -> None:
            violations.extend(page.evaluate("window.__cspViolations || []"))

        response = page.goto(url + "/login")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        sign_in(page, url, "clerk1", logins["clerk1"]["password"])
        expect(page.get_by_text("王丽 · 柜员")).to_be_visible()
        collect()

        page.keyboard.type(id_number)
        page.keyboard.press("Enter")
        expect(page.get_by_text("选择业务后，立即显示材料清单", exact=False)).to_be_visible()
        expect(page.locator("canvas").first).to_be_visible()  # the deposit chart drew
        page.keyboard.type("租房")  # the business picker has the focus: typing filters
        expect(page.get_by_role("option", name="TQ401 租房提取")).to_be_visible()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.get_by_text("资格审核", exact=True)).to_be_visible()  # the checklist is there
        page.get_by_role("button", name="采集").first.click()
        expect(page.get_by_text("高拍仪已就绪（", exact=False)).to_be_visible()  # getUserMedia and the preview
        page.get_by_role("button", name="取消").click()
        collect()

        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(url + "/login?reason=logged_out")
        expect(page.get_by_text("您已退出登录。")).to_be_visible()
        collect()
        context.close()
    assert violations == []
    assert console_errors == []

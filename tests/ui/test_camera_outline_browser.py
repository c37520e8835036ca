"""The live outline and auto-capture in a real Chromium whose fake camera plays pages coming and going
(camera_sequence.py: empty desk, page A slides in and lies still, A leaves as B slides in, B lies still).

The frame that shows the page whole is outlined quickly (target a second; the bound is looser for a
shared test machine); auto-capture takes A once it
is still (not during the slide), then B, and not A or B twice; with the switch off nothing is taken
although the outline turns green. The timings (preview round trip, page still → page card with its
reading on screen) are printed for the benchmark. Screenshots go to DESK_SCREENSHOT_DIR.
"""

from __future__ import annotations

import json
import statistics
import time

import pytest

from camera_sequence import write_sequence
from desk.i18n import t
from test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in, desk_server  # noqa: F401 - desk_server is a fixture
from test_counter_browser import LEASE_ROW, PIPELINE_MS, RENT, _customer_needing_a_lease, _row, _shots

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OUTLINE_MS = 2000  # preview round trip bound under load (target: 1000 on an idle server)
STATS = "() => document.querySelector('.desk-camera').deskStats"


def _open_capture(page, customer) -> None:  # noqa: ANN001 - a Playwright page
    from playwright.sync_api import expect

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


def _page_card_at(page, number: int) -> float:  # noqa: ANN001
    """Wait for page `number`'s card with its reading; the page's clock (ms) when it showed."""
    from playwright.sync_api import expect

    card = page.locator(".q-card").filter(has_text=t("counter.capture.page_no", "zh-CN", number=number))
    expect(card.get_by_text("识别为", exact=False).first).to_be_visible(timeout=PIPELINE_MS)
    return page.evaluate("performance.now()")


def test_outline_and_auto_capture_of_two_pages_in_chromium(desk_server, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    url, data = desk_server
    password = {x["username"]: x for x in json.loads((data / "demo-staff-logins.json").read_text("utf-8"))}
    customer, _ = _customer_needing_a_lease(data)
    timeline = write_sequence(tmp_path / "pages.y4m")
    shots = _shots(tmp_path)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                  f"--use-file-for-fake-video-capture={tmp_path / 'pages.y4m'}"],
            locale="zh-CN", viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "/login")
        sign_in(page, url, "clerk1", password["clerk1"]["password"])
        _open_capture(page, customer)
        expect(page.locator(".desk-camera[data-auto='on']")).to_be_visible()  # on by default

        page.wait_for_selector(".desk-camera[data-outline='amber']", timeout=30_000)  # A sliding in, cut off
        page.screenshot(path=shots / "outline-amber.png")
        page.wait_for_selector(".desk-camera[data-outline='green']", timeout=30_000)
        page.screenshot(path=shots / "outline-green.png")
        page.wait_for_function(f"() => ({STATS})().captures.length >= 1", timeout=60_000)
        first_card = _page_card_at(page, 1)
        page.wait_for_function(f"() => ({STATS})().captures.length >= 2", timeout=60_000)
        second_card = _page_card_at(page, 2)
        time.sleep(4)  # B lies still on: it must not be taken again
        stats = page.evaluate(STATS)
        page.screenshot(path=shots / "outline-two-pages.png")

        start = stats["streamStart"]
        a_still, b_still = start + 1000 * timeline.a_still, start + 1000 * timeline.b_still
        whole = [o for o in stats["outlines"] if o["at"] >= a_still and o["state"] != "none"]
        captures = [c["at"] for c in stats["captures"]]
        round_trips = stats["roundTrips"]
        print(f"\nfirst outline of the whole page: frame taken {whole[0]['at'] - a_still:.0f} ms after it lay whole, "
              f"drawn {whole[0]['drawn'] - a_still:.0f} ms after" if whole else "\nno outline of the whole page")
        # the target is a second; the bound allows twice that for a test machine shared by many jobs
        # (the next preview starts only when the last reply is back); the figures are printed above
        assert whole and whole[0]["drawn"] - whole[0]["at"] < OUTLINE_MS and whole[0]["at"] - a_still < 2 * OUTLINE_MS
        assert len(captures) == 2 and all(c["auto"] for c in stats["captures"])
        assert a_still + 500 <= captures[0] < b_still - 1000  # A once it was still: not during its slide
        assert captures[1] >= b_still + 500
        assert page.get_by_text(t("capture.retake.page_cut_off", "zh-CN")).count() == 0  # no page taken mid-slide
        print(f"\npreview round trip (grab → outline drawn): median {statistics.median(round_trips):.0f} ms, "
              f"n={len(round_trips)}, max {max(round_trips):.0f} ms")
        print(f"page still → capture: {captures[0] - a_still:.0f} ms, {captures[1] - b_still:.0f} ms")
        print(f"page still → page card with its reading: {first_card - a_still:.0f} ms, "
              f"{second_card - b_still:.0f} ms (median {statistics.median([first_card - a_still, second_card - b_still]):.0f} ms)")

        # the switch off, remembered by the browser: the outline still turns green, nothing is taken
        page.locator(".desk-camera-auto").click()
        expect(page.locator(".desk-camera[data-auto='off']")).to_be_visible()
        page.get_by_role("button", name="取消").click()
        _row(page, LEASE_ROW, "采集").get_by_role("button", name="采集").click()
        expect(page.get_by_text("高拍仪已就绪（", exact=False)).to_be_visible(timeout=30_000)
        expect(page.locator(".desk-camera[data-auto='off']")).to_be_visible()
        page.wait_for_selector(".desk-camera[data-outline='green']", timeout=30_000)
        time.sleep(3)
        assert page.evaluate(STATS)["captures"] == []
        expect(page.get_by_text(t("counter.capture.page_no", "zh-CN", number=1))).to_have_count(0)
        page.screenshot(path=shots / "outline-auto-off.png")
        context.close()
    assert console_errors == []

"""A real Chromium with a fake document camera against a real `python -m desk run`: log in, look a
customer up, pick rent, capture the missing lease with the camera (space bar), accept it, submit
the case and see the notice; then the same screens in English.

The camera plays a Y4M made from a generated lease photographed on a desk, whose tenant is the
customer. Screenshots of every step go to DESK_SCREENSHOT_DIR (default: the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from counter_documents import as_holder, photo_of, write_y4m
from test_browser import CHROMIUM, CHROMIUM_ARGS, desk_server, sign_in  # noqa: F401 - desk_server is a fixture

from desk.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RENT, LEASE, DECLARATION = "TQ401", "M10", "actual_rent"
LEASE_ROW = "房屋租赁合同 / 租赁登记备案证明"  # the lease's row of the rent checklist
PIPELINE_MS = 240_000  # a camera frame through the pipeline on a busy two-core machine
CAMERA = "document.querySelector('.desk-camera')"
# once the page is read (the camera no longer busy), the page seen green (whole and still) for three
# seconds: long enough for camera.js to re-arm (a changed outline for CHANGED_MS) and shoot (still for
# HOLD_MS) had it taken the page lying there for a new one
TAKEN_PAGE_HELD_STILL = f"""(since) => {{
  const green = {CAMERA}.deskStats.outlines.filter((o) => o.at > since && o.state === 'green');
  return green.length >= 4 && green[green.length - 1].at - green[0].at >= 3000;
}}"""


def open_lease_capture(page, id_number: str) -> None:
    """From the lookup page with the query focused: the customer, rent withdrawal claiming the actual rent,
    and the lease's capture dialog with the camera ready."""
    from playwright.sync_api import expect

    page.keyboard.type(id_number)
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="选择业务", exact=False)).to_be_focused()
    page.keyboard.type("租房")
    # clicked, not ↓ and Enter: on a loaded machine the keys can beat the filtered list to the menu
    page.get_by_role("option", name=f"{RENT} 租房提取").click()
    page.get_by_role("checkbox", name="按实际租金提取", exact=False).click()
    _row(page, LEASE_ROW, "采集").get_by_role("button", name="采集").click()
    expect(page.get_by_text("高拍仪已就绪（", exact=False)).to_be_visible()


def camera_context(p, profile: Path, y4m: Path, *, auto: bool = True):
    """A Chromium profile (folder `profile`) whose fake document camera plays `y4m`, auto-capture on or off."""
    context = p.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}",
        ],
        locale="zh-CN",
        viewport={"width": 1440, "height": 1000},
    )
    if not auto:  # remembered by the browser, as camera.js keeps the switch
        context.add_init_script("localStorage.setItem('desk.camera.auto', 'off')")
    return context


def _customer_needing_a_lease(where: Path | str):
    """An eligible seeded customer whose rent checklist (claiming the actual rent) asks for the lease on paper,
    and the codes of the other materials it still asks for; `where`: a data folder (its SQLite database) or a
    database URL."""
    from sqlmodel import select

    from desk.cases.checklist import checklist_for
    from desk.db import make_engine, session_scope
    from desk.records.tables import Person, PersonalAccount

    engine = make_engine(where if isinstance(where, str) else f"sqlite:///{where / 'desk.sqlite3'}")
    try:
        with session_scope(engine) as db:
            people = db.exec(
                select(Person).join(PersonalAccount, PersonalAccount.person_id == Person.id).order_by(Person.id)
            ).all()
            for person in people:
                checklist = checklist_for(db, person.id, RENT, declared=[DECLARATION])
                to_capture = [item.material for item in checklist.items if item.status in ("missing", "unknown")]
                if LEASE in to_capture and checklist.eligible:  # an ineligible customer cannot be paid
                    db.expunge(person)
                    return person, [code for code in to_capture if code != LEASE]
    finally:
        engine.dispose()
    pytest.fail("no seeded customer needs a lease for rent")


def _row(page, text: str, button: str):
    """The checklist row that shows `text` and has the button `button`."""
    return (
        page.locator(".nicegui-row")
        .filter(has_text=text)
        .filter(has=page.get_by_role("button", name=button, exact=True))
        .last
    )


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DESK_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_camera_capture_accept_submit_and_notice_in_chromium(desk_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a busy two-core machine; the pipeline waits longer below
    url, data = desk_server
    password = {x["username"]: x for x in json.loads((data / "demo-staff-logins.json").read_text("utf-8"))}
    customer, others = _customer_needing_a_lease(data)
    lease = photo_of("lease", as_holder(customer), seed=21)
    y4m = write_y4m(lease.bgr(), tmp_path / "lease.y4m")
    shots = _shots(tmp_path)
    camera_args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS + camera_args,
            locale="zh-CN",
            viewport={"width": 1440, "height": 1000},
        )
        page = context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

        page.goto(url + "/login")
        sign_in(page, url, "clerk1", password["clerk1"]["password"])
        page.keyboard.type(customer.id_number)
        page.keyboard.press("Enter")
        expect(page.get_by_text("选择业务后，立即显示材料清单", exact=False)).to_be_visible()
        page.screenshot(path=shots / "zh-1-profile.png")

        # keyboard first: the business picker has the focus; typing filters, ↓ and Enter take the option
        expect(page.get_by_role("combobox", name="选择业务", exact=False)).to_be_focused()
        page.keyboard.type("租房")
        expect(page.get_by_role("option", name=f"{RENT} 租房提取")).to_be_visible()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.get_by_text("资格审核", exact=True)).to_be_visible()
        page.get_by_role("checkbox", name="按实际租金提取", exact=False).click()
        expect(page.get_by_text("房屋租赁合同 / 租赁登记备案证明")).to_be_visible()
        page.screenshot(path=shots / "zh-2-checklist.png", full_page=True)

        lease_row = _row(page, LEASE_ROW, "采集")
        lease_row.get_by_role("button", name="采集").click()
        expect(page.get_by_text("高拍仪已就绪（", exact=False)).to_be_visible(timeout=30_000)
        page.screenshot(path=shots / "zh-3-camera.png")
        page.keyboard.press("Space")
        expect(page.get_by_text("证件号码与客户本人一致", exact=False)).to_be_visible(timeout=PIPELINE_MS)
        # the page left lying there (auto-capture on) is not taken again: Space came before any outline
        page.wait_for_function(TAKEN_PAGE_HELD_STILL, arg=page.evaluate("performance.now()"), timeout=PIPELINE_MS)
        assert page.evaluate(f"{CAMERA}.deskStats.captures.length") == 1
        expect(
            page.get_by_text(t("counter.fit.fits", "zh-CN", type=t("capture.doc_type.lease", "zh-CN")))
        ).to_be_visible()
        page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=shots / "zh-4-captured.png")

        page.get_by_role("button", name="接受并归档（1 页）").click()
        expect(page.get_by_text("已采集 1 页并归档")).to_be_visible(timeout=60_000)
        for code in others:  # anything else still missing is accepted on the customer's promise
            _row(page, code, "容缺").get_by_role("button", name="容缺").click()
            page.get_by_role("button", name="确认容缺").click()
            expect(page.get_by_text("容缺受理：客户承诺于", exact=False).first).to_be_visible()
        page.screenshot(path=shots / "zh-5-accepted.png", full_page=True)

        page.get_by_role("button", name="提交业务").click()
        expect(page.get_by_text("一次性告知书")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("先提后审：已即时支付", exact=False)).to_be_visible()
        expect(page.get_by_label("身份证号 / 个人账号 / 姓名")).to_be_focused()  # ready for the next scan
        case_no = re.search(r"DL\d{4}-\d{6}", page.locator(".desk-notice").inner_text()).group()
        page.screenshot(path=shots / "zh-6-notice.png", full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path=shots / "zh-7-print.png", full_page=True)
        expect(page.locator("header")).to_be_hidden()  # on paper: the notice alone, no app chrome
        expect(page.get_by_text("共享数据核验")).to_be_hidden()
        expect(page.locator(".desk-notice")).to_be_visible()
        page.emulate_media(media="screen")

        page.get_by_text("English").click()  # the same screens in English
        expect(page.get_by_text("Customer lookup").first).to_be_visible()
        page.get_by_label("ID number / account number / name", exact=False).fill(customer.id_number)
        page.keyboard.press("Enter")
        page.get_by_label("Choose the business", exact=False).click()
        page.get_by_text(f"{RENT} Withdrawal for rent").click()
        page.get_by_role("checkbox", name="Claims the actual rent", exact=False).click()
        expect(page.get_by_text("Eligibility", exact=True)).to_be_visible()
        page.screenshot(path=shots / "en-2-checklist.png", full_page=True)
        _row(page, "Lease contract or lease-registration certificate", "Capture").get_by_role(
            "button", name="Capture"
        ).click()
        expect(page.get_by_text("Document camera ready", exact=False)).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Take picture").click()
        expect(page.get_by_text("The ID number is the customer's", exact=False)).to_be_visible(timeout=PIPELINE_MS)
        page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=shots / "en-4-captured.png")
        page.get_by_role("button", name="Cancel").click()
        page.goto(f"{url}/counter/cases")
        expect(page.get_by_text(case_no)).to_be_visible()
        page.screenshot(path=shots / "en-8-my-cases.png")
        page.get_by_text(case_no).click()
        expect(page.get_by_text("One-time notice").first).to_be_visible()
        page.screenshot(path=shots / "en-6-notice.png", full_page=True)
        context.close()
    assert console_errors == []


def test_space_pressed_while_the_first_page_is_read_takes_the_next_page(desk_server, tmp_path):
    """A clerk presses Space for page 1, turns the page and presses again while page 1 is still being read:
    both pages are taken (the second press used to be ignored until the first page's reading came back)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    url, data = desk_server
    password = {x["username"]: x for x in json.loads((data / "demo-staff-logins.json").read_text("utf-8"))}
    customer, _ = _customer_needing_a_lease(data)
    y4m = write_y4m(photo_of("lease", as_holder(customer), seed=23).bgr(), tmp_path / "lease.y4m")
    with sync_playwright() as p:
        context = camera_context(p, tmp_path / "profile", y4m, auto=False)  # only the presses take pages
        page = context.new_page()
        page.goto(url + "/login")
        sign_in(page, url, "clerk1", password["clerk1"]["password"])
        open_lease_capture(page, customer.id_number)
        page.keyboard.press("Space")
        reading = page.get_by_text(t("counter.capture.processing", "zh-CN"))
        expect(reading).to_be_visible()
        page.wait_for_timeout(1500)  # the page turned, well apart from the first press
        expect(reading).to_be_visible()  # the first page is still being read
        page.keyboard.press("Space")
        page.wait_for_function(f"() => {CAMERA}.deskStats.captures.length === 2", timeout=10_000)
        expect(page.get_by_role("button", name="接受并归档（2 页）")).to_be_visible(timeout=PIPELINE_MS)
        context.close()


def test_a_pure_black_frame_is_drawn_again_then_sent_as_it_is(desk_server, tmp_path):
    """A canvas drawn pure black (what Chromium gave on a loaded machine while the video showed the page)
    is drawn again from the next frames; a camera that really shows black (lens covered) still sends its
    frame after a few tries, and the clerk reads why the page cannot be used."""
    import numpy as np
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    url, data = desk_server
    password = {x["username"]: x for x in json.loads((data / "demo-staff-logins.json").read_text("utf-8"))}
    customer, _ = _customer_needing_a_lease(data)
    y4m = write_y4m(np.zeros((1200, 1600, 3), np.uint8), tmp_path / "black.y4m")
    with sync_playwright() as p:
        context = camera_context(p, tmp_path / "profile", y4m, auto=False)
        page = context.new_page()
        page.goto(url + "/login")
        sign_in(page, url, "clerk1", password["clerk1"]["password"])
        open_lease_capture(page, customer.id_number)
        page.keyboard.press("Space")
        expect(page.get_by_text("第 1 页", exact=True)).to_be_visible(timeout=PIPELINE_MS)
        assert page.evaluate(f"{CAMERA}.deskStats.blankFrames") == 10  # camera.js BLANK_RETRIES
        assert page.evaluate(f"{CAMERA}.deskStats.captures.length") == 1
        expect(page.get_by_text("图像太暗", exact=False)).to_be_visible()
        context.close()

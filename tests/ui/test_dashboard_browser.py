"""The centre dashboard (#13) in a real Chromium against a real `python -m desk run`: cases made through
the real services over the last days, then a supervisor opens the dashboard from the menu, sees the
headline figures of those cases and the four charts drawn, narrows the range, groups by week,
downloads the CSV (its figures are the cases made, per hall of the submitting clerk), narrows it to one
hall (page and CSV), and sees it all in English; an admin may open it,
a clerk is refused the page and the CSV. Screenshots (zh-CN and en, 1920×1080 and 1366×768) go to
DESK_SCREENSHOT_DIR."""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from dashboard_seed import make_cases
from desk_process import DeskServer
from test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in
from test_counter_browser import _shots

from desk.cases.working_days import local_day

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CUSTOMERS = 150  # most demo customers own a home: enough of them to rent for a dozen rent withdrawals
HALL_NAMES = {"head": "中心营业大厅（西岗区）", "zhongshan": "中山区服务大厅", "ganjingzi": "甘井子区服务大厅"}


@pytest.fixture
def desk_server(tmp_path):
    """`python -m desk run` on its own data folder with CUSTOMERS demo customers; yields (url, data folder)."""
    server = DeskServer(tmp_path / "data", customers=CUSTOMERS)
    server.start()
    try:
        yield server.url, server.data
    finally:
        server.stop()


def _kpi(page, name: str) -> str:
    return page.locator(f".desk-kpi-{name} .text-3xl").inner_text()


def _charts_drawn(page) -> None:
    from playwright.sync_api import expect

    for chart in ("trend", "business", "pay-first", "counter-time"):
        canvas = page.locator(f".desk-chart-{chart} canvas").first
        expect(canvas).to_be_visible()
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 200, chart
    page.wait_for_timeout(800)  # the charts' short animation, before a screenshot


def _csv(page) -> list[list[str]]:
    with page.expect_download() as info:
        page.locator("button").filter(has_text="CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("desk-dashboard-") and download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - the download's own temp file
    return list(csv.reader(io.StringIO(text)))


def test_dashboard_for_a_supervisor_and_refused_to_a_clerk_in_chromium(desk_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    url, data = desk_server
    logins = {x["username"]: x["password"] for x in json.loads((data / "demo-staff-logins.json").read_text("utf-8"))}
    made = make_cases(data)
    assert len(made.rent) >= 4 and made.build and made.clawed_back, made  # the seeded customers allow this much
    shots = _shots(tmp_path)
    today = local_day(datetime.now(UTC))
    minutes = f"{statistics.median(made.counter_seconds) / 60:.1f}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080}, accept_downloads=True)
        page = context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "/login")
        sign_in(page, url, "supervisor1", logins["supervisor1"], lands_on="/review")
        page.get_by_role("link", name="运行看板").click()  # the menu entry
        page.wait_for_url(url + "/dashboard")
        expect(page.get_by_text("中心运行看板", exact=True)).to_be_visible()

        # the last 30 days: every case made, the papers their submissions recorded, the post-review
        expect(page.locator(".desk-kpi-cases .text-3xl")).to_have_text(str(made.cases))
        assert _kpi(page, "papers") == str(made.papers_avoided)
        assert _kpi(page, "findings") == str(len(made.clawed_back))
        assert _kpi(page, "overdue") == str(len(made.build))
        assert _kpi(page, "pay-first") == f"{100 * len(made.rent) / made.cases:.1f}%"
        assert _kpi(page, "counter-time") == f"{minutes} 分钟"
        _charts_drawn(page)
        page.screenshot(path=shots / "zh-dashboard-1920.png", full_page=True)

        rows = _csv(page)
        header, total = rows[0], rows[-1]
        assert header[:6] == ["开始日期", "结束日期", "业务代码", "业务名称", "大厅", "办件量"]
        figures = dict(zip(header, total))
        assert (figures["业务名称"], figures["办件量"], figures["免交材料（项）"]) == (
            "合计",
            str(made.cases),
            str(made.papers_avoided),
        )
        assert (figures["先提后审（件）"], figures["已事后抽查（件）"], figures["抽查发现问题（件）"]) == (
            str(len(made.rent)),
            str(len(made.reviewed)),
            str(len(made.clawed_back)),
        )
        assert (figures["逾期（件）"], figures["柜台用时中位数（分钟）"], figures["有柜台用时的件数"]) == (
            str(len(made.build)),
            minutes,
            str(len(made.counter_seconds)),
        )
        detail = rows[1:-1]
        assert sum(int(row[5]) for row in detail) == made.cases
        assert {row[2] for row in detail} == {"TQ401", "TQ402"}
        per_hall = {name: sum(int(row[5]) for row in detail if row[4] == name) for name in HALL_NAMES.values()}
        assert per_hall == {HALL_NAMES[code]: len(made.in_hall(code)) for code in HALL_NAMES}
        assert len(set(per_hall.values())) > 1 and min(per_hall.values()) > 0, per_hall  # the halls differ

        # the last 7 days: only the cases first submitted in them; then by week
        page.locator("button").filter(has_text="近 7 天").click()
        recent = sum(1 for day in made.days.values() if day >= today - timedelta(days=6))
        expect(page.locator(".desk-kpi-cases .text-3xl")).to_have_text(str(recent))
        expect(page.get_by_label("日期范围")).to_have_value(f"{today - timedelta(days=6)} 至 {today}")
        page.get_by_text("按周", exact=True).click()
        page.wait_for_timeout(500)
        _charts_drawn(page)
        expect(page.locator(".desk-kpi-cases .text-3xl")).to_have_text(str(recent))
        weekly = _csv(page)
        assert sum(int(row[5]) for row in weekly[1:-1]) == recent
        assert all(datetime.fromisoformat(row[0]).date() >= today - timedelta(days=6) for row in weekly[1:-1])

        page.get_by_text("近 30 天", exact=True).click()
        expect(page.locator(".desk-kpi-cases .text-3xl")).to_have_text(str(made.cases))
        page.set_viewport_size({"width": 1366, "height": 768})
        page.wait_for_timeout(600)  # the charts follow their new width
        _charts_drawn(page)
        page.screenshot(path=shots / "zh-dashboard-1366.png", full_page=True)

        # one hall: the figures of its clerk's cases only, on the page and in the CSV
        zhongshan = made.in_hall("zhongshan")
        page.locator(".desk-filter-hall").click()
        page.get_by_role("option", name=HALL_NAMES["zhongshan"]).click()
        expect(page.locator(".desk-kpi-cases .text-3xl")).to_have_text(str(len(zhongshan)))
        assert _kpi(page, "overdue") == str(len(set(zhongshan) & set(made.build)))
        overdue_here = len(set(zhongshan) & set(made.build))  # every overdue case was made in the range
        expect(page.get_by_text(f"本大厅当前共 {overdue_here} 件逾期", exact=True)).to_be_visible()
        _charts_drawn(page)
        page.screenshot(path=shots / "zh-dashboard-hall-1366.png", full_page=True)
        one_hall = _csv(page)
        assert {row[4] for row in one_hall[1:]} == {HALL_NAMES["zhongshan"]}
        assert (one_hall[-1][3], one_hall[-1][5]) == ("合计", str(len(zhongshan)))
        page.locator(".desk-filter-hall").click()
        page.get_by_role("option", name="全部大厅").click()
        expect(page.locator(".desk-kpi-cases .text-3xl")).to_have_text(str(made.cases))

        page.get_by_text("English").click()
        expect(page.get_by_text("Centre dashboard", exact=True)).to_be_visible()
        expect(page.locator(".desk-kpi-counter-time .text-3xl")).to_have_text(f"{minutes} min")
        _charts_drawn(page)
        page.screenshot(path=shots / "en-dashboard-1366.png", full_page=True)
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.wait_for_timeout(600)
        page.screenshot(path=shots / "en-dashboard-1920.png", full_page=True)
        assert _csv(page)[0][5:7] == ["Cases", "Papers avoided"]

        admin = browser.new_context(locale="zh-CN").new_page()
        admin.goto(url + "/login")
        sign_in(admin, url, "admin1", logins["admin1"], lands_on="/admin/staff")
        expect(admin.get_by_role("link", name="运行看板")).to_be_visible()
        assert admin.goto(url + "/dashboard").status == 200

        clerk = browser.new_context(locale="zh-CN").new_page()
        clerk.goto(url + "/login")
        sign_in(clerk, url, "clerk1", logins["clerk1"])
        expect(clerk.get_by_role("link", name="我的业务")).to_be_visible()
        expect(clerk.get_by_role("link", name="运行看板")).to_have_count(0)
        assert clerk.goto(url + "/dashboard").status == 403
        expect(clerk.get_by_text("无权访问", exact=False)).to_be_visible()
        assert clerk.request.get(url + "/dashboard/figures.csv").status == 403
        browser.close()
    assert console_errors == []

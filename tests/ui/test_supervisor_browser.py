"""A real Chromium against a real `python -m desk run`: the supervisor's case view (the captured page
large beside the evidence at 1920 px, stacked at 1366 px, zoomed with the wheel), the clerk's candidate
list (the typed name and each age), the admin's catalog (no raw parameters, no file path), and pages
that must not make the browser re-render ("Event listeners changed after initial definition")."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from review_archive_seed import lease_page, rent_case  # noqa: F401 - fixture
from test_browser import CHROMIUM, CHROMIUM_ARGS, desk_server  # noqa: F401 - fixture

from desk.db import make_engine, session_scope
from desk.records.tables import Person
from desk.validators import id_check_char

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RELOADS = 8  # the warning came on some loads only (a race with the idle timer): load each page several times


def _password(data, username: str) -> str:
    return {x["username"]: x for x in json.loads((data / "demo-staff-logins.json").read_text())}[username]["password"]


def _page(browser, url: str, data, username: str, lands_on: str, *, width: int, height: int, locale: str = "zh-CN"):
    page = browser.new_context(locale=locale, viewport={"width": width, "height": height}).new_page()
    page.goto(url + lands_on)  # anonymous: the login page (in the browser's language), then back here
    page.locator("input[autocomplete=username], input").first.fill(username)
    page.locator("input[type=password]").fill(_password(data, username))
    page.keyboard.press("Enter")
    page.wait_for_url(url + lands_on)
    return page


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_supervisor_reads_the_captured_page_large_beside_the_evidence_and_zooms_it(desk_server, lease_page, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, data = desk_server
    engine = make_engine(f"sqlite:///{data / 'desk.sqlite3'}")  # the running server shares the file (WAL)
    case_id, case_no, _ = rent_case(engine, data, lease_page)
    engine.dispose()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        layouts = {}
        for width, height in ((1920, 1080), (1366, 768)):
            for locale in ("zh-CN", "en"):
                page = _page(
                    browser,
                    url,
                    data,
                    "supervisor1",
                    f"/review/case/{case_id}",
                    width=width,
                    height=height,
                    locale=locale,
                )
                scan = page.locator(".desk-zoom-box img")
                expect(scan).to_have_count(1)
                page.wait_for_function("img => img.complete && img.naturalWidth > 1000", arg=scan.element_handle())
                expect(page.locator(".desk-page-zoom").first).to_be_visible()
                page.screenshot(path=str(tmp_path / f"case-{locale}-{width}.png"))
                layouts[(width, locale)] = (
                    _box(page.locator(".desk-zoom-box")),
                    _box(page.get_by_text("材料与证据" if locale == "zh-CN" else "Materials and evidence", exact=True)),
                )
                if (width, locale) == (1920, "zh-CN"):
                    wide_page = page
                else:
                    page.context.close()
        for locale in ("zh-CN", "en"):
            viewer, evidence = layouts[(1920, locale)]
            assert viewer["width"] >= 700  # large: the thumbnails were 112 px
            assert evidence["x"] >= viewer["x"] + viewer["width"] and evidence["y"] < viewer["y"] + viewer["height"]
            viewer, evidence = layouts[(1366, locale)]
            assert viewer["width"] >= 900
            assert evidence["y"] >= viewer["y"] + viewer["height"]  # below 1400 px: the evidence comes after

        page = wide_page
        box = page.locator(".desk-zoom-box")
        scan = box.locator("img")
        before = _box(scan)["width"]
        viewer = _box(box)
        page.mouse.move(viewer["x"] + viewer["width"] / 2, viewer["y"] + viewer["height"] / 2)
        page.mouse.wheel(0, -300)
        expect(page.locator(".desk-zoom-level")).not_to_have_text("100%")
        page.wait_for_timeout(300)
        assert _box(scan)["width"] > before * 1.2
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(300)
        zoomed = _box(scan)["width"]
        assert zoomed > before * 1.5
        page.locator(".desk-zoom-reset").click()
        expect(page.locator(".desk-zoom-level")).to_have_text("100%")
        assert abs(_box(scan)["width"] - before) < 2
        browser.close()
    with sqlite3.connect(data / "desk.sqlite3") as db:
        reads = [
            row[0]
            for row in db.execute(
                "SELECT fields FROM access_log"
                " WHERE staff = 'supervisor1' AND action = 'archive_image' AND case_no = ?",
                (case_no,),
            )
        ]
    assert len(reads) >= 4 and all(read.endswith(",flat") for read in reads)  # every image read is logged


def test_candidate_list_shows_the_name_the_clerk_typed_and_each_age(desk_server):
    from playwright.sync_api import expect, sync_playwright

    url, data = desk_server
    engine = make_engine(f"sqlite:///{data / 'desk.sqlite3'}")
    with session_scope(engine) as db:
        for number, born in enumerate((date(1961, 3, 1), date(1994, 7, 9))):
            body = f"21020219990101{number:03d}"
            db.add(
                Person(
                    id_number=body + id_check_char(body),
                    name="欧阳明",
                    phone=f"1380000{number:04d}",
                    sex="M",
                    birth_date=born,
                    address="大连市",
                )
            )
    engine.dispose()
    today = date.today()
    ages = [
        today.year - year - ((today.month, today.day) < (month, day))
        for year, month, day in ((1961, 3, 1), (1994, 7, 9))
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = _page(browser, url, data, "clerk1", "/lookup", width=1366, height=768)
        page.get_by_label("身份证号 / 个人账号 / 姓名").fill("欧阳明")
        page.get_by_label("身份证号 / 个人账号 / 姓名").press("Enter")
        expect(page.get_by_text("请选择客户")).to_be_visible()
        expect(page.get_by_text("欧阳明", exact=True)).to_have_count(2)  # the typed name, not 欧**
        expect(page.get_by_text("欧**", exact=True)).to_have_count(0)
        for age in ages:
            expect(page.get_by_text(f"{age} 岁", exact=True)).to_be_visible()
        browser.close()


def test_catalog_page_shows_parameters_as_labelled_values_without_a_file_path(desk_server):
    from playwright.sync_api import expect, sync_playwright

    url, data = desk_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for locale, months in (("zh-CN", "期间：12 个月"), ("en", "Period: 12 months")):
            page = _page(browser, url, data, "admin1", "/admin/catalog", width=1920, height=1080, locale=locale)
            page.get_by_text("TQ401", exact=True).click()
            expect(page.locator("td:visible", has_text=months).first).to_be_visible()
            text = page.locator("body").inner_text()
            for raw in ("{'", "': ", ".md", ".toml", "desk/", "allowed =", "yuan_per_year", "[S", "[R]"):
                assert raw not in text, raw
            page.context.close()
        browser.close()


def test_fixity_and_access_log_pages_make_the_browser_re_render_nothing(desk_server):
    from playwright.sync_api import expect, sync_playwright

    url, data = desk_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        warnings: list[str] = []
        for username, path, ready in (
            ("archivist1", "/archive/fixity", "立即校验"),
            ("admin1", "/admin/access-log", "访问日志"),
        ):
            page = _page(browser, url, data, username, path, width=1366, height=768)
            page.on("console", lambda m: warnings.append(m.text) if m.type in ("warning", "error") else None)
            for _ in range(RELOADS):
                page.reload()
                expect(page.get_by_text(ready).first).to_be_visible()
                page.wait_for_timeout(400)
            page.context.close()
        browser.close()
    assert [w for w in warnings if "Event listeners changed" in w] == []

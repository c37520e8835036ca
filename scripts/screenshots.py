"""Screenshots of the desk for the README: `python scripts/screenshots.py [OUT_DIR]` (default docs/screenshots).

Starts `python -m desk run` on a temporary data folder with the demo data, seeds a submitted rent case
(a lease printed for its customer, through the real capture pipeline) and a month of cases for the
dashboard, then drives the Debian Chromium (headless, Playwright, never `playwright install`) with a
fake document camera showing a generated lease printed for the customer, which the clerk accepts into
the archive. Every page is taken in zh-CN
and en (the browser's language picks the session's), at 1920×1080; the supervisor's case page also at
1366×768. PNGs are shrunk with pngquant when it is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests", ROOT / "tests" / "ui"):  # the seeds and generators of the browser tests
    sys.path.insert(0, str(folder))

from counter_documents import as_holder, photo_of, write_y4m  # noqa: E402
from desk_process import DeskServer  # noqa: E402
from test_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from desk.i18n import t  # noqa: E402

LOCALES = ("zh-CN", "en")
WIDE, SMALL = {"width": 1920, "height": 1080}, {"width": 1366, "height": 768}
RENT, LEASE, DECLARATION = "TQ401", "M10", "actual_rent"
# how the checklist names the actual-rent declaration and the lease (desk/cases/catalog.toml)
DECLARED = {"zh-CN": "按实际租金提取", "en": "Claims the actual rent"}
LEASE_ROW = {"zh-CN": "房屋租赁合同 / 租赁登记备案证明", "en": "Lease contract or lease-registration certificate"}
CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
WAIT_MS = 240_000  # a camera frame through the pipeline on a busy two-core machine


def _customers_needing_a_lease(data: Path, count: int) -> list:
    """Eligible demo customers whose rent checklist (claiming the actual rent) asks for the lease on paper."""
    from sqlmodel import select

    from desk.cases.checklist import checklist_for
    from desk.db import make_engine, session_scope
    from desk.records.tables import Person, PersonalAccount

    engine = make_engine(f"sqlite:///{data / 'desk.sqlite3'}")
    found = []
    try:
        with session_scope(engine) as db:
            for person in db.exec(
                select(Person).join(PersonalAccount, PersonalAccount.person_id == Person.id).order_by(Person.id)
            ).all():
                checklist = checklist_for(db, person.id, RENT, declared=[DECLARATION])
                to_capture = {item.material for item in checklist.items if item.status in ("missing", "unknown")}
                if LEASE in to_capture and checklist.eligible:
                    db.expunge(person)
                    found.append(person)
                    if len(found) == count:
                        return found
    finally:
        engine.dispose()
    raise LookupError("too few demo customers need a lease for rent")


def _sign_in(page, url: str, password: str, username: str, lands_on: str) -> None:
    """Log in on the login page (in the browser's language) and wait for `lands_on`."""
    page.goto(url + lands_on)
    page.locator("input").first.fill(username)
    page.locator("input[type=password]").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(url + lands_on)


def _images_loaded(page) -> None:
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")


def _counter(p, url: str, password: str, customer, locale: str, work: Path, out: Path) -> None:
    """Lookup, checklist, camera with the outline and the captured page, for one customer in `locale`."""
    from playwright.sync_api import expect

    video = write_y4m(photo_of("lease", as_holder(customer), seed=31).bgr(), work / f"lease-{locale}.y4m")
    browser = p.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, *CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"],
    )
    try:
        page = browser.new_context(locale=locale, viewport=WIDE).new_page()
        _sign_in(page, url, password, "clerk1", "/lookup")
        page.get_by_label(t("ui.lookup.label", locale)).fill(customer.id_number)
        page.keyboard.press("Enter")
        expect(page.get_by_text(customer.id_number[:4] + "*" * 10 + customer.id_number[-4:])).to_be_visible()
        expect(page.locator("canvas").first).to_be_visible()
        page.wait_for_timeout(800)  # the deposit chart's animation
        page.screenshot(path=out / f"lookup-{locale}.png")

        expect(page.get_by_role("combobox", name=t("counter.business.pick", locale), exact=False)).to_be_focused()
        page.keyboard.type(RENT)
        expect(page.get_by_role("option", name=RENT, exact=False).first).to_be_visible()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.get_by_role("checkbox", name=DECLARED[locale], exact=False).click()
        lease = LEASE_ROW[locale]
        capture = t("counter.capture.button", locale)
        row = (
            page.locator(".nicegui-row")
            .filter(has_text=lease)
            .filter(has=page.get_by_role("button", name=capture, exact=True))
            .last
        )
        expect(row).to_be_visible()
        page.wait_for_timeout(500)
        page.screenshot(path=out / f"checklist-{locale}.png")

        row.get_by_role("button", name=capture).click()
        ready = t("counter.camera.ready", locale, width=0, height=0).split("0")[0]
        expect(page.get_by_text(ready, exact=False)).to_be_visible(timeout=60_000)
        page.wait_for_selector(".desk-camera[data-outline='green']", timeout=WAIT_MS)
        page.screenshot(path=out / f"camera-{locale}.png")

        evidence = t("counter.capture.evidence", locale, evidence="").strip()
        expect(page.get_by_text(evidence, exact=False).first).to_be_visible(timeout=WAIT_MS)
        _images_loaded(page)
        page.wait_for_timeout(500)
        page.screenshot(path=out / f"captured-{locale}.png")
        page.get_by_role("button", name=t("counter.capture.accept", locale, pages=1)).click()  # into the archive
        expect(page.get_by_role("dialog")).to_have_count(0)
    finally:
        browser.close()


def _lease_for_the_rent_case(engine):
    """A lease printed for the customer `rent_case` will pick, scanned flat, through the real pipeline."""
    from docgen import SceneOptions
    from review_archive_seed import LEASE_MATERIAL, _customer_for

    from desk.archive.intake import page_input_from_result
    from desk.capture.options import CaptureOptions
    from desk.capture.pipeline import process_file
    from desk.db import session_scope
    from desk.records.tables import Person

    with session_scope(engine) as db:
        person = db.get(Person, _customer_for(db, RENT, (LEASE_MATERIAL,), declared=(DECLARATION,)))
        photo = photo_of("lease", as_holder(person), seed=11, options=SceneOptions(flat=True, angle_deg=0.4))
    options = CaptureOptions.from_settings()
    [result] = process_file(photo.jpeg, name="lease.jpg", options=options)
    return page_input_from_result(result, received=photo.jpeg, flat_dpi=options.flat_dpi)


def _seed(data: Path) -> int:
    """A submitted rent case with the customer's lease, and a month of cases for the dashboard;
    returns the rent case's id."""
    from dashboard_seed import make_cases
    from review_archive_seed import rent_case

    from desk.db import make_engine

    engine = make_engine(f"sqlite:///{data / 'desk.sqlite3'}")  # the running server shares the file (WAL)
    try:
        case_id, _, _ = rent_case(engine, data, _lease_for_the_rent_case(engine))
    finally:
        engine.dispose()
    make_cases(data)
    return case_id


def _office(p, url: str, logins: dict[str, str], case_id: int, out: Path) -> None:
    """The supervisor's case page (two sizes), the dashboard and the archive search, in each language."""
    from playwright.sync_api import expect

    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        for locale in LOCALES:
            for size in (WIDE, SMALL):
                page = browser.new_context(locale=locale, viewport=size).new_page()
                _sign_in(page, url, logins["supervisor1"], "supervisor1", f"/review/case/{case_id}")
                scan = page.locator(".desk-zoom-box img")
                expect(scan).to_have_count(1)
                page.wait_for_function("img => img.complete && img.naturalWidth > 1000", arg=scan.element_handle())
                page.wait_for_timeout(500)
                page.screenshot(path=out / f"case-{locale}-{size['width']}.png")
                if size is WIDE:
                    page.goto(url + "/dashboard")
                    for chart in ("trend", "business", "pay-first", "counter-time"):
                        expect(page.locator(f".desk-chart-{chart} canvas").first).to_be_visible()
                    page.wait_for_timeout(1000)
                    page.screenshot(path=out / f"dashboard-{locale}.png")
                page.context.close()

            page = browser.new_context(locale=locale, viewport=WIDE).new_page()
            _sign_in(page, url, logins["archivist1"], "archivist1", "/archive")
            page.get_by_label(t("archivist.search.query", locale)).fill("租赁")
            page.keyboard.press("Enter")
            expect(page.locator("mark", has_text="租赁").first).to_be_visible()
            _images_loaded(page)
            page.wait_for_timeout(500)
            page.screenshot(path=out / f"archive-{locale}.png")
            page.context.close()
    finally:
        browser.close()


def _shrink(out: Path) -> None:
    """Quantise the PNGs to 256 colours (pngquant), which keeps text sharp at a fraction of the size."""
    if shutil.which("pngquant") is None:
        return
    for png in sorted(out.glob("*.png")):
        subprocess.run(
            ["pngquant", "--force", "--skip-if-larger", "--strip", "--quality=70-95", "--output", str(png), str(png)],
            check=False,
        )


def main(out: Path) -> None:
    """Take every screenshot into `out`."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="desk-shots-") as tmp:
        work = Path(tmp)
        server = DeskServer(work / "data", customers=30)
        server.start()
        try:
            logins = server.logins()
            customers = _customers_needing_a_lease(server.data, len(LOCALES))
            with sync_playwright() as p:
                for locale, customer in zip(LOCALES, customers, strict=True):
                    _counter(p, server.url, logins["clerk1"], customer, locale, work, out)
                case_id = _seed(server.data)
                _office(p, server.url, logins, case_id, out)
        finally:
            server.stop()
            log = server.log.read_text(encoding="utf-8", errors="replace")
            print(json.dumps({"server_log_tail": log[-1500:]}, ensure_ascii=False) if "Traceback" in log else "")
    _shrink(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")

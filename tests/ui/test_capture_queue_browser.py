"""The capture dialog with OCR off the web server: a real `python -m desk run` on PostgreSQL with
DESK_CAPTURE_QUEUE=postgres, a real Chromium with a fake document camera, and a `python -m desk worker`
started only once the clerk's frame waits in the queue. The dialog says the page is queued, then
that a worker reads it, then shows the page; accepted, it is archived like any page of the pool.
"""

from __future__ import annotations

import json
import os

import pytest
from counter_documents import as_holder, fake_camera_args, photo_of, write_y4m
from test_browser import CHROMIUM, CHROMIUM_ARGS, serving, sign_in
from test_counter_browser import PIPELINE_MS, _customer_needing_a_lease, open_lease_capture
from worker_process import WorkerProcess

from desk.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def queue_server(tmp_path, pg_cluster):
    """`python -m desk run` on an empty PostgreSQL database with the capture queue on; (url, data, db url)."""
    name = f"ui_queue{os.getpid()}"
    database_url = pg_cluster.create_database(name)
    data = tmp_path / "data"
    try:
        with serving(data, {"DESK_DATABASE_URL": database_url, "DESK_CAPTURE_QUEUE": "postgres"}, 180) as url:
            yield url, data, database_url
    finally:
        pg_cluster.drop_database(name)


def test_a_camera_frame_goes_through_the_queue_and_a_worker_into_the_dialog(queue_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright
    from sqlalchemy import text

    from desk.db import make_engine

    expect.set_options(timeout=30_000)
    url, data, database_url = queue_server
    password = json.loads((data / "demo-staff-logins.json").read_text("utf-8"))
    clerk = next(x for x in password if x["username"] == "clerk1")["password"]
    customer, _ = _customer_needing_a_lease(database_url)
    y4m = write_y4m(photo_of("lease", as_holder(customer), seed=21).bgr(), tmp_path / "lease.y4m")
    worker = None
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS + fake_camera_args(y4m),
            locale="zh-CN",
            viewport={"width": 1440, "height": 1000},
        )
        page = context.new_page()
        try:
            page.goto(url + "/login")
            sign_in(page, url, "clerk1", clerk)
            open_lease_capture(page, customer.id_number)
            page.keyboard.press("Space")

            # no worker yet: the frame waits in the queue
            expect(page.get_by_text(t("counter.capture.queued", "zh-CN"))).to_be_visible()
            worker = WorkerProcess(database_url, data).wait_ready()
            expect(page.get_by_text(t("counter.capture.working", "zh-CN"))).to_be_visible(timeout=PIPELINE_MS)
            expect(page.get_by_text("证件号码与客户本人一致", exact=False)).to_be_visible(timeout=PIPELINE_MS)
            expect(
                page.get_by_text(t("counter.fit.fits", "zh-CN", type=t("capture.doc_type.lease", "zh-CN")))
            ).to_be_visible()
            page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")

            page.get_by_role("button", name="接受并归档（1 页）").click()
            expect(page.get_by_text("已采集 1 页并归档")).to_be_visible(timeout=60_000)
        finally:
            context.close()
            if worker is not None:
                worker.stop()
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM capture_task")).scalar_one() == 0  # collected
            assert conn.execute(text("SELECT count(*) FROM archive_page")).scalar_one() == 1
    finally:
        engine.dispose()

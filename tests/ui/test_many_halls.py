"""Many halls, one centre (issue #14), all parts together, each started by this test run on loopback: one
PostgreSQL, one redis-server, a SeaweedFS with an Object Lock bucket, two `python -m desk run` app servers
(A and B) with the capture queue on, and `python -m desk worker` processes.

A clerk on A captures a lease with Chromium's fake camera; the frame goes through the queue to a worker,
which is SIGKILLed while it reads the page. While A's capture is stuck, another clerk looks a customer up
on B. A new worker takes the job over; the page arrives in A's dialog once, the clerk accepts it and
submits the case. Then the archive holds one page for the lease, its files are in the bucket under a
retention the server enforces, the queue holds nothing any more, and the access log holds B's lookup.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from counter_documents import as_holder, fake_camera_args, photo_of, write_y4m
from desk_process import DeskServer
from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select
from test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in
from test_counter_browser import LEASE, PIPELINE_MS, _customer_needing_a_lease, _row, open_lease_capture
from worker_process import WorkerProcess, wait_for

from desk.archive.object_store import ObjectStore
from desk.archive.retention import lock_until
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.bench.seaweed_server import ACCESS_KEY, SECRET_KEY
from desk.db import make_engine
from desk.i18n import t
from desk.queue.tables import CaptureTask
from desk.records.tables import Person
from desk.security.access_log import AccessLog
from desk.security.masking import mask_id_number

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEARTBEAT_S = 3.0  # a worker silent this long has its job taken by another (DESK_CAPTURE_HEARTBEAT_S)
AUTO_CAPTURE_KEY = "desk.camera.auto"  # desk/ui/camera.js keeps the auto-capture switch under this key
START_S = 300  # a start on a loaded machine (an app server's first also migrates and seeds, a worker loads models)


@dataclass
class Centre:
    """App servers A and B, the database they share, the archive's bucket and the demo logins."""

    a: DeskServer
    b: DeskServer
    database_url: str
    engine: Engine
    archive: ObjectStore
    logins: dict[str, str]


@pytest.fixture
def centre(pg_cluster, redis_server, seaweed, s3_bucket, tmp_path) -> Iterator[Centre]:
    client, bucket, prefix = s3_bucket(True)  # the session's bucket with Object Lock, a prefix of our own
    dbname = f"many_halls{os.getpid()}"
    database_url = pg_cluster.create_database(dbname)
    env = {
        "DESK_DATABASE_URL": database_url,
        "NICEGUI_REDIS_URL": redis_server.url(1),
        "DESK_SESSION_SECRET": secrets.token_urlsafe(32),
        "DESK_ARCHIVE_URL": f"s3://{bucket}/{prefix}?endpoint={seaweed.endpoint}",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "DESK_CAPTURE_QUEUE": "postgres",
    }
    servers = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        servers.append(DeskServer(tmp_path / name / "data", customers=30, extra_env=env))
    a, b = servers
    engine = make_engine(database_url)
    try:
        a.start(timeout_s=START_S)  # alone: the first start migrates the empty database and seeds it once
        b.start(timeout_s=START_S)
        yield Centre(a, b, database_url, engine, ObjectStore(client, bucket, prefix), a.logins())
    finally:
        for server in servers:
            server.stop()
        engine.dispose()
        pg_cluster.drop_database(dbname)


@pytest.fixture
def start_worker(centre: Centre, tmp_path) -> Iterator[Callable[[str], WorkerProcess]]:
    """`start_worker(name)` starts a `python -m desk worker` on the centre's database; all are stopped at the end."""
    started: list[WorkerProcess] = []

    def start(name: str) -> WorkerProcess:
        (tmp_path / name).mkdir()
        started.append(WorkerProcess(centre.database_url, tmp_path / name, heartbeat_s=HEARTBEAT_S))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def _tasks(engine: Engine) -> list[CaptureTask]:
    with Session(engine) as db:
        return list(db.exec(select(CaptureTask)).all())


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def _another_customer(engine: Engine, not_id: int | None) -> Person:
    """A seeded customer other than the one at A's counter."""
    with Session(engine) as db:
        person = db.exec(select(Person).where(Person.id != not_id).order_by(col(Person.id))).first()
        assert person is not None
        db.expunge(person)
        return person


def _error_code(call: Callable[..., object], **kwargs: object) -> str:
    """The S3 error code with which the server refuses `call(**kwargs)`."""
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    return refused.value.response["Error"]["Code"]


def _clerks_page(browser):
    """A page in a context (cookie jar) of its own, patient with a loaded machine."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(60_000)
    return context.new_page()


def test_a_capture_through_the_queue_survives_a_killed_worker_while_the_other_server_serves(
    centre: Centre, start_worker, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # a loaded two-core machine; the pipeline waits longer below
    engine = centre.engine
    customer, others = _customer_needing_a_lease(centre.database_url)
    looked_up = _another_customer(engine, customer.id)
    y4m = write_y4m(photo_of("lease", as_holder(customer), seed=21).bgr(), tmp_path / "lease.y4m")
    doomed = start_worker("worker1")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + fake_camera_args(y4m))
        # two contexts: two clerks' cookie jars (both servers are 127.0.0.1, cookies do not tell ports apart)
        on_a, on_b = (_clerks_page(browser) for _ in "ab")

        # the clerk's auto-capture switch off (remembered by the browser): one press of Space, one frame.
        # With it on, the page lying still under the camera through the long wait was taken a second time.
        on_a.context.add_init_script(f"localStorage.setItem('{AUTO_CAPTURE_KEY}', 'off')")
        frames: list[str] = []  # the camera's full-resolution frames POSTed by A's page

        def note_frame(request) -> None:
            if request.method == "POST" and "/counter/frame/" in request.url:
                frames.append(request.url)

        on_a.on("request", note_frame)

        # A: clerk1 opens the customer, rent, the lease's capture; the frame goes to the queue
        on_a.goto(centre.a.url + "/login")
        sign_in(on_a, centre.a.url, "clerk1", centre.logins["clerk1"])
        open_lease_capture(on_a, customer.id_number)
        doomed.wait_ready(START_S)
        on_a.keyboard.press("Space")

        # the worker reads the page: kill it mid-job
        [task] = wait_for(lambda: [x for x in _tasks(engine) if x.status == "working"], PIPELINE_MS / 1000, 0.05)
        assert task.worker.endswith(f":{doomed.pid}") and task.attempts == 1
        doomed.kill()
        [task] = _tasks(engine)
        assert task.status == "working", "the worker finished before it was killed: not a kill mid-job"
        assert _count(engine, "SELECT count(*) FROM capture_task_page") == 0
        expect(on_a.get_by_text(t("counter.capture.working", "zh-CN"))).to_be_visible()

        # meanwhile B serves: clerk2 looks another customer up and sees the profile
        on_b.goto(centre.b.url + "/login")
        sign_in(on_b, centre.b.url, "clerk2", centre.logins["clerk2"])
        query = on_b.get_by_label("身份证号 / 个人账号 / 姓名")
        query.fill(looked_up.id_number)
        query.press("Enter")
        expect(on_b.get_by_text(looked_up.name, exact=True).first).to_be_visible()
        masked_id = mask_id_number(looked_up.id_number)
        assert masked_id is not None and masked_id != looked_up.id_number
        expect(on_b.get_by_text(masked_id, exact=True)).to_be_visible()
        # ... while A's capture is still stuck: no worker has taken it again, no page in the dialog
        [task] = _tasks(engine)
        assert (task.status, task.attempts) == ("working", 1)
        expect(on_a.get_by_text(t("counter.capture.working", "zh-CN"))).to_be_visible()
        expect(on_a.get_by_text(t("counter.capture.page_no", "zh-CN", number=1), exact=True)).to_have_count(0)

        # a new worker takes the job over once the dead one's heartbeat is stale
        rescuer = start_worker("worker2").wait_ready(START_S)
        wait_for(lambda: any(x.attempts == 2 and x.worker.endswith(f":{rescuer.pid}") for x in _tasks(engine)), 120)
        expect(on_a.get_by_text("证件号码与客户本人一致", exact=False)).to_be_visible(timeout=PIPELINE_MS)
        expect(
            on_a.get_by_text(t("counter.fit.fits", "zh-CN", type=t("capture.doc_type.lease", "zh-CN")))
        ).to_be_visible()
        # collected into A's tab: the task and its pages are gone, so nothing more can arrive
        wait_for(lambda: _count(engine, "SELECT count(*) FROM capture_task") == 0, 60, 0.2)
        assert len(frames) == 1, frames
        expect(on_a.get_by_text(t("counter.capture.page_no", "zh-CN", number=1), exact=True)).to_have_count(1)
        expect(on_a.get_by_text(t("counter.capture.page_no", "zh-CN", number=2), exact=True)).to_have_count(0)
        on_a.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")

        # accepted and submitted: the page goes to the bucket, the case gets its number
        on_a.get_by_role("button", name=t("counter.capture.accept", "zh-CN", pages=1)).click()
        expect(on_a.get_by_text("已采集 1 页并归档")).to_be_visible()
        for code in others:  # anything else still missing is accepted on the customer's promise
            _row(on_a, code, "容缺").get_by_role("button", name="容缺").click()
            on_a.get_by_role("button", name="确认容缺").click()
            expect(on_a.get_by_text("容缺受理：客户承诺于", exact=False).first).to_be_visible()
        on_a.get_by_role("button", name="提交业务").click()
        expect(on_a.get_by_text("一次性告知书")).to_be_visible()
        case_no = re.search(r"DL\d{4}-\d{6}", on_a.locator(".desk-notice").inner_text())
        assert case_no is not None
        browser.close()

    # the queue holds nothing: task rows, their pages and the library's job are gone
    assert _count(engine, "SELECT count(*) FROM capture_task") == 0
    assert _count(engine, "SELECT count(*) FROM capture_task_page") == 0
    wait_for(lambda: _count(engine, "SELECT count(*) FROM pgqueuer") == 0, 30, 0.2)

    # the lease is archived once: one document, one page
    with Session(engine) as db:
        [document] = db.exec(select(ArchiveDocument).where(ArchiveDocument.person_id == customer.id)).all()
        [page] = db.exec(select(ArchivePage).where(ArchivePage.document_id == document.id)).all()
        assert db.exec(select(func.count()).select_from(ArchivePage)).one() == 1
        lookups = db.exec(select(AccessLog.staff, AccessLog.action).where(AccessLog.person_id == looked_up.id)).all()
    assert document.material_code == LEASE and document.case_no == case_no.group()

    # its files are in the bucket, locked until the document's retention end: the server refuses a delete
    archive = centre.archive
    retain_until = lock_until(document.retention_class, document.captured_at.date())
    assert retain_until > datetime.now(UTC).date()
    for key in page.file_keys():
        name = archive.object_key(key)
        head = archive.client.head_object(Bucket=archive.bucket, Key=name)
        assert head["ObjectLockMode"] == "COMPLIANCE", key
        assert head["ObjectLockRetainUntilDate"].date() == retain_until, key
        version = {"Bucket": archive.bucket, "Key": name, "VersionId": head["VersionId"]}
        assert _error_code(archive.client.delete_object, **version) == "AccessDenied", key
        assert archive.client.head_object(Bucket=archive.bucket, Key=name)["VersionId"] == head["VersionId"]

    # B's lookup is in the centre's one access log
    assert ("clerk2", "lookup") in lookups
    for server in (centre.a, centre.b):  # nothing failed on the way, on either server
        assert "Traceback" not in server.log.read_text(errors="replace"), server.log

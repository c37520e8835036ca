"""OCR off the web servers: captures through the PostgreSQL queue and real `python -m desk worker` processes.

The pages are generated documents (tests/docgen) with known text; the outcome of the queue is
compared with the same work run in this process, as the in-process pool runs it.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import subprocess
import sys

import pytest
from docgen.documents import render
from sqlalchemy import func, select, text
from worker_process import ROOT, WorkerProcess, wait_for

from desk.db import make_engine
from desk.queue import task_store
from desk.queue.capture_work import CaptureJob, capture_bytes
from desk.queue.client import run_queued, submit
from desk.queue.tables import DONE, CaptureTask, CaptureTaskPage
from desk.settings import get_settings

pytestmark = [pytest.mark.slow]


def _page(doc_type: str, seed: int) -> bytes:
    """A generated document as a JPEG upload, scaled down to keep the OCR work small."""
    image = render(doc_type, random.Random(seed)).image.convert("RGB")
    image.thumbnail((1100, 1100))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def pg_url(pg_cluster, pg_template, data_dir, monkeypatch):
    """A PostgreSQL database of the test's own at this release's schema, set as the desk's database."""
    name = f"q{os.getpid()}_{abs(hash(str(data_dir))) % 10**8}"
    url = pg_cluster.create_database(name, template=pg_template)
    monkeypatch.setenv("DESK_DATABASE_URL", url)
    monkeypatch.setenv("DESK_CAPTURE_QUEUE", "postgres")
    get_settings.cache_clear()
    yield url
    pg_cluster.drop_database(name)


@pytest.fixture
def pg_engine(pg_url):
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def workers(pg_url, data_dir):
    """Start workers with `workers.start()`; all are stopped at the end of the test."""
    started: list[WorkerProcess] = []

    class Workers:
        def start(self, heartbeat_s: float = 3.0) -> WorkerProcess:
            worker = WorkerProcess(pg_url, data_dir, heartbeat_s=heartbeat_s)
            started.append(worker)
            return worker

    yield Workers()
    for worker in started:
        worker.stop()


def _in_process(data: bytes, name: str):
    settings = get_settings()
    return capture_bytes(
        data, name=name, camera=False, ocr_languages=settings.ocr_languages, ocr_timeout_s=settings.ocr_timeout_s
    )


def _stored_pages(engine, task_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(CaptureTaskPage).where(CaptureTaskPage.task_id == task_id)
        ).scalar_one()


def _task(engine, task_id: str) -> CaptureTask:
    with engine.connect() as conn:
        return conn.execute(select(CaptureTask).where(CaptureTask.id == task_id)).one()


def test_a_capture_goes_queued_working_done_and_equals_the_in_process_work(pg_engine, pg_url, workers):
    data = _page("id_card_front", 11)
    job = CaptureJob(data, "card.jpg", False)
    states: list[str] = []

    async def capture():
        queued = asyncio.create_task(run_queued(pg_engine, pg_url, job, on_state=states.append, wait_s=300))
        await asyncio.to_thread(wait_for, lambda: states, 30)  # on the queue, no worker yet
        assert states == ["queued"]
        await asyncio.to_thread(lambda: workers.start().wait_ready())
        return await queued

    outcome = asyncio.run(capture())
    assert states == ["queued", "working", "done"]
    expected = _in_process(data, "card.jpg")
    assert outcome.refused_key is None and len(outcome.pages) == len(expected.pages) == 1
    got, want = outcome.pages[0], expected.pages[0]
    assert got.doc_type == want.doc_type == "id_card_front"
    assert got.page.text == want.page.text and got.page.words == want.page.words
    assert got.id_numbers == want.id_numbers and got.problems == want.problems
    assert got.page.original == data == want.page.original  # an upload of one page is kept as it arrived
    assert got.page.flat == want.page.flat and got.page.thumb == want.page.thumb
    assert got == want  # every other finding too (fields, evidence, sizes)
    # collected into the clerk's tab: the task and its pages are gone from the database
    with pg_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CaptureTask)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(CaptureTaskPage)).scalar_one() == 0


def test_two_workers_share_the_jobs(pg_engine, pg_url, workers):
    first, second = workers.start(), workers.start()
    first.wait_ready(), second.wait_ready()
    pages = [_page(kind, seed) for seed, kind in enumerate(["lease", "id_card_front", "lease", "id_card_front"])]
    task_ids = [submit(pg_engine, pg_url, CaptureJob(data, f"p{n}.jpg", False)) for n, data in enumerate(pages)]
    wait_for(lambda: all(task_store.task_status(pg_engine, t) == DONE for t in task_ids), 300, step=0.2)
    tasks = [_task(pg_engine, t) for t in task_ids]
    assert {task.worker.split(":")[1] for task in tasks} == {str(first.pid), str(second.pid)}
    assert all(task.attempts == 1 and task.input is None for task in tasks)
    for task_id, data in zip(task_ids, pages, strict=True):
        outcome = task_store.read_outcome(pg_engine, task_id)
        assert outcome is not None and outcome.refused_key is None
        assert [page.page.original for page in outcome.pages] == [data]


def test_a_worker_killed_mid_job_loses_nothing_and_the_page_is_stored_once(pg_engine, pg_url, workers):
    doomed = workers.start(heartbeat_s=3).wait_ready()
    data = _page("lease", 5)
    task_id = submit(pg_engine, pg_url, CaptureJob(data, "lease.jpg", False))
    wait_for(lambda: _task(pg_engine, task_id).status == "working", 60)
    assert _task(pg_engine, task_id).worker.endswith(f":{doomed.pid}")
    rescuer = workers.start(heartbeat_s=3).wait_ready()  # idle, while the doomed worker holds the job
    doomed.kill()  # SIGKILL mid-job
    wait_for(lambda: task_store.task_status(pg_engine, task_id) == DONE, 180, step=0.2)
    task = _task(pg_engine, task_id)
    assert task.worker.endswith(f":{rescuer.pid}") and task.attempts == 2
    assert _stored_pages(pg_engine, task_id) == 1
    outcome = task_store.read_outcome(pg_engine, task_id)
    assert outcome is not None and outcome.pages[0].doc_type == "lease"
    # the doomed worker's run, had it finished after all, stores nothing more
    assert not task_store.store_outcome(pg_engine, task_id, outcome)
    assert _stored_pages(pg_engine, task_id) == 1
    # the queue holds no job any more: it is not run a third time
    with pg_engine.connect() as conn:
        wait_for(lambda: conn.execute(text("SELECT count(*) FROM pgqueuer")).scalar_one() == 0, 30)


def test_the_worker_refuses_a_sqlite_database(data_dir):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DESK_DATA_DIR": str(data_dir), "DESK_DEFAULT_LANGUAGE": "en"}
    env.pop("DESK_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "desk", "worker"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "needs a PostgreSQL database" in done.stderr


def test_the_pool_stays_the_default(monkeypatch):
    monkeypatch.delenv("DESK_CAPTURE_QUEUE", raising=False)
    get_settings.cache_clear()
    assert get_settings().capture_queue == "pool"
    monkeypatch.setenv("DESK_CAPTURE_QUEUE", "redis")
    get_settings.cache_clear()
    with pytest.raises(ValueError):
        get_settings()
    get_settings.cache_clear()


def test_the_frozen_queue_schema_is_what_the_pinned_library_installs():
    import pgqueuer
    from pgqueuer.adapters.persistence.schema_ddl import render_install
    from pgqueuer.domain.settings import DBSettings

    from desk.queue.library_schema import PGQUEUER_SCHEMA, PGQUEUER_VERSION

    assert pgqueuer.__version__ == PGQUEUER_VERSION
    assert render_install(DBSettings()) == PGQUEUER_SCHEMA


def test_the_counter_capture_route_takes_the_queue_and_feeds_the_tabs_pending_pages(pg_engine, workers):
    from desk.ui.capture_routes import CaptureTab, run_capture

    workers.start().wait_ready()
    tab = CaptureTab("token", "clerk1", person_id=1)
    seen: list[str] = []

    async def capture():
        async def watch() -> None:
            while True:
                if tab.capture_state and tab.capture_state not in seen:
                    seen.append(tab.capture_state)
                await asyncio.sleep(0.02)

        watcher = asyncio.create_task(watch())
        try:
            return await run_capture(_page("lease", 8), name="lease.jpg", camera=False, tab=tab)
        finally:
            watcher.cancel()

    outcome = asyncio.run(capture())
    assert outcome is not None and outcome.refused_key is None and outcome.source == "upload"
    assert "working" in seen and tab.capture_state is None  # the dialog's busy line followed the job
    added = tab.add_pages(outcome)
    assert [page.captured.doc_type for page in added] == ["lease"] and tab.pending == added
    with pg_engine.connect() as conn:  # held by the tab now, not by the queue; nothing archived
        assert conn.execute(select(func.count()).select_from(CaptureTask)).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM archive_page")).scalar_one() == 0


def test_a_page_that_killed_every_worker_is_given_up_with_a_retry_for_the_clerk(pg_engine):
    from desk.queue.worker import MAX_ATTEMPTS, run_job

    data = _page("id_card_front", 3)
    task_id = task_store.add_task(pg_engine, data, name="card.jpg", camera=False)
    with pg_engine.begin() as conn:  # as if MAX_ATTEMPTS workers had died under it
        conn.execute(text("UPDATE capture_task SET attempts = :n WHERE id = :id"), {"n": MAX_ATTEMPTS, "id": task_id})
    assert run_job(pg_engine, task_id, "test:1")  # stored at once, without reading the page again
    job = CaptureJob(data, "card.jpg", False)
    outcome = task_store.read_outcome(pg_engine, task_id, job)
    assert outcome is not None and outcome.pages == [] and outcome.refused_key == "capture.failed.worker_died"
    assert outcome.retry == job  # the clerk's dialog offers Retry
    assert not run_job(pg_engine, task_id, "test:2")  # done: a late job of it does nothing


def test_tasks_no_server_will_collect_are_deleted(pg_engine):
    from desk.queue.worker import forget_abandoned

    old, fresh = (task_store.add_task(pg_engine, b"x", name=f"{n}.jpg", camera=True) for n in (1, 2))
    with pg_engine.begin() as conn:
        conn.execute(text("UPDATE capture_task SET created_at = now() - interval '1 day' WHERE id = :id"), {"id": old})
    assert forget_abandoned(pg_engine) == 1
    assert task_store.task_status(pg_engine, old) is None and task_store.task_status(pg_engine, fresh) == "queued"


def test_the_queue_bench_measures_each_worker_count_against_one_worker_and_the_pool(pg_url, data_dir):
    from desk.bench.queue_bench import run_queue_bench

    pages = [_page("id_card_front", 21), _page("id_card_front", 22)]
    with pytest.raises(ValueError):
        run_queue_bench(pg_url, pages, data_dir=data_dir, worker_counts=(2, 1))
    figures = run_queue_bench(pg_url, pages, data_dir=data_dir, worker_counts=(1, 2))
    assert figures["pages"] == 2 and set(figures["pages_per_minute"]) == {"1", "2"}
    assert figures["throughput_ratio"]["1"] == 1.0 and figures["throughput_ratio"]["2"] > 0
    assert all(value > 0 for value in figures["pages_per_minute"].values())
    latency = figures["latency_s"]
    assert latency["pool"] > 0 and latency["queue"] > 0
    assert figures["queue_latency_ratio"] == pytest.approx(latency["queue"] / latency["pool"], rel=0.01)
    engine = make_engine(pg_url)  # the bench leaves no task behind
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(CaptureTask)).scalar_one() == 0
    finally:
        engine.dispose()

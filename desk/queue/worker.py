"""`python -m desk worker`: take capture jobs off the PostgreSQL queue, run the pipeline, store the outcome.

Any number of worker processes on any number of machines share one queue (pgqueuer: jobs are
claimed with FOR UPDATE SKIP LOCKED, so each job goes to one worker). A worker runs one page at a
time — start one per core — and keeps the job's heartbeat beating while it works; a worker that
dies (SIGKILL, out of memory, a lost machine) stops beating, and after `DESK_CAPTURE_HEARTBEAT_S`
another worker takes the job again. The outcome is stored only while the task is not yet done
(desk.queue.task_store), so a job run twice still stores its pages once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from desk.capture.errors import WorkerDied
from desk.queue import task_store
from desk.queue.capture_work import capture_bytes, failed
from desk.settings import get_settings

ENTRYPOINT = "desk_capture"
ABANDONED_AFTER_S = 3600.0
MAX_ATTEMPTS = 3  # workers that may die under one page before it is given up as the page's fault
_log = logging.getLogger(__name__)


def psycopg_conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (postgresql+psycopg://…)."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _one_job_manager_class() -> type:
    from pgqueuer import QueueManager
    from pgqueuer.models import Job

    class OneJobAtATime(QueueManager):
        """A queue manager that holds one job at a time.

        pgqueuer's `run` refuses a per-worker cap below twice the batch size; its dequeue query
        enforces any cap, and a worker holding a second job while its one core reads the first would
        keep that job from an idle worker.
        """

        async def fetch_jobs(
            self, batch_size: int, global_concurrency_limit: int | None, heartbeat_timeout: timedelta
        ) -> AsyncGenerator[Job, None]:
            async for job in super().fetch_jobs(1, 1, heartbeat_timeout):
                yield job

    return OneJobAtATime


def run_job(engine: Engine, task_id: str, worker: str) -> bool:
    """Take the task, run the pipeline over it and store the outcome; False when there was nothing to do
    (done already, or collected). A failure of the work itself is stored as a refusal the clerk may retry."""
    taken = task_store.take_task(engine, task_id, worker)
    if taken is None:
        return False
    job, attempts = taken
    settings = get_settings()
    if attempts > MAX_ATTEMPTS:  # the page itself kills workers (out of memory): stop, tell the clerk
        _log.warning("capture task %s: %d workers died under it; given up", task_id, attempts - 1)
        return task_store.store_outcome(engine, task_id, failed(job, WorkerDied().key))
    try:
        outcome = capture_bytes(
            job.data,
            name=job.name,
            camera=job.camera,
            ocr_languages=settings.ocr_languages,
            ocr_timeout_s=settings.ocr_timeout_s,
        )
    except Exception:  # a bug or a native library's error: the clerk gets a message, not an endless wait
        _log.exception("capture task %s failed", task_id)
        outcome = failed(job, WorkerDied().key)
    return task_store.store_outcome(engine, task_id, outcome)


def forget_abandoned(engine: Engine) -> int:
    """Delete tasks far older than any server waits for its outcome (their server died meanwhile)."""
    wait = max(2 * get_settings().capture_queue_wait_s, ABANDONED_AFTER_S)
    return task_store.forget_older_than(engine, datetime.now(UTC) - timedelta(seconds=wait))


def prepare_process() -> None:
    """One thread for OpenCV (the process is one worker on one core) and the OCR models loaded now."""
    import cv2

    from desk.capture import engines

    cv2.setNumThreads(1)
    engines.warm_up(get_settings().ocr_engine)


async def serve(engine: Engine, database_url: str, *, heartbeat_s: float) -> None:
    """Take jobs until SIGTERM or SIGINT (the job in hand is finished first)."""
    import psycopg
    from pgqueuer import PsycopgDriver, Queries
    from pgqueuer.models import Job

    worker = task_store.worker_name()
    connection = await psycopg.AsyncConnection.connect(psycopg_conninfo(database_url), autocommit=True)
    manager = _one_job_manager_class()(Queries(PsycopgDriver(connection)))

    @manager.entrypoint(ENTRYPOINT)
    async def capture(job: Job) -> None:
        task_id = (job.payload or b"").decode()
        # in a thread, so the event loop keeps the job's heartbeat beating while the page is read
        stored = await asyncio.to_thread(run_job, engine, task_id, worker)
        await asyncio.to_thread(forget_abandoned, engine)
        _log.info("capture task %s %s by %s", task_id, "stored" if stored else "skipped", worker)

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, manager.shutdown.set)
    heartbeat = timedelta(seconds=heartbeat_s)
    await asyncio.to_thread(forget_abandoned, engine)
    try:
        # an idle worker looks for jobs whose worker went quiet at least once per heartbeat period
        await manager.run(dequeue_timeout=heartbeat, batch_size=1, heartbeat_timeout=heartbeat)
    finally:
        await connection.close()

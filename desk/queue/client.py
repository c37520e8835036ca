"""The web server's side of the capture queue: put a frame or file on it, follow its state, collect the outcome.

The task row is committed first, then the job goes on the queue (its payload is just the task id;
the bytes stay in the task row). The server polls the row's state — queued, working, done — for
the clerk's dialog, and once done takes the outcome and deletes the task: from there the pages
are the tab's pending pages, as with the in-process pool, and reach the archive only when the
clerk accepts them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from desk.queue import task_store
from desk.queue.capture_work import CaptureJob, CaptureOutcome, failed
from desk.queue.tables import DONE
from desk.queue.worker import ENTRYPOINT, psycopg_conninfo

POLL_S = 0.25  # how often a waiting capture looks at its task: a quarter second is what the clerk notices
TIMED_OUT = "capture.queue.timed_out"


def enqueue(database_url: str, task_id: str) -> None:
    """Put the task's job on the queue (its task id is the dedupe key: a second put of one task is refused)."""
    import psycopg
    from pgqueuer.db import SyncPsycopgDriver
    from pgqueuer.queries import SyncQueries

    with psycopg.connect(psycopg_conninfo(database_url), autocommit=True) as connection:
        SyncQueries(SyncPsycopgDriver(connection)).enqueue(ENTRYPOINT, task_id.encode(), dedupe_key=task_id)


def submit(engine: Engine, database_url: str, job: CaptureJob) -> str:
    """Commit the task and put its job on the queue; the task id."""
    task_id = task_store.add_task(engine, job.data, name=job.name, camera=job.camera)
    try:
        enqueue(database_url, task_id)
    except Exception:
        task_store.forget_task(engine, task_id)  # no job will ever take it
        raise
    return task_id


async def run_queued(
    engine: Engine,
    database_url: str,
    job: CaptureJob,
    *,
    on_state: Callable[[str], None],
    wait_s: float,
) -> CaptureOutcome:
    """Submit `job` and wait for a worker's outcome, telling `on_state` each new state (queued, working, done).

    After `wait_s` without an outcome the task is withdrawn and the outcome is a refusal the clerk may
    retry (no worker running, or all of them far behind).
    """
    task_id = await asyncio.to_thread(submit, engine, database_url, job)
    deadline, shown = time.monotonic() + wait_s, ""
    try:
        while time.monotonic() < deadline:
            state = await asyncio.to_thread(task_store.task_status, engine, task_id)
            if state is not None and state != shown:
                shown = state
                on_state(state)
            if state == DONE:
                outcome = await asyncio.to_thread(task_store.read_outcome, engine, task_id, job)
                if outcome is not None:
                    return outcome
            await asyncio.sleep(POLL_S)
        return failed(job, TIMED_OUT)
    finally:
        # collected, timed out, or the request went away: the task and its pages are not kept
        await asyncio.shield(asyncio.to_thread(task_store.forget_task, engine, task_id))

"""The page pool survives a worker that dies mid-job: the caller gets a clear error, the next job runs."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from desk.capture import pool
from desk.capture.errors import InputRefused


async def _kill_a_worker_mid_job() -> InputRefused:
    from desk.capture.errors import WorkerDied

    job = asyncio.ensure_future(pool.run_async(time.sleep, 60))
    deadline = time.monotonic() + 60
    while not pool.worker_pids():  # spawn starts the worker on the first job
        assert time.monotonic() < deadline, "no worker started"
        await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)  # let the worker take the job
    victim = pool.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    with pytest.raises(WorkerDied) as caught:
        await asyncio.wait_for(job, timeout=30)
    assert victim not in pool.worker_pids()
    return caught.value


def test_a_killed_worker_gives_a_clear_error_and_the_next_job_succeeds():
    async def scenario() -> tuple[InputRefused, int, int]:
        died = await _kill_a_worker_mid_job()
        first = await pool.run_async(os.getpid)
        second = await pool.run_async(os.getpid)
        return died, first, second

    try:
        died, first, second = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert isinstance(died, InputRefused) and died.key == "capture.failed.worker_died"
    assert "请重试" in died.message("zh-CN") and "try again" in died.message("en")
    assert first != os.getpid() and second != os.getpid()


def test_a_multi_page_file_after_a_dead_worker_runs_in_a_fresh_pool():
    """The pipeline's own use of the pool: before, the broken executor refused every later file."""
    from PIL import Image

    from desk.capture.options import CaptureOptions
    from desk.capture.pipeline import process_file

    from .synthetic import text_page

    image = Image.fromarray(text_page()[:, :, ::-1])
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=150.0, save_all=True, append_images=[image])
    try:
        job = pool.page_pool(2).submit(time.sleep, 60)
        deadline = time.monotonic() + 60
        while not multiprocessing.active_children():
            assert time.monotonic() < deadline, "no worker started"
            time.sleep(0.05)
        time.sleep(2.0)
        os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            job.result(timeout=30)  # the raw executor is broken for good
        pages = process_file(buffer.getvalue(), name="two.pdf", options=CaptureOptions(workers=2))
    finally:
        pool.shutdown()
    assert [page.page for page in pages] == [1, 2]

"""The capture queue's figures (#14): pages per minute with 1, 2 and 4 `python -m desk worker` processes on
the same pages, and the latency a clerk's page gains by going through the queue instead of the
in-process pool. Every figure is also given as a ratio against a baseline measured in the same run
(one worker; the pool), since absolute speeds say more about the machine than about the queue.

Needs a PostgreSQL database (its capture tables stay empty afterwards); the workers are real
subprocesses on this machine. `python -m desk bench scale --queue` calls `run_for_scale`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg
from PIL import Image
from sqlalchemy.engine import Engine, make_url

from desk.bench.materials import load_docgen
from desk.capture import pool
from desk.db import init_db, make_engine
from desk.queue import task_store
from desk.queue.capture_work import CaptureJob, capture_bytes
from desk.queue.client import run_queued, submit
from desk.queue.tables import DONE
from desk.settings import get_settings

READY_LINE_WAIT_S = 180.0  # a worker loads the OCR models before it says it is ready
POLL_S = 0.05


class BenchWorker:
    """One `python -m desk worker` subprocess on the bench's database."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        env = {**os.environ, "DESK_DATABASE_URL": database_url, "DESK_DATA_DIR": str(data_dir)}
        env |= {"DESK_CAPTURE_QUEUE": "postgres", "DESK_DEFAULT_LANGUAGE": "en"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "desk", "worker", "--lang", "en"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if "ready, waiting for jobs" in line:
                self.ready.set()
        self.ready.set()  # ended before it was ready: wait() sees the exit code

    def wait(self) -> None:
        """Block until the worker takes jobs; RuntimeError when it stopped or took too long."""
        if not self.ready.wait(READY_LINE_WAIT_S) or self.process.poll() is not None:
            raise RuntimeError(f"worker {self.process.pid} did not start (exit code {self.process.poll()})")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not finish its job and go."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _pool_latencies(pages: Sequence[bytes]) -> list[float]:
    """Seconds per page through the in-process pool with one warm worker, one page at a time (the baseline)."""
    settings = get_settings()
    pool.prestart(1)  # spawned and models loaded before the clock runs, as a server does at start
    executor = pool.page_pool(1)
    seconds = []
    for n, data in enumerate(pages):
        started = time.perf_counter()
        pool.result_of(
            executor.submit(
                capture_bytes,
                data,
                name=f"page{n}.jpg",
                camera=False,
                ocr_languages=settings.ocr_languages,
                ocr_timeout_s=settings.ocr_timeout_s,
            )
        )
        seconds.append(time.perf_counter() - started)
    pool.shutdown()
    return seconds


def _queue_latencies(engine: Engine, database_url: str, pages: Sequence[bytes]) -> list[float]:
    """Seconds per page through the queue and one idle worker, one page at a time, as a clerk's server waits."""
    seconds = []
    for n, data in enumerate(pages):
        started = time.perf_counter()
        job = CaptureJob(data, f"page{n}.jpg", False)
        asyncio.run(run_queued(engine, database_url, job, on_state=lambda _state: None, wait_s=600))
        seconds.append(time.perf_counter() - started)
    return seconds


def _pages_per_minute(engine: Engine, database_url: str, pages: Sequence[bytes]) -> float:
    """All pages on the queue at once; pages per minute until the last is done."""
    started = time.perf_counter()
    task_ids = [submit(engine, database_url, CaptureJob(data, f"page{n}.jpg", False)) for n, data in enumerate(pages)]
    waiting = set(task_ids)
    while waiting:
        waiting = {task_id for task_id in waiting if task_store.task_status(engine, task_id) != DONE}
        time.sleep(POLL_S)
    elapsed = time.perf_counter() - started
    for task_id in task_ids:
        task_store.forget_task(engine, task_id)
    return 60.0 * len(pages) / elapsed


def run_queue_bench(
    database_url: str, pages: Sequence[bytes], *, data_dir: Path, worker_counts: Sequence[int] = (1, 2, 4)
) -> dict:
    """Throughput with each number of workers (ascending) and the queue's added latency, with their ratios.

    `pages`: images (JPEG, PNG …) or PDFs; each is one job. The same pages go through every setting.
    """
    if not pages or not worker_counts or sorted(worker_counts) != list(worker_counts) or worker_counts[0] < 1:
        raise ValueError("pages and an ascending list of worker counts (from 1) are needed")
    engine = make_engine(database_url)
    init_db(engine)
    pool_seconds = _pool_latencies(pages)
    workers: list[BenchWorker] = []
    per_minute: dict[str, float] = {}
    try:
        for count in worker_counts:
            started = [BenchWorker(database_url, data_dir) for _ in range(count - len(workers))]
            for worker in started:
                worker.wait()
            workers += started
            if count == worker_counts[0]:
                queue_seconds = _queue_latencies(engine, database_url, pages)
            per_minute[str(count)] = _pages_per_minute(engine, database_url, pages)
    finally:
        for worker in workers:
            worker.stop()
        engine.dispose()
    base = per_minute[str(worker_counts[0])]
    pool_median, queue_median = statistics.median(pool_seconds), statistics.median(queue_seconds)
    return {
        "pages": len(pages),
        "cores": os.cpu_count(),
        "pages_per_minute": {count: round(value, 2) for count, value in per_minute.items()},
        "throughput_ratio": {count: round(value / base, 3) for count, value in per_minute.items()},
        "latency_s": {"pool": round(pool_median, 3), "queue": round(queue_median, 3)},
        "queue_added_latency_s": round(queue_median - pool_median, 3),
        "queue_latency_ratio": round(queue_median / pool_median, 3),
        # latency with the first worker count: one page at a time, so the workers beyond the first stay idle
        "latency_workers": worker_counts[0],
    }


SCALE_PAGES = ("lease", "id_card_front", "application_form", "bank_card") * 2  # eight tuning templates
SCALE_DATABASE = "desk_scale_queue"  # beside the scale databases: the queue's tasks never touch desk's own


def run_for_scale(args: argparse.Namespace) -> dict:
    """`bench scale --queue`: eight generated pages (1100 px JPEGs, tests/docgen) through 1, 2 and 4 workers
    and the in-process pool, on a scratch database of the PostgreSQL server of `--url`."""
    url = args.url or get_settings().database_url
    if not url or make_url(url).get_backend_name() != "postgresql":
        return {"available": False, "reason": "PostgreSQL"}
    server = make_url(url)
    with psycopg.connect(
        server.set(drivername="postgresql", database=server.database or "postgres").render_as_string(False),
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (SCALE_DATABASE,)).fetchone():
            conn.execute(f'CREATE DATABASE "{SCALE_DATABASE}"')
    docgen = load_docgen()
    pages = [_jpeg(docgen.documents.render(kind, random.Random(seed)).image) for seed, kind in enumerate(SCALE_PAGES)]
    with tempfile.TemporaryDirectory(prefix="desk-queue-bench-") as scratch:
        return run_queue_bench(
            server.set(database=SCALE_DATABASE).render_as_string(hide_password=False), pages, data_dir=Path(scratch)
        )


def _jpeg(image: Image.Image) -> bytes:
    image = image.convert("RGB")
    image.thumbnail((1100, 1100))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()

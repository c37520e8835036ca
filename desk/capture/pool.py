"""One process pool per server process for page work: N pages use N cores.

Workers limit Tesseract and OpenCV to one thread each, so the cores are shared out by pages
rather than fought over by threads. A worker that dies (the kernel's out-of-memory killer, a
crash in a native library) breaks the whole executor: every job in it fails with
BrokenProcessPool and so would every later one. Here the broken pool is dropped and the next job
gets a fresh one; the callers of the dead jobs get `WorkerDied`, a refusal with a message.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from desk.capture.errors import WorkerDied

R = TypeVar("R")

_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_lock = threading.Lock()  # the CLI's pool threads and the server's event loop may both ask


def _init_worker(engine: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops the workers
    import cv2

    from desk.capture import engines

    cv2.setNumThreads(1)
    engines.warm_up(engine)  # the models load as the worker starts, not on a clerk's first page


def page_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """The shared pool (created on first use, resized when a different size is asked for, replaced when broken)."""
    global _pool, _pool_size
    size = workers or os.cpu_count() or 1
    with _lock:
        if _pool is None or _pool_size != size or _is_broken(_pool):
            _stop(_pool)
            context = multiprocessing.get_context("spawn")  # safe beside the web server's threads
            _pool = ProcessPoolExecutor(
                max_workers=size, mp_context=context, initializer=_init_worker, initargs=(_configured_engine(),)
            )
            _pool_size = size
        return _pool


def prestart(workers: int | None = None, timeout: float = 300) -> list[int]:
    """Start every worker of the pool now (each loads the OCR models as it starts); their process ids.

    Called when the server starts, so the first page after start-up does not wait for a worker to
    spawn and load its models. Returns once each worker has run a job (its models loaded), or after
    `timeout` seconds with the workers seen so far.
    """
    executor = page_pool(workers)
    size = workers or os.cpu_count() or 1
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < size and time.monotonic() < deadline:
        # jobs that overlap in time go to different idle workers; a worker still loading its models
        # takes none, and a busy machine can let one worker run two, so go round until each has run one
        seen |= {result_of(job) for job in [executor.submit(_pid_after, 0.2) for _ in range(size)]}
    return sorted(seen)


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _configured_engine() -> str:
    from desk.settings import get_settings

    return get_settings().ocr_engine


def result_of(future: Future, timeout: float | None = None) -> Any:
    """The result of a job of the pool; a dead worker raises `WorkerDied` and drops the broken pool."""
    try:
        return future.result(timeout=timeout)
    except BrokenProcessPool as exc:
        _drop_broken()
        raise WorkerDied() from exc


async def run_async(fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """`fn(*args, **kwargs)` in a worker without blocking the event loop; a dead worker raises `WorkerDied`."""
    try:
        future = page_pool().submit(functools.partial(fn, *args, **kwargs))
        return await asyncio.wrap_future(future)
    except BrokenProcessPool as exc:
        _drop_broken()
        raise WorkerDied() from exc


def worker_pids() -> list[int]:
    """The process ids of the current pool's workers (for operations and tests)."""
    with _lock:
        processes = getattr(_pool, "_processes", None) or {}
        return sorted(processes)


def shutdown() -> None:
    """Stop the pool's workers (also done at interpreter exit)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _is_broken(pool: ProcessPoolExecutor) -> bool:
    return bool(getattr(pool, "_broken", False))  # set by the executor once a worker died


def _drop_broken() -> None:
    """Forget the pool if it is broken, so the next job starts a fresh one."""
    global _pool
    with _lock:
        if _pool is not None and _is_broken(_pool):
            _stop(_pool)
            _pool = None


def _stop(pool: ProcessPoolExecutor | None) -> None:
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


atexit.register(shutdown)

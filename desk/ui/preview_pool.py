"""The one worker process that finds the live outline of every clerk's camera preview.

A process, not a thread: page detection is largely Python (its line and quad searches), so in a
thread of the server it would hold the GIL and slow every other clerk's page. The worker runs at a
lower priority, so captures and the web server go first when the cores are busy, and at most
`MAX_WAITING` previews are in it at once (one running, one waiting): a preview that finds it full is
dropped, not queued, since the browser sends a fresher frame a moment later anyway.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from desk.capture.preview import PreviewResult, preview_frame

NICENESS = 5  # below captures (0): a preview late by a frame costs nothing, a late capture keeps a customer waiting
MAX_WAITING = 2

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
_in_flight = 0


class PreviewDropped(Exception):
    """The worker is full (or was replaced after dying): the frame is dropped, the next one will do."""


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(NICENESS)
    import cv2

    cv2.setNumThreads(1)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None or getattr(_pool, "_broken", False):
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker
            )
        return _pool


def warm_up() -> None:
    """Start the worker now (it imports OpenCV), so the first preview does not wait for it."""
    _executor().submit(os.getpid)


async def find_outline(frame: bytes, detail: bytes | None) -> PreviewResult:
    """The preview result of `frame` from the worker; PreviewDropped when it is full; ValueError for no image."""
    global _in_flight
    if _in_flight >= MAX_WAITING:
        raise PreviewDropped()
    _in_flight += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_executor(), preview_frame, frame, detail)
    except BrokenProcessPool as died:
        raise PreviewDropped() from died
    finally:
        _in_flight -= 1


def shutdown() -> None:
    """Stop the worker at once (at server shutdown and at interpreter exit).

    The worker is terminated, not waited for: a preview still being looked at has no one left to
    show it to, and waiting for it (niced, on a busy machine) would hold up the server's exit.
    """
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    workers = list((getattr(pool, "_processes", None) or {}).values())  # the executor has no public handle
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(timeout=5)


def worker_pids() -> list[int]:
    """The process ids of the worker (for operations and tests)."""
    with _lock:
        return sorted(getattr(_pool, "_processes", None) or {})


atexit.register(shutdown)

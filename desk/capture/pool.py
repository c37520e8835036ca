"""One process pool per server process for page work: N pages use N cores.

Workers limit Tesseract and OpenCV to one thread each, so the cores are shared out by pages
rather than fought over by threads.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)


def page_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """The shared pool (created on first use, resized when a different size is asked for)."""
    global _pool, _pool_size
    size = workers or os.cpu_count() or 1
    if _pool is None or _pool_size != size:
        shutdown()
        context = multiprocessing.get_context("spawn")  # safe beside the web server's threads
        _pool = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_init_worker)
        _pool_size = size
    return _pool


def shutdown() -> None:
    """Stop the pool's workers (also done at interpreter exit)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown)

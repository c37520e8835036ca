"""The demo generator's chunks, in order, drawn in this process or in a second one.

Drawing customers is pure Python and costs about twice what writing them does, so for a large
seed a worker process draws chunk n+1 while this process writes chunk n. The worker is the only
generator, so the data are the same either way (one sequence of chunks, one set of used IDs).
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
from collections.abc import Iterator
from typing import Any

from desk.records.demo_generator import DemoGenerator

PARALLEL_FROM = 50_000  # customers; below this a second process costs more than it saves
_QUEUE_DEPTH = 3
_POLL_SECONDS = 5.0

Rows = dict[str, list[tuple]]


def chunk_stream(settings: dict[str, Any], *, parallel: bool | None = None) -> Iterator[Rows]:
    """Every chunk's rows for `DemoGenerator(**settings)`, in order.

    `parallel=None` draws in a worker process when there are at least PARALLEL_FROM customers.
    """
    if parallel is None:
        parallel = settings["customers"] >= PARALLEL_FROM
    if not parallel:
        generator = DemoGenerator(**settings)
        for index in range(generator.chunk_count):
            yield generator.chunk(index).rows
        return
    yield from _from_worker(settings)


def _from_worker(settings: dict[str, Any]) -> Iterator[Rows]:
    context = multiprocessing.get_context("spawn")  # no fork of a process holding database connections
    chunks = context.Queue(maxsize=_QUEUE_DEPTH)
    worker = context.Process(target=_produce, args=(chunks, settings), name="desk-demo-generator", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = chunks.get(timeout=_POLL_SECONDS)
            except queue_module.Empty:
                if not worker.is_alive():
                    raise RuntimeError(f"the demo-data worker stopped (exit code {worker.exitcode})") from None
                continue
            if item is None:
                return
            if isinstance(item, str):
                raise RuntimeError(f"the demo-data worker failed: {item}")
            yield item
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()


def _produce(chunks: Any, settings: dict[str, Any]) -> None:
    """Worker process: put every chunk's rows, then None (or the error's text)."""
    try:
        generator = DemoGenerator(**settings)
        for index in range(generator.chunk_count):
            chunks.put(generator.chunk(index).rows)
        chunks.put(None)
    except Exception as error:
        chunks.put(repr(error))

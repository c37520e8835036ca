"""A multi-page batch through desk's pipeline with its process pool and with one worker.

The batch is one multi-page TIFF of camera photos (JPEG-compressed, no resolution: camera frames).
CPU seconds over wall seconds tells how many cores a run kept busy: this process, the pool's
workers and every Tesseract they waited for (Linux /proc accounting, read while the workers live).
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image


@dataclass
class BatchTiming:
    """Wall and CPU seconds of the same batch with the pool and with one worker."""

    pages: int
    workers: int
    pool_seconds: float
    pool_cpu_seconds: float
    single_seconds: float
    single_cpu_seconds: float

    @property
    def speedup(self) -> float:
        """How many times faster the pool finished the batch."""
        return self.single_seconds / self.pool_seconds if self.pool_seconds else 0.0

    @property
    def cores_busy(self) -> float:
        """Average number of cores the pool run kept busy (CPU seconds / wall seconds)."""
        return self.pool_cpu_seconds / self.pool_seconds if self.pool_seconds else 0.0


def build_batch(photos: list[Path], pages: int, target: Path) -> Path:
    """A `pages`-page TIFF cycling through `photos`."""
    frames = [Image.open(photos[i % len(photos)]).convert("RGB") for i in range(pages)]
    frames[0].save(target, save_all=True, append_images=frames[1:], compression="jpeg", quality=90)
    return target


def time_batch(batch: Path, pages: int, lang: str) -> BatchTiming:
    """Run the batch with one worker per core, then with one worker; the pool is warmed up first."""
    from desk.capture import pool
    from desk.capture.options import CaptureOptions
    from desk.capture.pipeline import process_file

    workers = os.cpu_count() or 1
    executor = pool.page_pool(workers)
    list(executor.map(int, range(workers)))  # start the workers outside the timed run

    def run(options: CaptureOptions) -> tuple[float, float]:
        cpu_before, wall_before = _cpu_seconds(executor), time.perf_counter()
        process_file(batch, name=batch.name, options=options)
        return time.perf_counter() - wall_before, _cpu_seconds(executor) - cpu_before

    pool_wall, pool_cpu = run(CaptureOptions.from_settings(ocr_languages=lang, workers=workers))
    single_wall, single_cpu = run(CaptureOptions.from_settings(ocr_languages=lang, workers=1))
    return BatchTiming(pages, workers, pool_wall, pool_cpu, single_wall, single_cpu)


def _cpu_seconds(executor) -> float:
    """CPU seconds so far of this process, its reaped children, and the live pool workers with theirs."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    for pid in list(getattr(executor, "_processes", None) or {}):
        total += _process_cpu_seconds(pid)
    return total


def _process_cpu_seconds(pid: int) -> float:
    """utime + stime + waited-for children's time of a live process, from /proc/PID/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    after_name = stat.rsplit(")", 1)[1].split()  # the name may hold spaces; fields resume after ')'
    return sum(int(v) for v in after_name[11:15]) / os.sysconf("SC_CLK_TCK")

"""The scheduled fixity check: every few minutes the app asks whether the last verification is older
than a day and, if so, re-hashes the archive in a worker thread (desk.archive.fixity.verify_if_due).

The last run is recorded in the database, so a restart, or a second app server sharing the
database, does not verify again before the day is up. Each server looks at the same moments of the
wall clock (the multiples of DESK_FIXITY_CHECK_S), so the servers of a centre ask together and, on
PostgreSQL, the advisory lock lets exactly one of them run it (desk.db.run_alone).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from nicegui import app, background_tasks, run

from desk.archive.fixity import verify_if_due
from desk.settings import get_settings
from desk.ui.archive_routes import archive_store

VERIFY_EVERY = timedelta(hours=24)

log = logging.getLogger(__name__)


async def check_now() -> None:
    """Verify the archive if the last recorded run is older than VERIFY_EVERY."""
    report = await run.io_bound(verify_if_due, archive_store(), every=VERIFY_EVERY)
    if report is not None and not report.ok:
        log.warning(
            "scheduled fixity check: %d missing, %d altered, %d orphaned",
            len(report.missing),
            len(report.altered),
            len(report.orphaned),
        )


def seconds_to_next_look(every_s: float, now: float) -> float:
    """Seconds from `now` (epoch seconds) to the next multiple of `every_s`: the same moment on every server."""
    return every_s - now % every_s


async def _look_on_schedule() -> None:
    every_s = get_settings().fixity_check_s
    while True:
        # not at start-up: a starting server has other work first
        await asyncio.sleep(seconds_to_next_look(every_s, time.time()))
        try:
            await check_now()
        except Exception:  # a failed look (the database away a moment) must not end the schedule
            log.exception("scheduled fixity check failed")


def register() -> None:
    """Start looking once the server runs."""
    app.on_startup(lambda: background_tasks.create(_look_on_schedule(), name="desk-fixity-schedule"))

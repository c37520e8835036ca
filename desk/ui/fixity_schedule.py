"""The scheduled fixity check: every few minutes the app asks whether the last verification is older
than a day and, if so, re-hashes the archive in a worker thread (desk.archive.fixity.verify_if_due).

The last run is recorded in the database, so a restart, or a second app server sharing the
database, does not verify again before the day is up; on PostgreSQL an advisory lock lets only one
of the servers asking at the same moment run it (desk.db.run_alone). Each server looks every
DESK_FIXITY_CHECK_S seconds (the first look too).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from nicegui import app, run

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


def register() -> None:
    """Start the timer (not immediately: a starting server has other work first)."""
    app.timer(get_settings().fixity_check_s, check_now, immediate=False)

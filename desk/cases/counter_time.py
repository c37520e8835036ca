"""The customer's time at the counter: from the clerk's lookup of the customer to the first submission.

The lookup is the access-log row every lookup writes (desk.records.lookup.lookup_customer); a case
notes the opener's latest lookup of its customer when it opens, and its first submission turns that
into seconds on the case (the dashboard's median counter time). A case opened without a lookup
(the command line) has no counter time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from desk.security.access_log import AccessLog

LOOKUP_ACTION = "lookup"
# a lookup older than this belongs to another visit (as a draft this old is stale: desk.cases.counter)
VISIT_LENGTH = timedelta(hours=12)


def _utc(value: datetime) -> datetime:
    """An aware UTC time (SQLite hands stored UTC times back without a zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def last_lookup(session: Session, *, staff: str, person_id: int, before: datetime) -> datetime | None:
    """When `staff` last looked up the customer `person_id` in the visit that ends at `before` (None: not at all)."""
    before = _utc(before)  # SQLite compares the stored UTC wall times as text
    found = session.execute(
        select(func.max(AccessLog.at)).where(
            col(AccessLog.staff) == staff,
            col(AccessLog.person_id) == person_id,
            col(AccessLog.action) == LOOKUP_ACTION,
            col(AccessLog.at) <= before,
            col(AccessLog.at) > before - VISIT_LENGTH,
        )
    ).scalar_one_or_none()
    return _utc(found) if found is not None else None


def counter_seconds(looked_up_at: datetime | None, submitted_at: datetime) -> int | None:
    """Whole seconds from the lookup to the submission (None without a lookup)."""
    if looked_up_at is None:
        return None
    return max(0, round((_utc(submitted_at) - _utc(looked_up_at)).total_seconds()))

"""The append-only access log: who looked at which customer, when, why, which fields were unmasked.

Rows are only ever inserted. Database triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) on both engines, so not even a bug or a hand-typed SQL statement can rewrite history.
Times are UTC (timezone-aware), like every other time SQLModel stores in the desk.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel

from desk.db import refuse_changes

APPEND_ONLY_MESSAGE = "access_log is append-only"


class AccessLog(SQLModel, table=True):
    """One read (or unmask) of personal data."""

    __tablename__ = "access_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    staff: str = Field(max_length=64, index=True)
    role: str | None = Field(default=None, max_length=20)
    action: str = Field(max_length=30)  # lookup, view_profile, unmask, …
    person_id: int | None = Field(default=None, index=True)  # no foreign key: the log outlives records
    purpose: str = Field(max_length=200)
    fields: str = Field(default="", max_length=500)  # comma-separated names of unmasked fields
    case_no: str | None = Field(default=None, max_length=40, index=True)


refuse_changes(AccessLog.__table__)  # type: ignore[attr-defined]  # SQLModel sets it, undeclared


def _staff_name(staff: object) -> str:
    return str(getattr(staff, "username", staff))


def log_access(
    session: Session,
    *,
    staff: object,
    action: str,
    person_id: int | None = None,
    purpose: str,
    fields: Iterable[str] = (),
    case_no: str | None = None,
) -> AccessLog:
    """Append one access-log row (flushed, committed with the caller's transaction).

    `staff` is a username or a staff object with `username` (and `role`, recorded when present).
    """
    entry = AccessLog(
        at=datetime.now(UTC),
        staff=_staff_name(staff),
        role=getattr(staff, "role", None),
        action=action,
        person_id=person_id,
        purpose=purpose,
        fields=",".join(fields),
        case_no=case_no,
    )
    session.add(entry)
    session.flush()
    return entry

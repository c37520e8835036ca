"""Reading the access log back (for the admin's access-log page); writing stays in access_log.py."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.security.access_log import AccessLog


def recent_access(
    session: Session, *, staff: str | None = None, person_id: int | None = None, limit: int = 200
) -> list[AccessLog]:
    """The newest rows first, optionally only one staff member's or one customer's."""
    query = select(AccessLog)
    if staff:
        query = query.where(AccessLog.staff == staff.strip().lower())
    if person_id is not None:
        query = query.where(AccessLog.person_id == person_id)
    return list(session.exec(query.order_by(col(AccessLog.id).desc()).limit(limit)))

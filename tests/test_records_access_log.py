"""The access log is append-only on both engines: triggers refuse UPDATE and DELETE."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from desk.db import session_scope
from desk.security.access_log import APPEND_ONLY_MESSAGE, AccessLog, log_access


def _rows(engine):
    with session_scope(engine) as session:
        return [
            (r.staff, r.role, r.action, r.person_id, r.purpose, r.fields, r.case_no)
            for r in session.execute(select(AccessLog).order_by(AccessLog.id)).scalars()
        ]


def test_log_access_appends_what_it_was_given(engine):
    clerk = SimpleNamespace(username="clerk01", role="clerk")
    with session_scope(engine) as session:
        entry = log_access(
            session,
            staff=clerk,
            action="unmask",
            person_id=42,
            purpose="rent withdrawal",
            fields=["id_number", "phone"],
            case_no="C2026-0001",
        )
        assert entry.id is not None and entry.at.tzinfo is not None
        log_access(session, staff="supervisor1", action="lookup", purpose="approval")
    assert _rows(engine) == [
        ("clerk01", "clerk", "unmask", 42, "rent withdrawal", "id_number,phone", "C2026-0001"),
        ("supervisor1", None, "lookup", None, "approval", "", None),
    ]


@pytest.mark.parametrize("statement", ["UPDATE access_log SET purpose = 'rewritten'", "DELETE FROM access_log"])
def test_update_and_delete_are_refused(engine, statement):
    with session_scope(engine) as session:
        log_access(session, staff="clerk01", action="lookup", person_id=7, purpose="inquiry")
    with pytest.raises(DBAPIError, match=APPEND_ONLY_MESSAGE), engine.begin() as conn:
        conn.execute(text(statement))
    assert _rows(engine) == [("clerk01", None, "lookup", 7, "inquiry", "", None)]


def test_orm_changes_are_refused_too(engine):
    with session_scope(engine) as session:
        log_access(session, staff="clerk01", action="lookup", person_id=7, purpose="inquiry")
    with pytest.raises(DBAPIError, match=APPEND_ONLY_MESSAGE), session_scope(engine) as session:
        session.execute(select(AccessLog)).scalars().one().purpose = "changed"
    with pytest.raises(DBAPIError, match=APPEND_ONLY_MESSAGE), session_scope(engine) as session:
        session.delete(session.execute(select(AccessLog)).scalars().one())
    assert _rows(engine)[0][4] == "inquiry"


def test_truncate_is_refused_on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        assert engine.dialect.name == "sqlite"  # SQLite has no TRUNCATE; DELETE is covered above
        return
    with pytest.raises(DBAPIError, match=APPEND_ONLY_MESSAGE), engine.begin() as conn:
        conn.execute(text("TRUNCATE access_log"))

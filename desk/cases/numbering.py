"""Case numbers: readable, unique and sequential per year (`DL2026-000123`), also when many
counters submit at once.

One counter row per prefix and year is incremented with a single UPDATE … RETURNING inside the
caller's transaction. The row stays locked until that transaction ends (a row lock on PostgreSQL,
the database write lock on SQLite), so two concurrent cases never get the same number, and a
rolled-back case gives its number back instead of leaving a gap.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from desk.cases.tables import CaseNumberCounter


def format_case_number(prefix: str, year: int, sequence: int) -> str:
    """`DL2026-000123` from its parts."""
    return f"{prefix}{year}-{sequence:06d}"


def next_case_number(session: Session, *, prefix: str, year: int) -> str:
    """The next case number of `year`, reserved in the caller's transaction."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(CaseNumberCounter)
        .values(prefix=prefix, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["prefix", "year"])
    )
    sequence = session.execute(
        update(CaseNumberCounter)
        .where(col(CaseNumberCounter.prefix) == prefix, col(CaseNumberCounter.year) == year)
        .values(last_value=col(CaseNumberCounter.last_value) + 1)
        .returning(col(CaseNumberCounter.last_value))
    ).scalar_one()
    return format_case_number(prefix, year, sequence)

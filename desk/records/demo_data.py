"""Fill an empty database with deterministic demo data for a Dalian-like centre (domain.md §7).

`seed_database(engine, customers=N, seed=S)` draws the customers in chunks (demo_generator.py)
and writes each chunk with the DBAPI's `executemany` in one transaction, so a million customers
take minutes rather than hours and never sit in memory at once. It runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, Engine

from desk.db import init_db
from desk.records.demo_generator import COLUMNS, DemoGenerator
from desk.records.tables import Person

# Tables whose `id` the generator assigns; PostgreSQL's sequences must be moved past them.
_SERIAL_TABLES = ("employer", "person", "personal_account", "withdrawal", "loan", "registry_fact")


def database_is_empty(engine: Engine) -> bool:
    """True when the database has no customers yet (or no tables at all)."""
    if not inspect(engine).has_table(Person.__tablename__):
        return True
    with engine.connect() as conn:
        return conn.execute(select(Person.id).limit(1)).first() is None


def seed_database(engine: Engine, *, customers: int, seed: int = 1, today: date | None = None) -> dict[str, Any]:
    """Write `customers` demo customers (same seed and day, same data) into an empty database.

    Returns counts per table and the seconds taken. On a database that already has customers it
    writes nothing and returns `{"skipped": True, ...}`, so calling it twice is safe.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    init_db(engine)
    if not database_is_empty(engine):
        return {"skipped": True, "customers": 0, "seconds": 0.0}
    started = time.perf_counter()
    generator = DemoGenerator(customers=customers, seed=seed, today=today or date.today())
    counts = dict.fromkeys(COLUMNS, 0)
    with engine.connect() as conn:
        _prepare_bulk_load(conn)
        with conn.begin():
            counts["employer"] = _insert(conn, "employer", generator.employers())
        for index in range(generator.chunk_count):
            chunk = generator.chunk(index)
            with conn.begin():
                for table, rows in chunk.rows.items():
                    counts[table] += _insert(conn, table, rows)
        _finish_bulk_load(conn)
    return {"skipped": False, "customers": counts["person"], **counts,
            "seconds": round(time.perf_counter() - started, 2)}


def _prepare_bulk_load(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        # Rows are generated consistent, so the per-row foreign-key probe is skipped while loading;
        # a large page cache keeps the random-order ID-number index in memory.
        for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"):
            conn.exec_driver_sql(f"PRAGMA {pragma}")
        conn.commit()


def _finish_bulk_load(conn: Connection) -> None:
    with conn.begin():
        if conn.dialect.name == "postgresql":
            for table in _SERIAL_TABLES:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("ANALYZE")
    if conn.dialect.name == "sqlite":
        for pragma in ("foreign_keys=ON", "synchronous=NORMAL"):
            conn.exec_driver_sql(f"PRAGMA {pragma}")
        conn.commit()


def _insert(conn: Connection, table: str, rows: Sequence[tuple]) -> int:
    """executemany of plain tuples, bypassing per-value SQLAlchemy processing (the hot path of a big seed)."""
    if not rows:
        return 0
    columns = COLUMNS[table]
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    conn.exec_driver_sql(sql, _sqlite_rows(rows) if conn.dialect.name == "sqlite" else list(rows))
    return len(rows)


def _sqlite_rows(rows: Sequence[tuple]) -> list[tuple]:
    """Dates as the ISO text SQLAlchemy stores on SQLite (Python 3.12 drops sqlite3's default adapters)."""
    positions = [i for i, value in enumerate(rows[0]) if isinstance(value, date)]
    positions += [i for row in rows[:50] for i, value in enumerate(row) if isinstance(value, date)]
    positions = sorted(set(positions))  # nullable date columns may be None in the first row
    if not positions:
        return list(rows)
    iso = _IsoCache()
    out = []
    for row in rows:
        values = list(row)
        for i in positions:
            values[i] = iso[values[i]]
        out.append(tuple(values))
    return out


class _IsoCache(dict):
    """date/datetime -> ISO text, memoised: a ledger chunk repeats the same few months."""

    def __missing__(self, value: Any) -> Any:
        if isinstance(value, datetime):  # SQLModel keeps UTC, without offset, on SQLite
            text_value = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", timespec="microseconds")
        else:
            text_value = value.isoformat() if isinstance(value, date) else value
        self[value] = text_value
        return text_value

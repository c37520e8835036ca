"""Fill an empty database with deterministic demo data for a Dalian-like centre (domain.md §7).

`seed_database(engine, customers=N, seed=S, as_of=D)` draws the customers in chunks
(demo_generator.py) as the centre stands on the reference date D (default today): the same seed
and reference date give the same rows on any day, on SQLite and PostgreSQL alike. Each chunk is
written with the DBAPI's `executemany`, all in one transaction, so a million customers take
minutes rather than hours, never sit in memory at once, and a failed seed leaves nothing behind.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from desk.db import init_db
from desk.records.demo_generator import COLUMNS, DemoGenerator
from desk.records.demo_stream import chunk_stream
from desk.records.tables import Person

# Tables whose `id` the generator assigns; PostgreSQL's sequences must be moved past them.
_SERIAL_TABLES = ("employer", "person", "personal_account", "withdrawal", "loan", "registry_fact")


def database_is_empty(engine: Engine) -> bool:
    """True when the database has no customers yet (or no tables at all)."""
    if not inspect(engine).has_table(Person.__tablename__):
        return True
    with engine.connect() as conn:
        return conn.execute(select(col(Person.id)).limit(1)).first() is None


def seed_database(
    engine: Engine,
    *,
    customers: int,
    seed: int = 1,
    as_of: date | None = None,
    parallel: bool | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Write `customers` demo customers into an empty database, as of the reference date `as_of`.

    Ages, deposit months, withdrawal dates and registry times are drawn relative to `as_of`
    (default: today; `today` is its older name), so the same seed and `as_of` give the same rows.
    Returns counts per table, the reference date (ISO text) and the seconds taken. On a database
    that already has customers it writes nothing and returns `{"skipped": True, ...}`, so calling
    it twice is safe. `parallel` draws in a second process (default: for large seeds, see demo_stream).
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    init_db(engine)
    if not database_is_empty(engine):
        return {"skipped": True, "customers": 0, "seconds": 0.0}
    started = time.perf_counter()
    settings: dict[str, Any] = {
        "customers": customers,
        "seed": seed,
        "as_of": as_of or today or date.today(),
        "utc_suffix": "" if engine.dialect.name == "sqlite" else "+00:00",
    }
    counts = dict.fromkeys(COLUMNS, 0)
    with engine.connect() as conn:
        _bulk_load_pragmas(conn, loading=True)
        try:
            with conn.begin():  # one transaction: all of the demo data or none of it
                counts["employer"] = _insert(conn, "employer", DemoGenerator(**settings).employers())
                for rows_by_table in chunk_stream(settings, parallel=parallel):
                    for table, rows in rows_by_table.items():
                        counts[table] += _insert(conn, table, rows)
                _after_load(conn)
        finally:
            _bulk_load_pragmas(conn, loading=False)
    return {
        "skipped": False,
        "customers": counts["person"],
        **counts,
        "as_of": settings["as_of"].isoformat(),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _bulk_load_pragmas(conn: Connection, *, loading: bool) -> None:
    """SQLite only: while loading, skip the per-row foreign-key probe (the generator keeps the rows
    consistent) and keep the random-order ID-number index in a large page cache; afterwards restore
    desk.db's settings and fold the write-ahead log back into the database file."""
    if conn.dialect.name != "sqlite":
        return
    if loading:
        pragmas = ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY")
    else:
        pragmas = ("foreign_keys=ON", "synchronous=NORMAL", "cache_size=-2000", "wal_checkpoint(TRUNCATE)")
    for pragma in pragmas:
        conn.exec_driver_sql(f"PRAGMA {pragma}")
    conn.commit()


def _after_load(conn: Connection) -> None:
    """Planner statistics; on PostgreSQL also move the id sequences past the generated ids."""
    if conn.dialect.name == "postgresql":
        for table in _SERIAL_TABLES:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
    else:
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")
    conn.exec_driver_sql("ANALYZE")


def _insert(conn: Connection, table: str, rows: Sequence[tuple]) -> int:
    """executemany of plain tuples, bypassing per-value SQLAlchemy processing (the hot path of a big seed)."""
    if not rows:
        return 0
    columns = COLUMNS[table]
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    conn.exec_driver_sql(sql, list(rows))
    return len(rows)

"""Database engine and sessions, one code path for SQLite (embedded) and PostgreSQL (many counters).

Each domain package owns its tables (SQLModel classes); importing `desk.models` registers all of
them on `SQLModel.metadata`. The schema of a live database changes only through the Alembic
migrations of desk/migrations, which `init_db` (and `python -m desk migrate`) runs.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import DDL, Table, event, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from desk.settings import get_settings

WAL_TRIES = 200  # x 50 ms: how long a new connection waits for another to finish switching a new file to WAL


def use_wal(dbapi_conn: sqlite3.Connection) -> None:
    """Put the SQLite file in WAL mode. Switching a brand-new file needs it alone for a moment and SQLite
    answers `database is locked` at once rather than waiting (two desks starting together), so retry."""
    for attempt in range(WAL_TRIES):
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or attempt == WAL_TRIES - 1:
                raise
            time.sleep(0.05)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL mode, full sync, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            use_wal(dbapi_conn)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            # FULL: in WAL mode NORMAL may lose the last committed transactions (a case) on a power cut.
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    """The engine of the current settings (cached per URL)."""
    return _engine_for(get_settings().resolved_database_url)


def init_db(engine: Engine | None = None) -> Engine:
    """Bring the database to the schema of this release through its migrations (desk/migrations):
    an empty database is created at the newest revision, one of the previous release (no
    alembic_version yet) is taken as the first revision and upgraded. Returns the engine."""
    from desk.migrations import upgrade

    engine = engine or get_engine()
    upgrade(engine)
    return engine


def append_only_ddl(name: str, dialect: str) -> list[str]:
    """The statements that make table `name` append-only on `dialect` (sqlite or postgresql): triggers that
    refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). create_all and the migrations both run them."""
    message = f"{name} is append-only"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {name}_no_{verb.lower()} BEFORE {verb} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    return [
        f"CREATE OR REPLACE FUNCTION {name}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        f"$body$ BEGIN RAISE EXCEPTION '{message}'; END $body$",
        f"CREATE TRIGGER {name}_no_change BEFORE UPDATE OR DELETE ON {name} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}_refuse_change()",
        f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_refuse_change()",
    ]


def refuse_changes(table: Table) -> None:
    """Make `table` append-only on both engines whenever create_all creates it."""
    for dialect in ("sqlite", "postgresql"):
        for statement in append_only_ddl(table.name, dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (PostgreSQL's advisory locks are keyed by a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def run_alone(name: str, engine: Engine | None = None) -> Iterator[bool]:
    """Whether this process may run job `name` now: on PostgreSQL it holds an advisory lock on a
    connection of its own while the `with` block runs, so the app servers sharing the database run
    a scheduled job once between them (another server asking meanwhile gets False and skips it);
    on SQLite (one machine) always True.

    A session-level lock, not a transaction's: the job commits its own transactions while it runs,
    and the lock goes with the connection if the process dies."""
    engine = engine or get_engine()
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = _lock_key(name)
    with engine.connect() as conn:
        held = bool(conn.execute(select(func.pg_try_advisory_lock(key))).scalar())
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(select(func.pg_advisory_unlock(key)))
                conn.commit()

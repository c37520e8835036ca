"""Database engine and sessions, one code path for SQLite (embedded) and PostgreSQL (many counters).

Each domain package owns its tables (SQLModel classes); importing `desk.models` registers all of
them on `SQLModel.metadata` so `init_db` can create them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from desk.settings import get_settings


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL mode, full sync, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI types
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
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
    """Create every table that does not exist yet, and add the columns and indexes a newer release
    brought to tables that do; returns the engine."""
    import desk.models  # noqa: F401 - registers every table

    engine = engine or get_engine()
    SQLModel.metadata.create_all(engine)
    _add_missing_columns(engine)
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """ALTER TABLE … ADD COLUMN for columns of the models an older database lacks (each new column is
    nullable or has a server default), then the missing indexes. Only ever adds."""
    inspector = inspect(engine)
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    default = f" DEFAULT {column.server_default.arg!r}" if column.server_default is not None else ""
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}{default}'))
            indexes = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in indexes:
                    index.create(conn, checkfirst=True)


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

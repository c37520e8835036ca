"""Schema changes through Alembic: the revisions in `versions/`, run by `init_db` and `python -m desk migrate`.

- `0001` is the schema of the previous release (the first one without migrations);
  `0002` and later bring it to today's. A new schema change is a new file in `versions/` whose
  `down_revision` is the current head; tests/test_migrations.py fails until the migrations give
  exactly what the models declare.
- An empty database is created by `create_all` and stamped at the head (the same schema as running
  every revision, which the tests check on both engines); a database with our tables but no
  `alembic_version` is one of the previous release: it is stamped `0001`, then upgraded.
- Each run holds one transaction with a lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory
  lock), so a second process starting at the same time waits and then finds the work done; DDL is
  transactional on both engines, so a failed upgrade leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from desk.db import use_wal
from desk.queue.tables import QUEUE_LIBRARY_TABLES

FIRST_REVISION = "0001"
_FOLDER = Path(__file__).resolve().parent
_PG_LOCK_KEY = 7_413_020_261  # any constant: the advisory lock every migrating desk process takes


class SchemaError(RuntimeError):
    """The database cannot be brought to this release's schema (e.g. it was made by a newer release)."""


@dataclass(frozen=True)
class UpgradeResult:
    """What `upgrade` found and left: revisions before (None: empty or previous release) and after."""

    before: str | None
    after: str
    created: bool  # an empty database was created
    adopted: bool  # a previous release's database was stamped FIRST_REVISION first


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, made in code (no alembic.ini): the scripts of this package, our connection."""
    config = Config()
    config.set_main_option("script_location", str(_FOLDER))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this release knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise SchemaError("desk/migrations/versions holds no revision")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: no alembic_version table or row)."""
    return MigrationContext.configure(connection).get_current_revision()


def _our_tables(connection: Connection) -> set[str]:
    import desk.models  # noqa: F401 - registers every table

    return set(inspect(connection).get_table_names()) & set(SQLModel.metadata.tables)


def _is_file_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


def _sqlite_migration_engine(engine: Engine) -> Engine:
    """A one-connection engine on the same SQLite file whose transactions hold the write lock from BEGIN
    and include DDL (the driver's own transaction handling would commit each DDL statement alone)."""
    # a second desk starting at the same time waits for the first one's migration, however slow the machine
    migrating = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 300})

    @event.listens_for(migrating, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is ours (below)
        use_wal(dbapi_conn)
        # A table rebuilt by batch mode is dropped while other tables' rows still refer to it;
        # the references are checked with foreign_key_check before the commit instead.
        dbapi_conn.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(migrating, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return migrating


@contextmanager
def _locked_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other migrating process can enter at the same time."""
    owned = _sqlite_migration_engine(engine) if _is_file_sqlite(engine) else None
    try:
        with (owned or engine).connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            yield connection
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise SchemaError(f"the migration left rows whose references are broken: {broken[:5]}")
    finally:
        if owned is not None:
            owned.dispose()


# Tables the models do not declare: Alembic's own, the full-text index (desk.archive.search_index) and the
# queue library's (desk.queue.library_schema).
_NOT_MODELLED = QUEUE_LIBRARY_TABLES | {
    "alembic_version",
    "archive_page_terms",
    "archive_page_fts",
    "archive_page_fts_data",
    "archive_page_fts_idx",
    "archive_page_fts_docsize",
    "archive_page_fts_config",
}


def _modelled(name: str | None, kind: str, _parent: object) -> bool:
    return not (kind == "table" and name in _NOT_MODELLED)


def _same_default(
    _context: object,
    _inspected: object,
    _modelled_column: object,
    inspected_default: str | None,
    _metadata_default: object,
    rendered_metadata_default: str | None,
) -> bool | None:
    # SQLite reflects DEFAULT '' as "('')" where the model renders it as '': equal, not a change.
    if (
        inspected_default is not None
        and rendered_metadata_default is not None
        and inspected_default.strip("()'\"") == rendered_metadata_default.strip("()'\"")
    ):
        return False
    return None


def schema_differences(engine: Engine) -> list[object]:
    """What Alembic's autogenerate finds between the database and the models (tables, columns, types,
    nullability, server defaults, indexes, constraints); empty when they agree."""
    from alembic.autogenerate import compare_metadata

    import desk.models  # noqa: F401 - registers every table

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": _same_default, "include_name": _modelled}
        )
        return compare_metadata(context, SQLModel.metadata)


def _finish(engine: Engine) -> None:
    """Work every start does on a current schema: an archive index of an older layout is rebuilt."""
    from desk.archive.search_index import upgrade_layout

    with engine.begin() as connection:
        upgrade_layout(connection)


def upgrade(engine: Engine, target: str = "head", *, fast_create: bool = True) -> UpgradeResult:
    """Bring the database to `target` (default: the newest revision) and return what was done.

    `fast_create=False` runs every revision even on an empty database (tests compare the two ways).
    Raises SchemaError when the database is at a revision this release does not know.
    """
    head = head_revision()
    with engine.connect() as connection:  # the usual case, without waiting for the write lock
        at = current_revision(connection)
    if at == head and target in ("head", head):
        _finish(engine)
        return UpgradeResult(before=at, after=at, created=False, adopted=False)
    with _locked_transaction(engine) as connection:
        before = current_revision(connection)
        config = alembic_config(connection)
        created = adopted = False
        try:
            if before is None and not _our_tables(connection):
                created = True
                if fast_create and target in ("head", head):
                    SQLModel.metadata.create_all(connection)
                    command.stamp(config, "head")
                else:
                    command.upgrade(config, target)
            else:
                if before is None:
                    adopted = True
                    command.stamp(config, FIRST_REVISION)
                command.upgrade(config, target)
        except CommandError as error:
            raise SchemaError(
                f"the database is at revision {before!r}, which this release cannot upgrade "
                f"({error}); was it made by a newer release?"
            ) from error
        after = current_revision(connection)
    _finish(engine)
    if after is None:
        raise SchemaError("the upgrade left the database without a revision")
    return UpgradeResult(before=before, after=after, created=created, adopted=adopted)

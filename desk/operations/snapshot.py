"""A consistent copy of the live database, and what it holds, read from the same moment.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page inside one read
  transaction, so writers go on (WAL) and the copy is one committed state. The facts (revision,
  rows per table, archive files referred to) are read from the copy.
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot; `pg_dump --snapshot` dumps exactly
  that state while the same transaction reads the facts.

The archive files a backup needs are exactly those the copy's rows refer to: files are durable
before their rows commit and never change afterwards, so they can be copied after the snapshot.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from desk.archive.tables import referenced_keys
from desk.migrations import current_revision


class ToolError(RuntimeError):
    """pg_dump / pg_restore is missing or failed; `key` names the message, `detail` what it said."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(f"{key}: {detail}")
        self.key, self.detail = key, detail


@dataclass(frozen=True)
class DatabaseFacts:
    """What a database holds at one moment: its revision, rows per table, archive files it names."""

    revision: str | None
    rows: dict[str, int]
    referenced: frozenset[str]


def read_facts(connection: Connection) -> DatabaseFacts:
    """Revision, rows of every table of the models that exists, and every store key a page names."""
    import desk.models  # noqa: F401 - registers every table

    present = set(inspect(connection).get_table_names())
    rows = {
        name: int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in sorted(SQLModel.metadata.tables)
        if name in present
    }
    with Session(bind=connection) as session:
        referenced = frozenset(referenced_keys(session)) if "archive_page" in present else frozenset()
    return DatabaseFacts(revision=current_revision(connection), rows=rows, referenced=referenced)


def sqlite_path(engine: Engine) -> Path:
    """The file of a SQLite engine."""
    return Path(engine.url.database or "").expanduser().resolve()


def read_sqlite_facts(path: Path) -> DatabaseFacts:
    """The facts of a SQLite file, opened read-only (the file is not changed, no WAL is made)."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return read_facts(connection)
    finally:
        engine.dispose()


def snapshot_sqlite(engine: Engine, target: Path) -> DatabaseFacts:
    """Copy the live SQLite database into `target` (one self-contained file) and read its facts."""
    source = sqlite3.connect(sqlite_path(engine), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one read transaction, one committed state
        copy.execute("PRAGMA journal_mode=DELETE")  # no -wal beside the copy: the file is the backup
    finally:
        copy.close()
        source.close()
    return read_sqlite_facts(target)


def pg_tool(engine_or_connection: Engine | Connection, name: str) -> Path:
    """pg_dump or pg_restore of the server's major version (DESK_PG_BIN_DIR, /usr/lib/postgresql/N/bin,
    the newest installed, the PATH); ToolError when there is none."""
    from desk.settings import get_settings

    configured = get_settings().pg_bin_dir
    candidates = [configured / name] if configured else []
    with _connection(engine_or_connection) as connection:
        major = int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{name}"))
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    on_path = shutil.which(name)
    candidates += [Path(on_path)] if on_path else []
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ToolError("tool_missing", name)


@contextmanager
def _connection(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection of an engine (opened and closed here) or the connection given (left open)."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def libpq_args(engine: Engine) -> tuple[list[str], dict[str, str]]:
    """`--dbname` for pg_dump / pg_restore and the environment carrying the password (never in argv)."""
    url = engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return ["--dbname", uri], env


def run_tool(command: list[str], env: dict[str, str]) -> str:
    """Run pg_dump / pg_restore and return what it printed; ToolError with its own words when it fails."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise ToolError("tool_failed", f"{Path(command[0]).name}: {result.stderr.strip()[-2000:]}")
    return result.stdout


def snapshot_postgresql(engine: Engine, target: Path) -> DatabaseFacts:
    """pg_dump (custom format) of one exported snapshot, and the facts read in that same snapshot."""
    pg_dump = pg_tool(engine, "pg_dump")
    dbname, env = libpq_args(engine)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        facts = read_facts(connection)
        run_tool(
            [
                str(pg_dump),
                *dbname,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "--file",
                str(target),
            ],
            env,
        )
    return facts

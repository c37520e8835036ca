"""A throw-away PostgreSQL cluster for the test run (Debian's `postgresql` package).

`initdb` refuses to run as root (CI runs as root), so as root the cluster is created and
started as the `postgres` user the package creates; as any other user it runs as that user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN_CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class PgCluster:
    """Start with `start()`, connect with `url(dbname)`, end with `stop()`."""

    def __init__(self) -> None:
        if not PG_BIN_CANDIDATES:
            raise RuntimeError("PostgreSQL is not installed (Debian package 'postgresql'); run `make test`")
        self.bin = PG_BIN_CANDIDATES[0]
        self.dir = Path(tempfile.mkdtemp(prefix="desk-pg-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def start(self) -> PgCluster:
        data = self.dir / "data"
        subprocess.run(
            _as_owner(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run(
            _as_owner(
                [str(self.bin / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start"]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, dbname: str, template: str | None = None) -> str:
        """Create a database and return its URL: an empty one (with pg_trgm), or a copy of database `template`
        (which nobody may be connected to)."""
        with self._connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            if template is None:
                conn.execute(f'CREATE DATABASE "{dbname}" TEMPLATE template0 ENCODING UTF8')
            else:
                # FILE_COPY copies the template's files: for a small database it takes half the time of
                # PostgreSQL 15's default (WAL_LOG), which writes every page to the WAL
                strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
                conn.execute(f'CREATE DATABASE "{dbname}" TEMPLATE "{template}"{strategy}')
        if template is None:
            with self._connect(dbname) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return self.url(dbname)

    def drop_database(self, dbname: str) -> None:
        """Drop database `dbname`, ending any connection a test left open to it."""
        with self._connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    def _connect(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}", autocommit=True)

    def stop(self) -> None:
        subprocess.run(
            _as_owner([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)

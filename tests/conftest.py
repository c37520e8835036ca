"""Shared fixtures.

- `db_url` / `engine`: every test that touches the database runs twice, on SQLite and on a real
  PostgreSQL server that this test run starts itself (tests/pg_cluster.py). A test gets a database
  of its own; one that uses `engine` gets a copy of a database brought to this release's schema
  once per session (building the schema took far longer than most tests themselves).
- `redis_server`: a real redis-server this test run starts on loopback (tests/redis_server.py).
- `data_dir`: a fresh DESK_DATA_DIR per test, so no test sees another's files.
- `corpus`: ../shared/corpus (or DESK_CORPUS) when present.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_cluster import PgCluster  # noqa: E402
from redis_server import RedisServer  # noqa: E402

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A redis-server of this test run on loopback (tests/redis_server.py), for the app servers' shared sessions."""
    server = RedisServer().start()
    yield server
    server.stop()


def _to_schema(engine) -> None:
    from desk.db import init_db

    init_db(engine)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file at this release's schema, made once per session for `engine` to copy."""
    from db_templates import sqlite_template

    return sqlite_template(tmp_path_factory.mktemp("template"), _to_schema)


@pytest.fixture(scope="session")
def pg_template(pg_cluster) -> str:
    """The name of a PostgreSQL database at this release's schema, made once per session for `engine` to copy."""
    from db_templates import pg_template

    return pg_template(pg_cluster, f"template{os.getpid()}", _to_schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A database of the test's own on each engine in turn: empty, or, when the test uses `engine`, a copy of
    the session's template at this release's schema."""
    at_schema = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "desk.sqlite3"
        if at_schema:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"t{os.getpid()}_{next(_db_counter)}"
    yield cluster.create_database(name, template=request.getfixturevalue("pg_template") if at_schema else None)
    cluster.drop_database(name)  # keeps the cluster small: its folder is removed at the end of the run


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh data folder, set as DESK_DATA_DIR for the test."""
    from desk.settings import get_settings

    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("DESK_DATA_DIR", str(folder))
    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("DESK_ARCHIVE_URL", raising=False)  # the archive in this folder unless a test says otherwise
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture
def engine(db_url, data_dir, monkeypatch):
    """A ready engine (all tables created) on each engine in turn, also set as DESK_DATABASE_URL.
    `init_db` runs as at every start of the desk (on the copied schema it has nothing to create)."""
    from desk.db import init_db, make_engine
    from desk.settings import get_settings

    monkeypatch.setenv("DESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    eng = make_engine(db_url)
    init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """A real S3 server (SeaweedFS) on loopback for the session, its data in a temporary folder."""
    from desk.bench.seaweed_server import SeaweedServer

    server = SeaweedServer(tmp_path_factory.mktemp("seaweed")).start()
    yield server
    server.stop()


_prefix_counter = itertools.count()


@pytest.fixture(scope="session")
def s3_buckets(seaweed) -> dict[bool, str]:
    """Two buckets for the session: with Object Lock (and so versioning) and without."""
    client, names = seaweed.client(), {True: "desk-locked", False: "desk-plain"}
    for locked, name in names.items():
        client.create_bucket(Bucket=name, **({"ObjectLockEnabledForBucket": True} if locked else {}))
    return names


@pytest.fixture
def s3_bucket(seaweed, s3_buckets):
    """`make(locked: bool) -> (client, bucket, prefix)`: a prefix of the test's own in the session's bucket
    with Object Lock (`locked`) or without. (SeaweedFS gives every bucket volumes of its own: one bucket
    per test would fill the volume server.)"""

    def make(locked: bool = True):
        return seaweed.client(), s3_buckets[locked], f"t{os.getpid()}-{next(_prefix_counter)}"

    return make


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; tests that need it are skipped only where it is absent (a user's clone)."""
    folder = Path(os.environ.get("DESK_CORPUS", ROOT.parent / "shared" / "corpus"))
    if not (folder / "manifest.json").exists():
        pytest.skip("corpus not present (../shared/corpus or DESK_CORPUS)")
    return folder

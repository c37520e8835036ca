"""Shared fixtures.

- `db_url` / `engine`: every test that touches the database runs twice, on SQLite and on a real
  PostgreSQL server that this test run starts itself (tests/pg_cluster.py).
- `data_dir`: a fresh DESK_DATA_DIR per test, so no test sees another's files.
- `corpus`: ../shared/corpus (or DESK_CORPUS) when present.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_cluster import PgCluster  # noqa: E402

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty database on each engine in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t{os.getpid()}_{next(_db_counter)}")


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh data folder, set as DESK_DATA_DIR for the test."""
    from desk.settings import get_settings

    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("DESK_DATA_DIR", str(folder))
    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture
def engine(db_url, data_dir, monkeypatch):
    """A ready engine (all tables created) on each engine in turn, also set as DESK_DATABASE_URL."""
    from desk.db import init_db, make_engine
    from desk.settings import get_settings

    monkeypatch.setenv("DESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    eng = make_engine(db_url)
    init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; tests that need it are skipped only where it is absent (a user's clone)."""
    folder = Path(os.environ.get("DESK_CORPUS", ROOT.parent / "shared" / "corpus"))
    if not (folder / "manifest.json").exists():
        pytest.skip("corpus not present (../shared/corpus or DESK_CORPUS)")
    return folder

"""Fixtures of the cases tests: one seeded demo database per engine, shared by a test module."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest
from case_people import DEMO_CUSTOMERS, DEMO_TODAY
from db_templates import pg_template, sqlite_template

from desk.db import init_db, make_engine
from desk.records.demo_data import seed_database

_databases = itertools.count()


def _seed(engine) -> None:
    init_db(engine)
    seed_database(engine, customers=DEMO_CUSTOMERS, seed=1, today=DEMO_TODAY)


@pytest.fixture(scope="session")
def demo_sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file with the demo customers, seeded once per session for `demo_engine` to copy."""
    return sqlite_template(tmp_path_factory.mktemp("demo-template"), _seed)


@pytest.fixture(scope="session")
def demo_pg_template(pg_cluster) -> str:
    """The name of a PostgreSQL database with the demo customers, seeded once per session for `demo_engine`."""
    return pg_template(pg_cluster, f"demotemplate{os.getpid()}", _seed)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_engine(request, tmp_path_factory):
    """A database with DEMO_CUSTOMERS deterministic demo customers (seed 1), on each engine in turn: a module's
    own copy of the session's seeded template."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "desk.sqlite3"
        shutil.copyfile(request.getfixturevalue("demo_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = f"demo{os.getpid()}_{next(_databases)}"
        url = cluster.create_database(name, template=request.getfixturevalue("demo_pg_template"))
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        cluster.drop_database(name)

"""Fixtures of the cases tests: one seeded demo database per engine, shared by a test module."""

from __future__ import annotations

import itertools
import os

import pytest
from case_people import DEMO_CUSTOMERS, DEMO_TODAY

from desk.db import init_db, make_engine
from desk.records.demo_data import seed_database

_databases = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_engine(request, tmp_path_factory):
    """A database with DEMO_CUSTOMERS deterministic demo customers (seed 1), on each engine in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'desk.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database(f"demo{os.getpid()}_{next(_databases)}")
    engine = make_engine(url)
    init_db(engine)
    seed_database(engine, customers=DEMO_CUSTOMERS, seed=1, today=DEMO_TODAY)
    yield engine
    engine.dispose()

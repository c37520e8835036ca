"""Databases made once per session for tests to copy: a SQLite file, or a PostgreSQL template database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desk.db import make_engine

Prepare = Callable[[object], None]  # fills a new engine (creates the schema, seeds data)


def _prepared(url: str, prepare: Prepare) -> None:
    engine = make_engine(url)
    prepare(engine)
    engine.dispose()  # a template must have no connection (PostgreSQL); SQLite folds its WAL into the file


def sqlite_template(folder: Path, prepare: Prepare) -> Path:
    """A SQLite file in `folder` made by `prepare`, with nothing left in its WAL."""
    path = folder / "desk.sqlite3"
    _prepared(f"sqlite:///{path}", prepare)
    assert not path.with_name(path.name + "-wal").exists(), "the template's last writes are still in its WAL"
    return path


def pg_template(cluster, name: str, prepare: Prepare) -> str:
    """The name of a PostgreSQL database of `cluster` made by `prepare`, for CREATE DATABASE … TEMPLATE."""
    _prepared(cluster.create_database(name), prepare)
    return name

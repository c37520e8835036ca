"""Same seed and reference date, same demo data: through `python -m desk seed --as-of` into fresh
SQLite databases (compared row for row by a digest), and on PostgreSQL (the same rows as SQLite)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import SQLModel

from desk.db import init_db, make_engine
from desk.records.demo_data import seed_database
from desk.records.demo_generator import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-16"


def _seed_cli(data_dir: Path, *args: str, language: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "DESK_DATA_DIR": str(data_dir), "DESK_DEFAULT_LANGUAGE": language}
    env.pop("DESK_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "desk", "seed", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _digest(database: Path) -> tuple[str, dict[str, int]]:
    """A SHA-256 over every row of the demo tables in a fixed order, and the row count per table."""
    digest, counts = hashlib.sha256(), {}
    with sqlite3.connect(database) as conn:
        for table in COLUMNS:
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY {', '.join(COLUMNS[table])}").fetchall()
            counts[table] = len(rows)
            for row in rows:
                digest.update(repr((table, row)).encode())
    return digest.hexdigest(), counts


def _seeded(tmp_path: Path, name: str, *args: str) -> tuple[str, dict[str, int]]:
    folder = tmp_path / name
    folder.mkdir()
    result = _seed_cli(folder, "--customers", "300", "--seed", "5", *args)
    assert result.returncode == 0, result.stderr
    return _digest(folder / "desk.sqlite3")


def test_same_seed_and_as_of_give_identical_databases(tmp_path):
    first, counts = _seeded(tmp_path, "one", "--as-of", AS_OF)
    second, _ = _seeded(tmp_path, "two", "--as-of", AS_OF)
    assert first == second
    assert counts["person"] == 300 and counts["deposit_ledger"] > 300 and counts["registry_fact"] > 300
    later, _ = _seeded(tmp_path, "later", "--as-of", "2027-03-01")
    assert later != first  # the data are drawn relative to the reference date


def test_a_bad_as_of_date_is_refused_with_a_message(tmp_path):
    for language, words in (("en", "YYYY-MM-DD"), ("zh-CN", "参考日期")):
        result = _seed_cli(tmp_path, "--customers", "10", "--as-of", "16/11/2026", language=language)
        assert result.returncode == 2 and words in result.stderr and "16/11/2026" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "desk.sqlite3").exists()  # refused before the database was touched


def _rows(engine, table_name: str) -> list[tuple]:
    """Every row of a table, typed by SQLAlchemy, times as naive UTC (SQLite keeps no offset)."""
    table = SQLModel.metadata.tables[table_name]
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
    return [
        tuple(v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) and v.tzinfo else v for v in row)
        for row in rows
    ]


def test_postgresql_gets_the_same_rows_as_sqlite(pg_cluster, tmp_path):
    as_of = date.fromisoformat(AS_OF)
    engines = [
        make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}"),
        make_engine(pg_cluster.create_database(f"repro{os.getpid()}")),
    ]
    try:
        summaries = []
        for engine in engines:
            init_db(engine)
            summaries.append(seed_database(engine, customers=300, seed=5, as_of=as_of))
        sqlite_summary, pg_summary = summaries
        assert {t: sqlite_summary[t] for t in COLUMNS} == {t: pg_summary[t] for t in COLUMNS}
        assert sqlite_summary["as_of"] == pg_summary["as_of"] == AS_OF
        for table in COLUMNS:
            sqlite_rows, pg_rows = (_rows(engine, table) for engine in engines)
            assert len(sqlite_rows) == len(pg_rows) == sqlite_summary[table], table
            assert sqlite_rows == pg_rows, table
    finally:
        for engine in engines:
            engine.dispose()

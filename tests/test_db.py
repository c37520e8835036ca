"""The database layer runs on both engines."""

from sqlalchemy import text

from desk.db import session_scope


def test_engine_answers_and_rolls_back(engine):
    with session_scope(engine) as session:
        assert session.exec(text("SELECT 1")).one()[0] == 1
    dialect = engine.dialect.name
    assert dialect in {"sqlite", "postgresql"}


def test_a_new_connection_commits_durably(db_url):
    """Issue #10, finding 9: a committed case must survive a power cut, so SQLite syncs FULL (NORMAL in WAL
    mode may lose the last commits) and PostgreSQL keeps synchronous_commit on."""
    from desk.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # 2 = FULL, 1 = NORMAL
            else:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    finally:
        engine.dispose()

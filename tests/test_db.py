"""The database layer runs on both engines."""

from sqlalchemy import text

from desk.db import session_scope


def test_engine_answers_and_rolls_back(engine):
    with session_scope(engine) as session:
        assert session.exec(text("SELECT 1")).one()[0] == 1
    dialect = engine.dialect.name
    assert dialect in {"sqlite", "postgresql"}

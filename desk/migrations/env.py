"""Alembic's environment: the migrations always run on a connection desk.migrations hands over, inside
the transaction it holds (with the lock that keeps two starting processes from migrating at once)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import desk.models  # noqa: F401 - registers every table on SQLModel.metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "desk migrations run through desk.migrations.upgrade (python -m desk migrate), not the alembic command line"
    )
context.configure(
    connection=connection, target_metadata=SQLModel.metadata, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()

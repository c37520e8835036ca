"""The capture tasks of the queue (DESK_CAPTURE_QUEUE=postgres): a frame or file waiting for a worker,
and, once a worker has run the pipeline over it, its outcome and pages until the clerk's server collects them.

A task row is written by the web server before its job goes on the queue (desk.queue.client) and
deleted when the server has taken the outcome into the clerk's tab: pages reach the archive only when
the clerk accepts them, exactly as with the in-process pool. `CaptureTaskPage` has one row per page,
unique by (task, seq), so a result can never be stored twice even if two workers ran the same task.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

# the states a clerk sees; `done` holds pages or a refusal
QUEUED, WORKING, DONE = "queued", "working", "done"

# Tables of the queue library (pgqueuer, installed on PostgreSQL by migration 0005 and create_all):
# not modelled here, so the schema comparison of desk.migrations leaves them out.
QUEUE_LIBRARY_TABLES = frozenset({"pgqueuer", "pgqueuer_log", "pgqueuer_schedules", "pgqueuer_statistics"})


class CaptureTask(SQLModel, table=True):
    """One frame or file on the queue, and what became of it."""

    __tablename__ = "capture_task"

    id: str = Field(primary_key=True, max_length=32)  # a uuid4 hex, also the queue job's dedupe key
    status: str = Field(default=QUEUED, max_length=10, index=True)
    name: str = Field(max_length=255)  # the uploaded file's name, or camera.jpg
    camera: bool = False
    input_sha256: str = Field(max_length=64)
    # the frame or file; cleared once the outcome is stored (a 40 MB frame need not stay twice)
    input: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    attempts: int = 0  # workers that took it: more than one when a worker died under it
    worker: str = Field(default="", max_length=128)  # host:pid of the worker that took it last
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # source, title, refused_key, refused_params, retry (CaptureOutcome without its pages)
    outcome: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class CaptureTaskPage(SQLModel, table=True):
    """One archive-ready page of a done task, with what the clerk sees before accepting it."""

    __tablename__ = "capture_task_page"
    __table_args__ = (UniqueConstraint("task_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(
        sa_column=Column(String(32), ForeignKey("capture_task.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    seq: int
    original: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    flat: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    thumb: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # the rest of PageInput and CapturedPage: text, words, sizes, doc_type, problems, id_numbers …
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

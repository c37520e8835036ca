"""The rows of capture tasks: written by the web server, taken and answered by workers, collected by the server.

Every change is one transaction. A worker stores an outcome only while its task is not done yet,
under the task row's lock: a second worker that ran the same task (the first one's heartbeat went
quiet, yet it finished after all) finds it done and stores nothing, so a task's pages exist once.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import col

from desk.archive.intake import PageInput
from desk.db import session_scope
from desk.queue.capture_work import CapturedPage, CaptureJob, CaptureOutcome
from desk.queue.tables import DONE, QUEUED, WORKING, CaptureTask, CaptureTaskPage

_IMAGES = ("original", "flat", "thumb")


def worker_name() -> str:
    """host:pid of this process, as a task records who took it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def add_task(engine: Engine, data: bytes, *, name: str, camera: bool) -> str:
    """Commit a queued task for `data`; its id (also the queue job's dedupe key)."""
    task_id = uuid.uuid4().hex
    with session_scope(engine) as session:
        session.add(
            CaptureTask(
                id=task_id,
                status=QUEUED,
                name=name[:255],
                camera=camera,
                input_sha256=hashlib.sha256(data).hexdigest(),
                input=data,
                created_at=datetime.now(UTC),
            )
        )
    return task_id


def take_task(engine: Engine, task_id: str, worker: str) -> tuple[CaptureJob, int] | None:
    """Mark the task working for `worker`; its input and how many workers have taken it (this one included).
    None when it is gone or already done."""
    with session_scope(engine) as session:
        task = session.execute(
            select(CaptureTask).where(col(CaptureTask.id) == task_id).with_for_update()
        ).scalar_one_or_none()
        if task is None or task.status == DONE or task.input is None:
            return None
        task.status, task.worker, task.attempts = WORKING, worker[:128], task.attempts + 1
        task.started_at = datetime.now(UTC)
        return CaptureJob(task.input, task.name, task.camera), task.attempts


def store_outcome(engine: Engine, task_id: str, outcome: CaptureOutcome) -> bool:
    """Store the outcome and its pages and mark the task done, in one transaction; False (nothing stored)
    when the task is already done or gone."""
    with session_scope(engine) as session:
        marked: CursorResult = session.execute(  # type: ignore[assignment]
            update(CaptureTask)
            .where(col(CaptureTask.id) == task_id, col(CaptureTask.status) != DONE)
            .values(status=DONE, input=None, finished_at=datetime.now(UTC), outcome=_outcome_row(outcome))
        )
        if marked.rowcount != 1:
            return False
        for seq, captured in enumerate(outcome.pages):
            session.add(_page_row(task_id, seq, captured))
    return True


def task_status(engine: Engine, task_id: str) -> str | None:
    """queued, working or done; None when there is no such task (collected, or never written)."""
    with session_scope(engine) as session:
        return session.execute(
            select(col(CaptureTask.status)).where(col(CaptureTask.id) == task_id)
        ).scalar_one_or_none()


def read_outcome(engine: Engine, task_id: str, job: CaptureJob | None = None) -> CaptureOutcome | None:
    """The stored outcome of a done task with its pages, in order; None when it is not done.

    `job` is what was submitted: an outcome that a retry may cure (the work failed) carries it.
    """
    with session_scope(engine) as session:
        task = session.get(CaptureTask, task_id)
        if task is None or task.status != DONE or task.outcome is None:
            return None
        rows = session.execute(
            select(CaptureTaskPage).where(col(CaptureTaskPage.task_id) == task_id).order_by(col(CaptureTaskPage.seq))
        ).scalars()
        outcome = _outcome_from(task.outcome, [_captured_from(row) for row in rows])
        outcome.retry = job if task.outcome.get("retry") else None
        return outcome


def forget_task(engine: Engine, task_id: str) -> None:
    """Delete the task and its pages (collected into the clerk's tab, or given up on)."""
    with session_scope(engine) as session:
        session.execute(delete(CaptureTaskPage).where(col(CaptureTaskPage.task_id) == task_id))
        session.execute(delete(CaptureTask).where(col(CaptureTask.id) == task_id))


def forget_older_than(engine: Engine, cutoff: datetime) -> int:
    """Delete tasks created before `cutoff` (their server died or gave up waiting: no one will collect
    them, and their images must not linger); how many."""
    with session_scope(engine) as session:
        old = select(col(CaptureTask.id)).where(col(CaptureTask.created_at) < cutoff)
        session.execute(delete(CaptureTaskPage).where(col(CaptureTaskPage.task_id).in_(old)))
        gone: CursorResult = session.execute(delete(CaptureTask).where(col(CaptureTask.created_at) < cutoff))  # type: ignore[assignment]
        return gone.rowcount


def _outcome_row(outcome: CaptureOutcome) -> dict:
    return {
        "source": outcome.source,
        "title": outcome.title,
        "refused_key": outcome.refused_key,
        "refused_params": outcome.refused_params,
        # a refusal that a retry may cure carries the job; its bytes are the task's input, not repeated
        "retry": outcome.retry is not None,
    }


def _outcome_from(row: dict, pages: list[CapturedPage]) -> CaptureOutcome:
    return CaptureOutcome(
        row["source"], row["title"], pages, refused_key=row["refused_key"], refused_params=row["refused_params"]
    )


def _page_row(task_id: str, seq: int, captured: CapturedPage) -> CaptureTaskPage:
    page = {key: value for key, value in asdict(captured.page).items() if key not in _IMAGES}
    details = {
        "page": page,
        "problems": captured.problems,
        "doc_type": captured.doc_type,
        "id_numbers": captured.id_numbers,
        "page_found": captured.page_found,
        "side": captured.side,
        "evidence": captured.evidence,
        "mended_ids": captured.mended_ids,
    }
    return CaptureTaskPage(
        task_id=task_id,
        seq=seq,
        original=captured.page.original,
        flat=captured.page.flat,
        thumb=captured.page.thumb,
        details=details,
    )


def _captured_from(row: CaptureTaskPage) -> CapturedPage:
    details = row.details
    page = PageInput(original=row.original, flat=row.flat, thumb=row.thumb, **details["page"])
    return CapturedPage(
        page,
        list(details["problems"]),
        details["doc_type"],
        list(details["id_numbers"]),
        bool(details["page_found"]),
        side=details["side"],
        evidence=list(details["evidence"]),
        mended_ids=list(details.get("mended_ids", [])),
    )

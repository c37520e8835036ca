"""Submissions whose answer the clerk may not have seen: written before a submit, removed once shown.

A clerk clicks Submit, the server dies, the browser reloads the page on the restarted server: the
clerk must learn whether the case was recorded (its number) or not (submit again). What the tab
knew is gone with the process, and NiceGUI's user storage is written to its file lazily, after
the change, by a background task: a kill in between loses it. So the counter commits a row here
before submitting, and removes it only after the browser has confirmed the answer arrived.

A row is *unanswered* when the server run that wrote it is over (the process died: `RUN_ID`
differs) or when its own run could not show the answer (the tab was gone). A row of the current
run without an answer is a submit still in flight and is left alone. An answer the browser
confirmed stays for `RECENT` too: a kill a moment after it arrived reloads the page and wipes it
from the screen before the clerk read it, so a restart shows the last submission again. Rows are
per clerk, not per tab: a tab does not survive a closed browser, and a clerk's tabs are all at
the same counter. A clerk's next submit removes their confirmed rows, so each clerk has a row or two.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, col

from desk.cases.counter import CaseState, case_by_key
from desk.db import session_scope

RUN_ID = uuid.uuid4().hex  # this server process; a row of another run outlived its process
RECENT = timedelta(minutes=5)  # a confirmed answer older than this was read before the restart


class SubmissionInFlight(SQLModel, table=True):
    """A submission started by `staff` whose answer has not been confirmed on the clerk's screen."""

    __tablename__ = "submission_in_flight"

    id: int | None = Field(default=None, primary_key=True)
    staff: str = Field(max_length=64, index=True)
    submission_key: str = Field(max_length=36, unique=True)
    person_id: int
    run_id: str = Field(max_length=32)
    answered: bool = False  # the submit finished in this run but its tab was gone before showing it
    started_at: datetime
    shown_at: datetime | None = None  # when the browser confirmed the answer arrived


@dataclass(frozen=True)
class Unanswered:
    """What became of one submission: the case if it was recorded, None if it never went through."""

    submission_key: str
    person_id: int
    case: CaseState | None


def note_submitting(*, staff: str, submission_key: str, person_id: int, engine: Engine | None = None) -> None:
    """Commit the row before the submit starts (a retry of the same draft replaces its row; the clerk's
    confirmed answers of this run are done with)."""
    with session_scope(engine) as session:
        session.execute(
            delete(SubmissionInFlight).where(
                or_(
                    col(SubmissionInFlight.submission_key) == submission_key,
                    and_(
                        col(SubmissionInFlight.staff) == staff,
                        col(SubmissionInFlight.run_id) == RUN_ID,
                        col(SubmissionInFlight.shown_at).is_not(None),
                    ),
                )
            )
        )
        session.add(
            SubmissionInFlight(
                staff=staff,
                submission_key=submission_key,
                person_id=person_id,
                run_id=RUN_ID,
                started_at=datetime.now(UTC),
            )
        )


def answer_shown(submission_key: str, engine: Engine | None = None) -> None:
    """The browser confirmed the answer: only a restart within `RECENT` shows it again."""
    with session_scope(engine) as session:
        session.execute(
            update(SubmissionInFlight)
            .where(col(SubmissionInFlight.submission_key) == submission_key)
            .values(shown_at=datetime.now(UTC))
        )


def answer_not_shown(submission_key: str, engine: Engine | None = None) -> None:
    """The submit finished but its tab could not show the answer: the clerk's next page load will."""
    with session_scope(engine) as session:
        session.execute(
            update(SubmissionInFlight)
            .where(col(SubmissionInFlight.submission_key) == submission_key)
            .values(answered=True)
        )


def _utc(at: datetime) -> datetime:
    """A stored time as aware UTC (SQLite gives it back without its zone)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def take_unanswered(*, staff: str, engine: Engine | None = None) -> tuple[list[Unanswered], bool]:
    """What the clerk should be told now, oldest first, and whether a submit of theirs is still in
    flight in this run. Rows of a dead run and unshown answers are removed as they are taken."""
    recent = datetime.now(UTC) - RECENT
    with session_scope(engine) as session:
        rows = (
            session.execute(
                select(SubmissionInFlight)
                .where(col(SubmissionInFlight.staff) == staff)
                .order_by(col(SubmissionInFlight.started_at))
            )
            .scalars()
            .all()
        )
        dead = [row for row in rows if row.run_id != RUN_ID]
        unshown = [row for row in rows if row.run_id == RUN_ID and row.answered and row.shown_at is None]
        in_flight = any(row.run_id == RUN_ID and not row.answered and row.shown_at is None for row in rows)
        told = [row for row in dead + unshown if row.shown_at is None or _utc(row.shown_at) > recent]
        keys = [(row.submission_key, row.person_id) for row in sorted(told, key=lambda row: _utc(row.started_at))]
        if dead or unshown:
            session.execute(
                delete(SubmissionInFlight).where(col(SubmissionInFlight.id).in_([row.id for row in dead + unshown]))
            )
    return [Unanswered(key, person_id, case_by_key(key, engine)) for key, person_id in keys], in_flight

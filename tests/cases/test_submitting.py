"""desk.cases.submitting on both engines: what a clerk is told after a restart, and what is left alone.

A "dead run" is a real one: the row is written by another Python process that then exits."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from desk.cases.submitting import (
    RECENT,
    SubmissionInFlight,
    answer_not_shown,
    answer_shown,
    note_submitting,
    take_unanswered,
)
from desk.db import session_scope

ROOT = Path(__file__).resolve().parents[2]


def _note_in_another_process(staff: str, key: str) -> None:
    code = (
        "from desk.cases.submitting import note_submitting; "
        f"note_submitting(staff={staff!r}, submission_key={key!r}, person_id=1)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def _keys(told) -> list[str]:
    return [item.submission_key for item in told]


def test_a_submission_of_a_dead_run_is_told_once_and_as_not_gone_through(engine):
    _note_in_another_process("clerk1", "k-dead")
    note_submitting(staff="clerk2", submission_key="k-other", person_id=1, engine=engine)
    told, in_flight = take_unanswered(staff="clerk1", engine=engine)
    assert _keys(told) == ["k-dead"] and told[0].case is None and not in_flight  # no case has that key
    assert take_unanswered(staff="clerk1", engine=engine) == ([], False)  # told once
    assert take_unanswered(staff="clerk2", engine=engine) == ([], True)  # another clerk's, still in flight here


def test_in_flight_is_left_alone_until_its_tab_could_not_show_the_answer(engine):
    note_submitting(staff="clerk1", submission_key="k1", person_id=1, engine=engine)
    assert take_unanswered(staff="clerk1", engine=engine) == ([], True)
    answer_not_shown("k1", engine=engine)
    told, in_flight = take_unanswered(staff="clerk1", engine=engine)
    assert _keys(told) == ["k1"] and not in_flight


def test_a_shown_answer_is_not_told_again_in_the_same_run_and_goes_with_the_next_submit(engine):
    note_submitting(staff="clerk1", submission_key="k1", person_id=1, engine=engine)
    answer_shown("k1", engine=engine)
    assert take_unanswered(staff="clerk1", engine=engine) == ([], False)
    note_submitting(staff="clerk1", submission_key="k2", person_id=1, engine=engine)
    with session_scope(engine) as session:
        assert session.execute(select(SubmissionInFlight.submission_key)).scalars().all() == ["k2"]


def test_after_a_restart_a_recently_shown_answer_is_told_again_an_old_one_is_not(engine):
    _note_in_another_process("clerk1", "k-recent")
    _note_in_another_process("clerk1", "k-old")
    now = datetime.now(UTC)
    with session_scope(engine) as session:  # the dead run had confirmed both answers, one long ago
        for key, shown in (("k-recent", now - timedelta(seconds=5)), ("k-old", now - RECENT - timedelta(minutes=1))):
            session.execute(
                update(SubmissionInFlight).where(SubmissionInFlight.submission_key == key).values(shown_at=shown)
            )
    told, _ = take_unanswered(staff="clerk1", engine=engine)
    assert _keys(told) == ["k-recent"]
    with session_scope(engine) as session:
        assert session.execute(select(SubmissionInFlight)).all() == []

"""Seed data for the supervisor and archivist pages, made through the services: staff rows like the
UI conftest's, a generated lease photographed flat and run once through the real capture pipeline,
archived with the intake, and cases opened, captured and submitted through the workflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pytest
from sqlmodel import select

from desk.archive.intake import DocumentInfo, PageInput, archive_document, page_input_from_result
from desk.archive.storage import FileStore
from desk.cases.checklist import checklist_for
from desk.cases.tables import Case
from desk.cases.workflow import get_case, open_case, perform, record_capture
from desk.db import session_scope
from desk.records.tables import Person
from desk.security.staff import Staff
from desk.ui.session import SessionStaff

# username, display name, role, password
SUPERVISOR = ("sup7", "赵敏", "supervisor", "Review2026aa")
SUPERVISOR2 = ("sup8", "钱程", "supervisor", "Review2026bb")
ARCHIVIST = ("arch7", "孙雪", "archivist", "Archive2026cc")
CLERK_ACTOR = SessionStaff("clerk7", "clerk", "王丽")  # the clerk of tests/ui/conftest.py
RENT, SIMPLE = "TQ401", "TQ201"  # pay first (a lease to capture) and decide first (all proven by data)
LEASE_MATERIAL = "M10"


def actor(account: tuple[str, str, str, str]) -> SessionStaff:
    """A staff account of this module as the workflow sees it."""
    return SessionStaff(account[0], account[2], account[1])


# Fixtures defined here are imported by several test modules, and pytest keeps a session fixture
# per module that defines it: the slow work is cached on the module, so it runs once per test run.
@lru_cache(maxsize=1)
def _hashes() -> dict[str, str]:
    from desk.security.passwords import hash_password

    return {username: hash_password(password) for username, _, _, password in (SUPERVISOR, SUPERVISOR2, ARCHIVIST)}


@lru_cache(maxsize=1)
def _captured_lease() -> PageInput:
    from docgen import SceneOptions, make_sample

    from desk.capture.options import CaptureOptions
    from desk.capture.pipeline import process_file

    sample = make_sample(11, "lease", SceneOptions(flat=True, angle_deg=0.4))
    options = CaptureOptions.from_settings()
    [result] = process_file(sample.data, name=sample.name, options=options)
    return page_input_from_result(result, received=sample.data)


@pytest.fixture(scope="session")
def review_hashes() -> dict[str, str]:
    """argon2 is slow on purpose: hash each password once per run."""
    return _hashes()


@pytest.fixture
def review_staff(desk_db, review_hashes):
    """Two supervisors and an archivist beside the conftest's clerk and admin."""
    with session_scope(desk_db) as db:
        for username, name, role, _ in (SUPERVISOR, SUPERVISOR2, ARCHIVIST):
            db.add(Staff(username=username, display_name=name, role=role, password_hash=review_hashes[username]))
    return desk_db


@pytest.fixture(scope="session")
def lease_page() -> PageInput:
    """A generated lease, scanned flat, through the real capture pipeline (once per test run: OCR is slow)."""
    return _captured_lease()


def archive_page(
    engine,
    data_dir,
    page: PageInput,
    person_id: int,
    *,
    case_no: str | None = None,
    captured_by: str = "clerk7",
    captured_at: datetime | None = None,
    title: str = "lease.jpg",
) -> int:
    """Archive one captured page as a document of `person_id`; returns the document id."""
    info = DocumentInfo(
        person_id=person_id,
        captured_by=captured_by,
        source="upload",
        material_code=LEASE_MATERIAL,
        case_no=case_no,
        title=title,
        captured_at=captured_at,
    )
    return archive_document(FileStore(data_dir), [page], info, engine=engine)


def _customer_for(db, business: str, to_capture: tuple[str, ...], declared: tuple[str, ...] = ()) -> int:
    """The first eligible demo customer whose checklist for `business` asks for exactly `to_capture`."""
    taken = set(db.exec(select(Case.person_id)))  # a customer has one open case of a business at a time
    for person_id in db.exec(select(Person.id).order_by(Person.id)):
        if person_id in taken:
            continue
        checklist = checklist_for(db, person_id, business, declared=declared)
        if checklist.eligible and tuple(item.material for item in checklist.items if item.to_capture) == to_capture:
            return person_id
    raise LookupError(f"no demo customer needs exactly {to_capture} for {business}")


def _step(engine, case_id: int, action: str, who: SessionStaff, **kwargs) -> None:
    with session_scope(engine) as db:
        perform(db, case_id=case_id, action=action, actor=who, expected_version=get_case(db, case_id).version, **kwargs)


def rent_case(
    engine,
    data_dir,
    page: PageInput,
    *,
    paid: bool = False,
    opened_by: SessionStaff = CLERK_ACTOR,
    when: datetime | None = None,
) -> tuple[int, str, int]:
    """A pay-first rent case whose lease was captured at the counter, submitted (and paid and drawn
    for post-review when `paid`); returns (case id, case number, person id)."""
    with session_scope(engine) as db:
        person_id = _customer_for(db, RENT, (LEASE_MATERIAL,), declared=("actual_rent",))
        checklist = checklist_for(db, person_id, RENT, declared=("actual_rent",))
        case = open_case(
            db, checklist=checklist, actor=opened_by, amount_fen=360_000, now=when, declared=("actual_rent",)
        )
        case_id = case.id
    document_id = archive_page(engine, data_dir, page, person_id, captured_by=opened_by.username)
    with session_scope(engine) as db:
        record_capture(
            db,
            case_id=case_id,
            material=LEASE_MATERIAL,
            actor=opened_by,
            expected_version=get_case(db, case_id).version,
            document_id=document_id,
            now=when,
        )
    _step(engine, case_id, "submit", opened_by, now=when)  # gives the number, also to the lease captured
    if paid:
        _step(engine, case_id, "pay", opened_by, now=when, draw=lambda: 0.0)  # always drawn for post-review
    with session_scope(engine) as db:
        return case_id, get_case(db, case_id).case_no, person_id


def simple_case(engine, *, opened_by: SessionStaff = CLERK_ACTOR, when: datetime | None = None) -> tuple[int, str]:
    """A decide-first case proven entirely by data, submitted; returns (case id, case number)."""
    with session_scope(engine) as db:
        person_id = _customer_for(db, SIMPLE, ())
        case = open_case(
            db, checklist=checklist_for(db, person_id, SIMPLE), actor=opened_by, amount_fen=120_000, now=when
        )
        case_id = case.id
    _step(engine, case_id, "submit", opened_by, now=when)
    with session_scope(engine) as db:
        return case_id, get_case(db, case_id).case_no


def days_ago(days: int) -> datetime:
    """An aware UTC time `days` days back (a case submitted then is overdue by now)."""
    return datetime.now(UTC) - timedelta(days=days)

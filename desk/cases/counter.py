"""The counter's steps for one customer, each its own transaction: the checklist (logged as a read
of personal data), the draft case, a captured material archived into the case, 容缺 on the
customer's promise, submission (and for pay-first businesses the payment at once), the clerk's
recent cases, the printable notice, and which archived pages a clerk may look at.

The UI calls these from worker threads and renders what they return; it holds no SQL. Cases
move only through desk.cases.workflow, so its rules (who, which state, what blocks submission)
apply here unchanged and its refusals (`CaseError`) reach the clerk as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from desk.archive.intake import DocumentInfo, PageInput, archive_document
from desk.archive.storage import FileStore
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.cases.catalog import get_catalog
from desk.cases.checklist import Checklist, checklist_for
from desk.cases.document_fit import assigned_sides, missing_sides
from desk.cases.household import PersonFacts
from desk.cases.notice import Notice, build_notice
from desk.cases.tables import Case
from desk.cases.workflow import (Actor, CaseConflict, CaseError, accept_on_promise, get_case, materials, open_case,
                                 perform, record_capture, workflow_rules)
from desk.db import session_scope
from desk.records.profile import CustomerProfile
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_name
from desk.settings import get_settings

COUNTER_PURPOSE = "counter_service"
PAGE_FILES = {"thumb": "thumb_key", "flat": "flat_key"}  # which stored file an image URL may show
BLOCKING = ("missing", "unknown")


@dataclass(frozen=True)
class MaterialState:
    """How one material of a case stands now."""

    material: str
    status: str  # proven | missing | not_applicable | unknown | captured | deferred
    document_id: int | None
    promised_on: date | None


@dataclass(frozen=True)
class CaseState:
    """A case as the counter shows it; `version` is what the next change must name."""

    case_id: int
    case_no: str
    version: int
    state: str
    review_mode: str
    business_code: str
    person_id: int
    sampled_for_review: bool | None
    due_on: date | None
    materials: dict[str, MaterialState]

    @property
    def blocking(self) -> list[str]:
        """Materials that still block submission (missing, or unknown because a source did not answer)."""
        return [code for code, item in self.materials.items() if item.status in BLOCKING]


@dataclass(frozen=True)
class CaseSummary:
    """One line of a clerk's recent cases."""

    case_no: str
    business_code: str
    state: str
    customer: str  # masked name
    opened_at: datetime
    person_id: int


def _store() -> FileStore:
    return FileStore(get_settings().resolved_data_dir)


def _case_state(session: Session, case: Case) -> CaseState:
    rows = materials(session, case.id)
    return CaseState(case.id, case.case_no, case.version, case.state, case.review_mode, case.business_code,
                     case.person_id, case.sampled_for_review, case.due_on,
                     {row.material: MaterialState(row.material, row.status, row.document_id, row.promised_on)
                      for row in rows})


def checklist_logged(*, person_id: int, business_code: str, declared: Iterable[str], staff: Actor,
                     purpose: str = COUNTER_PURPOSE, engine: Engine | None = None) -> Checklist:
    """The checklist of a business for the customer, with the access-log row of reading their facts."""
    with session_scope(engine) as session:
        checklist = checklist_for(session, person_id, business_code, declared=declared)
        log_access(session, staff=staff, action="checklist", person_id=person_id, purpose=purpose)
    return checklist


def open_draft(*, checklist: Checklist, staff: Actor, engine: Engine | None = None) -> CaseState:
    """A new draft case with the materials as the checklist found them."""
    with session_scope(engine) as session:
        case = open_case(session, checklist=checklist, actor=staff)
        return _case_state(session, case)


def case_state(case_id: int, engine: Engine | None = None) -> CaseState:
    """The case as stored now."""
    with session_scope(engine) as session:
        return _case_state(session, get_case(session, case_id))


def _retention_class(business_code: str) -> str | None:
    business = get_catalog().get_business(business_code)
    return business.retention if business else None  # the catalog names only classes the archive has


def archive_capture(*, case_id: int, material: str, pages: Sequence[PageInput], source: str, title: str,
                    staff: Actor, expected_version: int, engine: Engine | None = None,
                    store: FileStore | None = None, sides: Sequence[str | None] = (),
                    flag_reason: str | None = None) -> CaseState:
    """Archive the captured pages as one document of the customer and the case, then mark the material captured.

    `sides` is the clerk's side per page where the classifier found no type (see `refuse_missing_sides`);
    `flag_reason` is the clerk's reason for archiving flagged pages (desk.cases.flag_reasons).
    The case is checked first (still editable, nobody changed it meanwhile), so a refused change
    stores nothing. Raises CaseError / CaseConflict, or desk.archive.errors.ArchiveRefused.
    """
    refuse_missing_sides(material, pages, sides)
    rules = workflow_rules()
    with session_scope(engine) as session:
        case = get_case(session, case_id)
        if case.state not in rules.editable_states:
            raise CaseError("cases.workflow.not_editable", case_no=case.case_no, state=case.state)
        if case.version != expected_version:
            raise CaseConflict("cases.workflow.conflict", case_no=case.case_no)
        info = DocumentInfo(person_id=case.person_id, captured_by=staff.username, source=source,
                            material_code=material, case_no=case.case_no, title=title,
                            retention_class=_retention_class(case.business_code))
    document_id = archive_document(store or _store(), pages, info, engine=engine)
    with session_scope(engine) as session:
        record_capture(session, case_id=case_id, material=material, actor=staff, expected_version=expected_version,
                       document_id=document_id)
        return _case_state(session, get_case(session, case_id))


def refuse_missing_sides(material: str, pages: Sequence[PageInput], sides: Sequence[str | None] = ()) -> None:
    """Raise CaseError unless the pages show every side the catalog requires of `material` (an ID
    card's front and back): a page's side is its classified type, or the clerk's choice in `sides`
    only where the classifier found no type. So a crafted request cannot archive one side alone."""
    assigned = assigned_sides(material, [page.doc_type for page in pages], sides)
    missing = missing_sides(material, assigned)
    if missing:
        raise CaseError("cases.counter.sides_missing", material=material, sides=tuple(missing))


def defer_material(*, case_id: int, material: str, promised_on: date, staff: Actor, expected_version: int,
                   engine: Engine | None = None) -> CaseState:
    """容缺: accept a missing material on the customer's promise to bring it by `promised_on`."""
    with session_scope(engine) as session:
        accept_on_promise(session, case_id=case_id, material=material, actor=staff,
                          expected_version=expected_version, promised_on=promised_on)
        return _case_state(session, get_case(session, case_id))


def submit_case(*, case_id: int, staff: Actor, expected_version: int, engine: Engine | None = None) -> CaseState:
    """Submit the case; a pay-first (先提后审) case is paid in the same transaction and drawn for post-review."""
    with session_scope(engine) as session:
        case = perform(session, case_id=case_id, action="submit", actor=staff, expected_version=expected_version)
        if rules_allow_pay(case, staff):
            case = perform(session, case_id=case_id, action="pay", actor=staff, expected_version=case.version)
        return _case_state(session, case)


def rules_allow_pay(case: Case, staff: Actor) -> bool:
    """Whether the workflow lets `staff` pay this case now (pay-first cases right after submission)."""
    return "pay" in workflow_rules().actions(case.state, case.review_mode, staff.role)


def recent_cases(*, staff: Actor, limit: int = 20, engine: Engine | None = None) -> list[CaseSummary]:
    """The cases `staff` opened, newest first (customers' names masked)."""
    with session_scope(engine) as session:
        rows = session.execute(select(Case, Person.name).join(Person, Person.id == Case.person_id)
                               .where(Case.opened_by == staff.username)
                               .order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)).all()
        return [CaseSummary(case.case_no, case.business_code, case.state, mask_name(name) or "", case.opened_at,
                            case.person_id) for case, name in rows]


def _own_case(session: Session, case_no: str, staff: Actor) -> Case:
    case = session.execute(select(Case).where(Case.case_no == case_no.strip().upper())).scalar_one_or_none()
    if case is None or staff.username not in (case.opened_by, case.submitted_by):
        # someone else's case reads like an unknown one: a clerk learns nothing about it
        raise CaseError("cases.workflow.not_found", case_id=case_no)
    return case


def notice_for(*, case_no: str, staff: Actor, base_url: str, engine: Engine | None = None) -> Notice:
    """The one-time notice of one of the clerk's own cases (logged: it names the customer)."""
    with session_scope(engine) as session:
        case = _own_case(session, case_no, staff)
        log_access(session, staff=staff, action="view_notice", person_id=case.person_id, purpose=COUNTER_PURPOSE,
                   case_no=case.case_no)
        return build_notice(session, case_id=case.id, base_url=base_url)


def page_image(*, page_id: int, kind: str, staff: Actor, opened_people: Iterable[int],
               engine: Engine | None = None, store: FileStore | None = None) -> bytes | None:
    """The thumbnail or flattened image of an archived page, if `staff` may see it; the read is logged.

    A counter clerk sees pages of the customers opened in this browser tab and of the cases they
    opened or submitted; anything else is None, exactly like a page that does not exist.
    """
    if kind not in PAGE_FILES:
        return None
    with session_scope(engine) as session:
        row = session.execute(select(ArchivePage, ArchiveDocument).join(
            ArchiveDocument, ArchiveDocument.id == ArchivePage.document_id).where(ArchivePage.id == page_id)).first()
        if row is None:
            return None
        page, document = row
        if not (document.person_id in set(opened_people) or _in_own_case(session, document.case_no, staff)):
            return None
        key = getattr(page, PAGE_FILES[kind])
        if not key:
            return None
        log_access(session, staff=staff, action="view_document", person_id=document.person_id,
                   purpose=COUNTER_PURPOSE, fields=(f"archive_page:{page.id}",), case_no=document.case_no)
    return (store or _store()).read(key)


def log_capture_view(*, staff: Actor, person_id: int, engine: Engine | None = None) -> None:
    """Log that `staff` looked at a page just captured of the customer (not archived yet)."""
    with session_scope(engine) as session:
        log_access(session, staff=staff, action="view_capture", person_id=person_id, purpose=COUNTER_PURPOSE)


def spouse_id_number(profile: CustomerProfile) -> str | None:
    """The spouse's ID number as the marriage registry states it, when the customer is married."""
    marriage = PersonFacts.of(profile).payload("marriage") or {}
    return marriage.get("spouse_id_number") if marriage.get("status") == "married" else None


def _in_own_case(session: Session, case_no: str | None, staff: Actor) -> bool:
    if not case_no:
        return False
    found = session.execute(select(Case.id).where(Case.case_no == case_no, or_(
        Case.opened_by == staff.username, Case.submitted_by == staff.username))).first()
    return found is not None


def document_pages(document_id: int, engine: Engine | None = None) -> list[int]:
    """The page ids of an archived document, in page order."""
    with session_scope(engine) as session:
        return list(session.execute(select(ArchivePage.id).where(ArchivePage.document_id == document_id)
                                    .order_by(ArchivePage.page_no)).scalars())

"""A whole counter visit in one call, for scripts and `python -m desk case submit`: check everything
first, then open the draft, defer, archive the captured files and submit through the counter's own
services (desk.cases.counter), so the workflow's rules apply unchanged.

`plan_submission` reads and validates: the staff account and its role, the business and its
declarations, the amount and the card, each promise and each file (run through the capture
pipeline, its type and ID numbers checked against the material and the customer), the customer's
checklist (the read is logged like the counter's), the rules, the materials still missing, the
amount against the most the rules allow, the payee and any open case of the business. Every reason
is collected; any reason refuses the whole request before anything is written.

`carry_out` writes: draft, promises, archived documents (last, just before submission) and the
submission itself. If a step is still refused (someone changed the data meanwhile), the draft is
discarded and the documents archived by this call are removed, so nothing numbered or visible
remains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from desk.archive.errors import ArchiveRefused
from desk.archive.intake import PageInput
from desk.archive.search_index import index_for
from desk.archive.store_config import store_from_settings
from desk.archive.store_protocol import ArchiveStore
from desk.archive.tables import ArchiveDocument, ArchivePage, referenced_keys
from desk.cases import document_fit
from desk.cases.amounts import AMOUNT_CHECKS, amount_plan
from desk.cases.catalog import Business, get_catalog
from desk.cases.checklist import Checklist, ChecklistItem
from desk.cases.counter import (
    PAYEE_MATERIAL,
    CaseState,
    archive_capture,
    checklist_logged,
    defer_material,
    discard_draft,
    open_draft,
    spouse_id_number,
    submit_case,
)
from desk.cases.messages import render
from desk.cases.postings import customer_account
from desk.cases.tables import Case
from desk.cases.workflow import BLOCKING, CaseError, contradicted, workflow_rules
from desk.cases.working_days import local_day
from desk.db import session_scope
from desk.money import Money, MoneyError
from desk.records.lookup import FOUND, find_customer
from desk.records.profile import load_profile
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.staff import get_staff
from desk.validators import check_bank_card

CLI_PURPOSE = "command-line case"


@dataclass(frozen=True)
class Reason:
    """Why a request is refused: a message key and its raw parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)

    def message(self, language: str | None = None) -> str:
        """The reason in plain words, in `language` (default: the current one)."""
        return render(self.key, self.params, language)


class SubmissionRefused(Exception):
    """The request was refused for these reasons; nothing was left behind."""

    def __init__(self, reasons: Sequence[Reason]) -> None:
        super().__init__(", ".join(reason.key for reason in reasons))
        self.reasons = list(reasons)


@dataclass(frozen=True)
class StaffActor:
    """The staff member acting, as the workflow sees one."""

    username: str
    role: str


@dataclass(frozen=True)
class SubmitRequest:
    """What the command line asked for, as text (nothing checked yet)."""

    query: str  # ID number or personal account number
    business: str
    staff: str
    amount: str | None = None
    card: str | None = None
    declared: tuple[str, ...] = ()
    defer: tuple[tuple[str, str], ...] = ()  # (material, YYYY-MM-DD)
    attach: tuple[tuple[str, str], ...] = ()  # (material, file path)


@dataclass(frozen=True)
class Attachment:
    """A file run through the capture pipeline, ready for the archive."""

    material: str
    path: Path
    source: str  # upload | pdf
    pages: tuple[PageInput, ...]
    doc_types: tuple[str, ...]
    id_numbers: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Plan:
    """A checked request: what `carry_out` writes."""

    staff: StaffActor
    checklist: Checklist
    declared: tuple[str, ...]
    amount_fen: int | None
    card: str | None
    promises: tuple[tuple[str, date], ...]
    attachments: tuple[Attachment, ...]


def _today() -> date:
    return local_day(datetime.now(UTC))


def _staff(session: Session, username: str, reasons: list[Reason]) -> StaffActor | None:
    """The active staff account `username` if it may open cases; a reason otherwise."""
    account = get_staff(session, username)
    if account is None:
        reasons.append(Reason("case_cli.unknown_staff", {"staff": username}))
    elif not account.active:
        reasons.append(Reason("case_cli.inactive_staff", {"staff": username}))
    elif account.role not in workflow_rules().open_roles:
        reasons.append(Reason("cases.workflow.wrong_role", {"action": "open", "role": account.role}))
    else:
        return StaffActor(account.username, account.role)
    return None


def _business(code: str, declared: Sequence[str], reasons: list[Reason]) -> Business | None:
    """The business of the catalog and its declarations checked."""
    catalog = get_catalog()
    business = catalog.get_business(code)
    if business is None:
        reasons.append(Reason("case_cli.unknown_business", {"code": code, "codes": " ".join(catalog.business)}))
        return None
    unknown = sorted(set(declared) - set(business.declarations))
    if unknown:
        reasons.append(
            Reason(
                "cases.cli.unknown_declaration",
                {"names": ", ".join(unknown), "allowed": ", ".join(business.declarations) or "—"},
            )
        )
    return business


def _amount(text: str | None, reasons: list[Reason]) -> int | None:
    """The amount in fen, or None when none was given (or it is refused)."""
    if text is None:
        return None
    try:
        fen = Money.parse(text).fen
    except MoneyError:
        reasons.append(Reason("case_cli.bad_amount", {"value": text}))
        return None
    if fen <= 0:
        reasons.append(Reason("cases.workflow.bad_amount"))
        return None
    return fen


def _promises(pairs: Sequence[tuple[str, str]], reasons: list[Reason]) -> list[tuple[str, date]]:
    """(material, promised date) of each --defer; a reason for a malformed or out-of-range date."""
    days, today, out = workflow_rules().max_promise_days, _today(), []
    for material, text in pairs:
        try:
            promised = date.fromisoformat(text.strip())
        except ValueError:
            reasons.append(Reason("case_cli.bad_date", {"material": material, "value": text}))
            continue
        if not today < promised <= today + timedelta(days=days):
            reasons.append(Reason("cases.workflow.bad_promise_date", {"days": days}))
            continue
        out.append((material, promised))
    return out


def capture_file(material: str, path: Path, reasons: list[Reason]) -> Attachment | None:
    """Run one file through the capture pipeline (nothing stored); a reason when it is refused."""
    from desk.archive.intake import is_pdf, page_inputs_of_file
    from desk.archive.viewer import ids_read
    from desk.capture.errors import InputRefused
    from desk.capture.options import CaptureOptions

    if not path.is_file():
        reasons.append(Reason("archive.cli.no_file", {"file": str(path)}))
        return None
    data = path.read_bytes()
    try:
        pages = tuple(page_inputs_of_file(data, name=path.name, options=CaptureOptions.from_settings()))
    except InputRefused as refused:
        reasons.append(Reason("archive.cli.file_refused", {"file": str(path), "reason": refused.message()}))
        return None
    ids = tuple(number for page in pages for number in sorted(ids_read(page.fields)))
    return Attachment(
        material,
        path,
        "pdf" if is_pdf(data) else "upload",
        pages,
        tuple(page.doc_type for page in pages),
        ids,
        "\n".join(page.text for page in pages),
    )


def _repeated(request: SubmitRequest, reasons: list[Reason]) -> None:
    """A material may be deferred or attached, once."""
    codes = [material for material, _ in (*request.defer, *request.attach)]
    for material in sorted({code for code in codes if codes.count(code) > 1}):
        reasons.append(Reason("case_cli.material_twice", {"material": material}))


def _customer(session: Session, query: str, reasons: list[Reason]) -> int | None:
    """The person id of the customer, or a reason."""
    outcome = find_customer(session, query)
    if outcome.kind == FOUND:
        return outcome.person_id
    reasons.append(
        Reason(outcome.message_key or "case_cli.customer_not_found", {"count": outcome.total, "query": query})
    )
    return None


def _check_promises(
    checklist: Checklist, items: dict[str, ChecklistItem], promises: Sequence[tuple[str, date]], reasons: list[Reason]
) -> None:
    """Only a missing material is deferred, and never one the registry has answered no for."""
    catalog = get_catalog()
    for material, _promised in promises:
        item = items.get(material)
        if item is None:
            reasons.append(
                Reason("case_cli.material_not_needed", {"business": checklist.business_code, "material": material})
            )
        elif contradicted(checklist, material, catalog):
            reasons.append(Reason("cases.workflow.defer_contradicts", {"material": material}))
        elif item.status not in BLOCKING:
            reasons.append(Reason("cases.workflow.not_missing", {"material": material}))


def _check_attachments(
    session: Session,
    checklist: Checklist,
    items: dict[str, ChecklistItem],
    attachments: Sequence[Attachment],
    reasons: list[Reason],
) -> None:
    """Each file is of a type its material may be, and carries the customer's (or spouse's) ID number."""
    person = session.get(Person, checklist.person_id)
    assert person is not None, "the checklist was found for this customer"
    spouse = spouse_id_number(load_profile(session, checklist.person_id)) if attachments else None
    for attachment in attachments:
        item = items.get(attachment.material)
        if item is None:
            reasons.append(
                Reason(
                    "case_cli.material_not_needed",
                    {"business": checklist.business_code, "material": attachment.material},
                )
            )
            continue
        fit = document_fit.type_fit(item.material, item.alternatives, attachment.doc_types)
        if fit == document_fit.DOES_NOT_FIT:
            reasons.append(
                Reason(
                    "case_cli.does_not_fit",
                    {
                        "file": attachment.path.name,
                        "material": item.material,
                        "doc_type": ", ".join(attachment.doc_types),
                    },
                )
            )
        ids = document_fit.id_check(attachment.id_numbers, applicant_id=person.id_number, spouse_id=spouse)
        if ids.verdict == document_fit.MISMATCH:
            reasons.append(Reason("case_cli.id_mismatch", {"file": attachment.path.name}))


def _check_missing(checklist: Checklist, covered: set[str], reasons: list[Reason]) -> None:
    """Every material that blocks submission is deferred or attached."""
    left = [item.material for item in checklist.items if item.status in BLOCKING and item.material not in covered]
    if left:
        reasons.append(Reason("cases.workflow.materials_missing", {"materials": "、".join(left)}))


def _check_rules(checklist: Checklist, amount_fen: int | None, reasons: list[Reason]) -> None:
    """Every rule holds and the amount fits the most the rules allow (the workflow re-checks both)."""
    failed = [rule.label() for rule in checklist.rules if not rule.passed and rule.check not in AMOUNT_CHECKS]
    if failed:
        reasons.append(Reason("cases.workflow.rules_fail", {"rules": "；".join(failed)}))
    plan = amount_plan(checklist)
    chosen = amount_fen if plan.pays and amount_fen is not None and not plan.fixed else plan.maximum_fen
    refusal = plan.refusal(amount_fen if not plan.pays else chosen)
    if refusal is not None:
        reasons.append(Reason(refusal[0], dict(refusal[1])))


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _check_payee(
    session: Session, checklist: Checklist, card: str | None, attachments: Sequence[Attachment], reasons: list[Reason]
) -> None:
    """The joint card on file, or another card whose number checks and is read off its captured paper (M04)."""
    if not checklist.business.pays_out:
        return
    account = customer_account(session, checklist.person_id)
    on_file = account.bank_card_no if account is not None else None
    if not card or _digits(card) == _digits(on_file or ""):
        if not on_file:
            reasons.append(Reason("cases.payee.none_on_file"))
        return
    checked = check_bank_card(card)
    paper = next((item for item in attachments if item.material == PAYEE_MATERIAL), None)
    if checked.problem or checked.warning:
        reasons.append(Reason("cases.payee.bad_number"))
    elif paper is None:
        reasons.append(Reason("cases.payee.not_captured", {"material": PAYEE_MATERIAL}))
    elif checked.number not in _digits(paper.text):
        reasons.append(Reason("cases.payee.not_on_card"))


def _check_open_twin(session: Session, checklist: Checklist, reasons: list[Reason]) -> None:
    """No other case of the business is still open for the customer."""
    other = (
        session.execute(
            select(col(Case.case_no)).where(
                col(Case.person_id) == checklist.person_id,
                col(Case.business_code) == checklist.business_code,
                col(Case.state).in_(tuple(workflow_rules().open_states)),
            )
        )
        .scalars()
        .first()
    )
    if other is not None:
        reasons.append(Reason("cases.workflow.open_twin", {"case_no": other}))


def _check_case(
    session: Session,
    checklist: Checklist,
    request: SubmitRequest,
    amount_fen: int | None,
    promises: Sequence[tuple[str, date]],
    attachments: Sequence[Attachment],
    reasons: list[Reason],
) -> None:
    """Everything the workflow and the counter would refuse at submission, checked before any write."""
    items = {item.material: item for item in checklist.items}
    _check_promises(checklist, items, promises, reasons)
    _check_attachments(session, checklist, items, attachments, reasons)
    _check_missing(checklist, {material for material, _ in (*request.defer, *request.attach)}, reasons)
    _check_rules(checklist, amount_fen, reasons)
    _check_payee(session, checklist, request.card, attachments, reasons)
    _check_open_twin(session, checklist, reasons)


def plan_submission(request: SubmitRequest, *, engine: Engine | None = None) -> Plan:
    """Check the whole request before anything is written; raises SubmissionRefused with every reason.

    Personal data are read only for a staff account that may open cases (and that read is logged)."""
    reasons: list[Reason] = []
    code = request.business.strip().upper()
    business = _business(code, request.declared, reasons)
    amount_fen = _amount(request.amount, reasons)
    promises = _promises(request.defer, reasons)
    _repeated(request, reasons)
    attachments = [
        found for material, name in request.attach if (found := capture_file(material, Path(name), reasons)) is not None
    ]
    with session_scope(engine) as session:
        staff = _staff(session, request.staff, reasons)
        person_id = _customer(session, request.query, reasons) if staff is not None else None
    if staff is None or business is None or person_id is None:
        raise SubmissionRefused(reasons)
    checklist = checklist_logged(
        person_id=person_id,
        business_code=code,
        declared=request.declared,
        staff=staff,
        purpose=CLI_PURPOSE,
        engine=engine,
    )
    with session_scope(engine) as session:
        _check_case(session, checklist, request, amount_fen, promises, attachments, reasons)
    if reasons:
        raise SubmissionRefused(reasons)
    return Plan(
        staff, checklist, tuple(request.declared), amount_fen, request.card, tuple(promises), tuple(attachments)
    )


def _store() -> ArchiveStore:
    return store_from_settings()


def remove_documents(
    document_ids: Sequence[int], *, staff: StaffActor, engine: Engine | None = None, store: ArchiveStore | None = None
) -> int:
    """Take back documents this request archived for a draft that was then refused (rows, index entries
    and the files no other page uses; the removal is logged). Returns how many files went."""
    if not document_ids:
        return 0
    with session_scope(engine) as session:
        index, keys = index_for(session), set()
        for document in (
            session.execute(select(ArchiveDocument).where(col(ArchiveDocument.id).in_(list(document_ids))))
            .scalars()
            .all()
        ):
            for page in session.execute(select(ArchivePage).where(ArchivePage.document_id == document.id)).scalars():
                keys |= set(page.file_keys())
                index.remove(session, page.id, page.text, document)
                session.delete(page)
            session.flush()
            log_access(
                session,
                staff=staff,
                action="archive_delete",
                person_id=document.person_id,
                purpose=CLI_PURPOSE,
                fields=[f"document:{document.id}"],
            )
            session.delete(document)
    with session_scope(engine) as session:
        still_used = referenced_keys(session, keys)
    return (store or _store()).remove(keys - still_used)


def _undo(
    case_id: int, document_ids: Sequence[int], staff: StaffActor, engine: Engine | None, store: ArchiveStore | None
) -> None:
    """Discard the draft and the documents archived for it."""
    discard_draft(case_id=case_id, staff=staff, engine=engine)
    remove_documents(document_ids, staff=staff, engine=engine, store=store)


def carry_out(plan: Plan, *, engine: Engine | None = None, store: ArchiveStore | None = None) -> CaseState:
    """Open the draft, defer, archive the files, submit (and pay where the business pays first).

    A step refused now (the data changed since the plan) discards the draft and removes the
    documents archived by this call, then raises SubmissionRefused."""
    draft = open_draft(checklist=plan.checklist, staff=plan.staff, declared=plan.declared, engine=engine)
    documents: list[int] = []
    try:
        for material, promised in plan.promises:
            draft = defer_material(
                case_id=draft.case_id,
                material=material,
                promised_on=promised,
                staff=plan.staff,
                expected_version=draft.version,
                engine=engine,
            )
        for attachment in plan.attachments:
            draft = archive_capture(
                case_id=draft.case_id,
                material=attachment.material,
                pages=attachment.pages,
                source=attachment.source,
                title=attachment.path.name,
                staff=plan.staff,
                expected_version=draft.version,
                engine=engine,
                store=store,
            )
            document_id = draft.materials[attachment.material].document_id
            assert document_id is not None, "archive_capture links the document it archived"
            documents.append(document_id)
        return submit_case(
            case_id=draft.case_id,
            staff=plan.staff,
            expected_version=draft.version,
            amount_fen=plan.amount_fen,
            payee_card=plan.card,
            engine=engine,
        )
    except (CaseError, ArchiveRefused) as refused:
        _undo(draft.case_id, documents, plan.staff, engine, store)
        raise SubmissionRefused([Reason(refused.key, dict(refused.params))]) from None
    except BaseException:
        _undo(draft.case_id, documents, plan.staff, engine, store)
        raise

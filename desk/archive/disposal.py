"""Retention disposal (到期销毁): the documents whose retention has ended, their deletion by an archivist,
and the loan payoff that starts the retention clock of loan files.

A disposal is all or nothing: every chosen document is checked again (retention end, legal hold)
inside the one transaction that deletes their rows, and one refusal refuses them all. The files no
other document still uses are listed in a store journal before the rows go and removed after they
are gone, so a crash in between leaves files the sweep (`desk verify --sweep`) knows to remove.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from desk.archive.errors import ArchiveRefused
from desk.archive.legal_hold import checked_reason, document_field, file_keys_of, require_archivist
from desk.archive.retention import deletion_refusal, retention_rules, retention_until
from desk.archive.search_index import index_for
from desk.archive.store_config import object_store_from_settings
from desk.archive.store_protocol import ArchiveStore
from desk.archive.tables import ArchiveDocument, ArchivePage, referenced_keys
from desk.db import session_scope
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_name

DISPOSE, PAYOFF = "archive_delete", "archive_payoff"  # access-log actions


@dataclass(frozen=True)
class DueDocument:
    """A document whose retention has ended and that is not under legal hold."""

    document_id: int
    title: str
    doc_type: str
    case_no: str | None
    customer: str  # masked name
    retention_class: str
    retention_until: date
    page_count: int


@dataclass(frozen=True)
class Disposal:
    """What a disposal deleted."""

    document_ids: tuple[int, ...]
    pages: int
    files_removed: int


def due_for_disposal(session: Session, *, today: date, limit: int | None = None) -> list[DueDocument]:
    """Documents that may be deleted today (retention ended, no legal hold), the longest expired first."""
    query = (
        select(ArchiveDocument, col(Person.name))
        .join(Person, col(Person.id) == ArchiveDocument.person_id)
        .where(
            col(ArchiveDocument.legal_hold).is_(False),
            col(ArchiveDocument.retention_until).is_not(None),
            col(ArchiveDocument.retention_until) <= today,
        )
        .order_by(col(ArchiveDocument.retention_until), col(ArchiveDocument.id))
    )
    rows = session.execute(query if limit is None else query.limit(limit)).all()
    return [
        DueDocument(
            document.id,
            document.title,
            document.doc_type,
            document.case_no,
            mask_name(name) or "",
            document.retention_class,
            document.retention_until,
            document.page_count,
        )
        for document, name in rows
    ]


def _delete_rows(
    session: Session, documents: list[ArchiveDocument], *, staff: object, reason: str, today: date
) -> tuple[set[str], int]:
    """Delete the documents' pages, index entries and rows (logged); (their file keys, pages deleted)."""
    index = index_for(session)
    keys: set[str] = set()
    pages_deleted = 0
    for document in documents:
        refusal = deletion_refusal(document, today)
        if refusal is not None:
            # "archive.retention.not_yet" -> "archive.dispose.not_yet": the same reason, naming the document
            raise ArchiveRefused("archive.dispose." + refusal.key.rsplit(".", 1)[1], id=document.id, **refusal.params)
        pages = session.execute(select(ArchivePage).where(col(ArchivePage.document_id) == document.id)).scalars().all()
        for page in pages:
            keys.update(page.file_keys())
            index.remove(session, page.id, page.text, document)
            session.delete(page)
        pages_deleted += len(pages)
        session.flush()
        assert document.id is not None, "read from the database"
        log_access(
            session,
            staff=staff,
            action=DISPOSE,
            person_id=document.person_id,
            purpose=reason,
            fields=[document_field(document.id)],
            case_no=document.case_no,
        )
        session.delete(document)
    return keys, pages_deleted


def dispose(
    document_ids: Iterable[int],
    *,
    staff: object,
    reason: str,
    store: ArchiveStore,
    engine: Engine | None = None,
    today: date | None = None,
) -> Disposal:
    """Delete these documents, all or none: ArchiveRefused unless `staff` is an archivist, there is a
    reason, and every one exists, has reached its retention end and is not under legal hold."""
    require_archivist(staff)
    reason = checked_reason(reason)
    wanted = sorted(set(document_ids))
    if not wanted:
        raise ArchiveRefused("archive.dispose.nothing")
    today = today or date.today()
    with session_scope(engine) as session:
        found = set(
            session.execute(select(col(ArchiveDocument.id)).where(col(ArchiveDocument.id).in_(wanted))).scalars()
        )
        if missing := sorted(set(wanted) - found):
            raise ArchiveRefused("archive.document.not_found", id=missing[0])
        keys = {
            key
            for page in session.execute(select(ArchivePage).where(col(ArchivePage.document_id).in_(wanted))).scalars()
            for key in page.file_keys()
        }
    journal = store.begin_intake(keys)  # a crash after the rows go leaves files the sweep may remove
    try:
        with session_scope(engine) as session:
            documents = list(
                session.execute(
                    select(ArchiveDocument)
                    .where(col(ArchiveDocument.id).in_(wanted))
                    .order_by(col(ArchiveDocument.id))
                    .with_for_update()
                ).scalars()
            )  # no hold slips in before the commit
            if len(documents) != len(wanted):
                raise ArchiveRefused("archive.dispose.changed")
            keys, pages = _delete_rows(session, documents, staff=staff, reason=reason, today=today)
        with session_scope(engine) as session:
            still_used = referenced_keys(session, keys)  # another document may share a file (same original)
        removed = store.remove(keys - still_used)
    finally:
        store.end_intake(journal)
    return Disposal(tuple(wanted), pages, removed)


def record_payoff(
    case_no: str,
    payoff_on: date,
    *,
    staff: object,
    engine: Engine | None = None,
    today: date | None = None,
    store: ArchiveStore | None = None,
) -> list[int]:
    """Start the retention clock of a loan case's documents at the loan's payoff date (logged per
    document); returns the ids changed. ArchiveRefused unless `staff` is an archivist, for a date
    still to come, or when the case has no document whose clock starts at payoff. On an object store
    with Object Lock (`store`, else the configured one) the files' retention is extended to the new end."""
    require_archivist(staff)
    if payoff_on > (today or date.today()):
        raise ArchiveRefused("archive.payoff.future", date=payoff_on.isoformat())
    classes = retention_rules()["classes"]
    case_no = (case_no or "").strip().upper()
    with session_scope(engine) as session:
        documents = (
            session.execute(
                select(ArchiveDocument).where(col(ArchiveDocument.case_no) == case_no).order_by(col(ArchiveDocument.id))
            )
            .scalars()
            .all()
        )
        loan_files = [
            document for document in documents if classes.get(document.retention_class, {}).get("from") == "payoff"
        ]
        if not loan_files:
            raise ArchiveRefused("archive.payoff.no_loan_files", case=case_no)
        for document in loan_files:
            document.retention_until = retention_until(
                document.retention_class, document.captured_at.date(), payoff_on=payoff_on
            )
            session.add(document)
            log_access(
                session,
                staff=staff,
                action=PAYOFF,
                person_id=document.person_id,
                purpose=f"loan paid off {payoff_on.isoformat()}",
                fields=[document_field(document.id)],
                case_no=case_no,
            )
        ends = {document.id: document.retention_until for document in loan_files}
        keys = {document_id: file_keys_of(session, [document_id]) for document_id in ends if document_id is not None}
    store = store or object_store_from_settings()
    if store is not None:  # after the commit: a lock that stays short is found by the next payoff, never a row
        for document_id, until in ends.items():
            if document_id is not None and until is not None:
                store.extend_retention(sorted(keys[document_id]), until)
    return [document_id for document_id in ends if document_id is not None]

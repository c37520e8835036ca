"""Retention: how long a document must be kept (retention.toml), legal holds, and deletion.

Deletion is refused before the retention end, while the end is not yet known (a loan not paid
off) and under legal hold; an allowed deletion is written to the access log, and the files no
other page still uses are removed after the rows are gone.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desk.archive.errors import ArchiveRefused
from desk.archive.search_index import index_for
from desk.archive.storage import FileStore
from desk.archive.tables import ArchiveDocument, ArchivePage, referenced_keys
from desk.db import session_scope
from desk.i18n import current_language
from desk.security.access_log import log_access

_RULES_FILE = Path(__file__).with_name("retention.toml")


@lru_cache(maxsize=1)
def retention_rules() -> dict:
    """The retention classes and the default class, from retention.toml."""
    return tomllib.loads(_RULES_FILE.read_text(encoding="utf-8"))


def class_names() -> set[str]:
    """Every retention class of retention.toml."""
    return set(retention_rules()["classes"])


def class_label(name: str, language: str | None = None) -> str:
    """The label staff see for a retention class (its code when the class is unknown)."""
    rule = retention_rules()["classes"].get(name)
    if rule is None:
        return name
    return rule["en"] if (language or current_language()) == "en" else rule["zh"]


def default_class() -> str:
    """The class used when the business catalog names none."""
    return retention_rules()["default"]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def retention_until(retention_class: str, captured_on: date, *, payoff_on: date | None = None) -> date | None:
    """The first day a document may be deleted; None while that cannot be known or never comes."""
    classes = retention_rules()["classes"]
    if retention_class not in classes:
        raise ArchiveRefused("archive.retention.unknown_class", name=retention_class)
    rule = classes[retention_class]
    if rule.get("permanent"):
        return None
    start = payoff_on if rule.get("from") == "payoff" else captured_on
    return None if start is None else _add_years(start, int(rule["years"]))


def deletion_refusal(document: ArchiveDocument, today: date) -> ArchiveRefused | None:
    """Why `document` may not be deleted today, or None when it may."""
    if document.legal_hold:
        return ArchiveRefused("archive.retention.legal_hold")
    if document.retention_until is None:
        return ArchiveRefused("archive.retention.no_end")
    if today < document.retention_until:
        return ArchiveRefused("archive.retention.not_yet", until=document.retention_until.isoformat())
    return None


def _get_document(session: Session, document_id: int) -> ArchiveDocument:
    document = session.get(ArchiveDocument, document_id)
    if document is None:
        raise ArchiveRefused("archive.document.not_found", id=document_id)
    return document


def set_legal_hold(document_id: int, hold: bool, *, staff: object, reason: str, engine: Engine | None = None) -> None:
    """Place or lift a legal hold (logged)."""
    with session_scope(engine) as session:
        document = _get_document(session, document_id)
        document.legal_hold = hold
        session.add(document)
        log_access(session, staff=staff, action="archive_hold" if hold else "archive_release",
                   person_id=document.person_id, purpose=reason, case_no=document.case_no)


def record_payoff(case_no: str, payoff_on: date, *, engine: Engine | None = None) -> int:
    """Start the retention clock of a case's loan-class documents at the payoff date; returns how many."""
    with session_scope(engine) as session:
        documents = session.exec(select(ArchiveDocument).where(ArchiveDocument.case_no == case_no)).all()
        changed = 0
        for document in documents:
            if retention_rules()["classes"][document.retention_class].get("from") == "payoff":
                document.retention_until = retention_until(document.retention_class, document.captured_at.date(),
                                                           payoff_on=payoff_on)
                session.add(document)
                changed += 1
    return changed


def delete_document(store: FileStore, document_id: int, *, staff: object, reason: str,
                    engine: Engine | None = None, today: date | None = None) -> int:
    """Delete a document whose retention has ended; returns how many files were removed.

    Raises ArchiveRefused before the retention end, without a known end, or under legal hold.
    """
    with session_scope(engine) as session:
        document = _get_document(session, document_id)
        refusal = deletion_refusal(document, today or date.today())
        if refusal is not None:
            raise refusal
        pages = session.exec(select(ArchivePage).where(ArchivePage.document_id == document_id)).all()
        index = index_for(session)
        keys = {key for page in pages for key in page.file_keys()}
        for page in pages:
            index.remove(session, page.id, page.text, document)
            session.delete(page)
        session.flush()
        log_access(session, staff=staff, action="archive_delete", person_id=document.person_id, purpose=reason,
                   fields=[f"document:{document_id}"], case_no=document.case_no)
        session.delete(document)
    # Rows are gone for good; files another document shares (same original) stay.
    with session_scope(engine) as session:
        still_used = referenced_keys(session, keys)
    return store.remove(keys - still_used)


"""Legal holds (法律保全): an archivist freezes a document, or every document of a case, so that no
retention deletion can touch it until the hold is released.

The hold itself is the document's `legal_hold` flag; who placed it, when and why is the
append-only access log (one row per document and action), which the list of held documents
reads back. A document archived later into a case with held documents is held from the start
(desk.archive.intake asks `case_on_hold`). Only archivists place or release holds.

On an object store with Object Lock the hold is also the S3 legal hold of the document's files:
placed before the flag commits (an extra hold is harmless), lifted after it commits and only from
files no other held document shares (a failure then leaves a file held, never one unprotected).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from desk.archive.errors import ArchiveRefused
from desk.archive.store_config import object_store_from_settings
from desk.archive.store_protocol import ArchiveStore
from desk.archive.tables import FILE_KEY_COLUMNS, ArchiveDocument, ArchivePage
from desk.db import session_scope
from desk.records.tables import Person
from desk.security.access_log import AccessLog, log_access
from desk.security.masking import mask_name

ARCHIVIST = "archivist"
HOLD, RELEASE = "archive_hold", "archive_release"  # access-log actions
REASON_MAX = 200  # the access log's purpose column


@dataclass(frozen=True)
class HeldDocument:
    """A document under legal hold, with the hold's access-log row (who, when, why)."""

    document_id: int
    title: str
    doc_type: str
    material_code: str | None
    case_no: str | None
    customer: str  # masked name
    placed_by: str | None
    placed_at: datetime | None
    reason: str | None


def require_archivist(staff: object) -> None:
    """Raise ArchiveRefused unless `staff` (an object with `role`) is an archivist."""
    if getattr(staff, "role", None) != ARCHIVIST:
        raise ArchiveRefused("archive.hold.archivists_only")


def checked_reason(reason: str) -> str:
    """The reason as it is logged; ArchiveRefused when there is none."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ArchiveRefused("archive.hold.reason_required")
    return reason[:REASON_MAX]


def document_field(document_id: int) -> str:
    """How an access-log row names the document it concerns."""
    return f"document:{document_id}"


def target_documents(session: Session, target: str) -> list[ArchiveDocument]:
    """The documents a reference names: a document id (digits), or every document of a case number."""
    text = (target or "").strip().upper()
    if text.isdigit():
        document = session.get(ArchiveDocument, int(text)) if len(text) < 10 else None
        if document is None:
            raise ArchiveRefused("archive.document.not_found", id=text)
        return [document]
    documents = (
        list(
            session.execute(
                select(ArchiveDocument).where(col(ArchiveDocument.case_no) == text).order_by(col(ArchiveDocument.id))
            ).scalars()
        )
        if text
        else []
    )
    if not documents:
        raise ArchiveRefused("archive.hold.unknown_target", target=target)
    return documents


def case_on_hold(session: Session, case_no: str | None) -> bool:
    """Whether any document of case `case_no` is under legal hold (a new one joins the hold)."""
    if not case_no:
        return False
    return (
        session.execute(
            select(col(ArchiveDocument.id))
            .where(col(ArchiveDocument.case_no) == case_no, col(ArchiveDocument.legal_hold).is_(True))
            .limit(1)
        ).first()
        is not None
    )


def file_keys_of(session: Session, document_ids: list[int]) -> set[str]:
    """Every store key the pages of these documents refer to."""
    if not document_ids:
        return set()
    pages = session.execute(select(ArchivePage).where(col(ArchivePage.document_id).in_(document_ids))).scalars()
    return {key for page in pages for key in page.file_keys()}


def _keys_still_held(session: Session, keys: set[str]) -> set[str]:
    """Those of `keys` that a page of a document under legal hold refers to."""
    if not keys:
        return set()
    columns = [getattr(ArchivePage, name) for name in FILE_KEY_COLUMNS]
    rows = session.execute(
        select(*columns)
        .join(ArchiveDocument, col(ArchiveDocument.id) == ArchivePage.document_id)
        .where(col(ArchiveDocument.legal_hold).is_(True), or_(*(column.in_(sorted(keys)) for column in columns)))
    )
    return {key for row in rows for key in row if key} & keys


def _set_hold(
    target: str, hold: bool, *, staff: object, reason: str, engine: Engine | None, store: ArchiveStore | None
) -> list[int]:
    require_archivist(staff)
    reason = checked_reason(reason)
    store = store or object_store_from_settings()
    release: set[str] = set()
    with session_scope(engine) as session:
        changed = [document for document in target_documents(session, target) if document.legal_hold != hold]
        if not changed:
            raise ArchiveRefused("archive.hold.already_held" if hold else "archive.hold.not_held", target=target)
        keys = file_keys_of(session, [document.id for document in changed if document.id is not None])
        if hold and store is not None:
            store.set_legal_hold(sorted(keys), True)
        ids: list[int] = []
        for document in changed:
            assert document.id is not None, "read from the database"
            document.legal_hold = hold
            session.add(document)
            log_access(
                session,
                staff=staff,
                action=HOLD if hold else RELEASE,
                person_id=document.person_id,
                purpose=reason,
                fields=[document_field(document.id)],
                case_no=document.case_no,
            )
            ids.append(document.id)
        if not hold:
            session.flush()
            release = keys - _keys_still_held(session, keys)
    if release and store is not None:
        store.set_legal_hold(sorted(release), False)
    return ids


def place_hold(
    target: str, *, staff: object, reason: str, engine: Engine | None = None, store: ArchiveStore | None = None
) -> list[int]:
    """Put a document (id) or every document of a case (number) under legal hold; returns the ids newly
    held. Refused unless `staff` is an archivist, without a reason, or when all are held already.
    `store`: the object store whose legal hold to set too (None: the configured one, if any)."""
    return _set_hold(target, True, staff=staff, reason=reason, engine=engine, store=store)


def release_hold(
    target: str, *, staff: object, reason: str, engine: Engine | None = None, store: ArchiveStore | None = None
) -> list[int]:
    """Lift the legal hold of a document (id) or of every document of a case (number); returns the ids
    released. Refused unless `staff` is an archivist, without a reason, or when none is held."""
    return _set_hold(target, False, staff=staff, reason=reason, engine=engine, store=store)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def held_documents(session: Session, *, limit: int = 500) -> list[HeldDocument]:
    """Documents under legal hold (customers masked), the most recently held first."""
    rows = session.execute(
        select(ArchiveDocument, col(Person.name))
        .join(Person, col(Person.id) == ArchiveDocument.person_id)
        .where(col(ArchiveDocument.legal_hold).is_(True))
        .order_by(col(ArchiveDocument.id).desc())
        .limit(limit)
    ).all()
    fields = [document_field(document.id) for document, _ in rows]
    cases = {document.case_no for document, _ in rows if document.case_no}
    placed: dict[str, AccessLog] = {}
    if fields:
        for entry in session.execute(
            select(AccessLog)
            .where(
                col(AccessLog.action) == HOLD, or_(col(AccessLog.fields).in_(fields), col(AccessLog.case_no).in_(cases))
            )
            .order_by(col(AccessLog.id))
        ).scalars():
            placed[entry.fields] = entry  # the latest hold wins
            if entry.case_no:
                placed[f"case:{entry.case_no}"] = entry
    out = []
    for document, name in rows:
        # a document that joined its case's hold when it was archived shows the case's hold
        entry = placed.get(document_field(document.id)) or (
            placed.get(f"case:{document.case_no}") if document.case_no else None
        )
        out.append(
            HeldDocument(
                document.id,
                document.title,
                document.doc_type,
                document.material_code,
                document.case_no,
                mask_name(name) or "",
                entry.staff if entry else None,
                _as_utc(entry.at) if entry else None,
                entry.purpose if entry else None,
            )
        )
    return sorted(out, key=lambda held: held.placed_at or datetime.min.replace(tzinfo=UTC), reverse=True)

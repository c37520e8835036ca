"""Captured pages -> durable files + document, page and index rows, all or nothing.

Order of work: the keys of every file are noted in an intake journal, every file is written
(atomically, fsynced), then the rows are inserted and committed in one transaction, and the journal
goes. If anything fails in between, the rows roll back and the files this intake created are
removed again; if the process dies instead, the files are unreferenced and the journal proves them
the store's own leftovers to the sweep (desk.archive.fixity). No row ever points at a missing file.
Stored names come from the bytes (desk.archive.storage.detect_ext), never from a file's name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import update
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import Session, col

from desk.archive.errors import ArchiveRefused
from desk.archive.legal_hold import case_on_hold
from desk.archive.retention import default_class, lock_until, retention_until
from desk.archive.search_index import index_for
from desk.archive.storage import StoredFile
from desk.archive.store_protocol import ArchiveStore, ObjectLock
from desk.archive.tables import SOURCES, ArchiveDocument, ArchivePage, referenced_keys
from desk.archive.text_tokens import normalize_text
from desk.db import session_scope
from desk.records.tables import Person

if TYPE_CHECKING:
    import numpy as np

    from desk.capture.options import CaptureOptions
    from desk.capture.results import PageResult

_NOT_A_TYPE = ("", "unknown", "skip")


@dataclass
class PageInput:
    """One captured page as the archive needs it (built from a capture PageResult or by hand)."""

    original: bytes  # the colour original exactly as received
    flat: bytes | None = None  # the flattened, deskewed page
    thumb: bytes | None = None
    text: str = ""
    words: list = field(default_factory=list)  # word boxes as the pipeline gives them
    width_px: int = 0
    height_px: int = 0
    dpi: float | None = None
    doc_type: str = "unknown"
    confidence: float | None = None
    fields: dict = field(default_factory=dict)


@dataclass
class DocumentInfo:
    """Who and what a captured document belongs to."""

    person_id: int
    captured_by: str
    source: str  # camera, upload or pdf
    material_code: str | None = None
    case_no: str | None = None
    title: str = ""
    retention_class: str | None = None  # None: the default class of retention.toml
    captured_at: datetime | None = None
    payoff_on: date | None = None  # for loan files already paid off


@dataclass
class _PageFiles:
    original: str
    flat: str | None
    thumb: str | None
    text: str | None
    words: str | None


_PAGE_FILES = (("original", None), ("flat", None), ("thumb", None), ("text", "txt"), ("words", "json"))


def _page_blobs(page: PageInput) -> list[tuple[bytes | None, str | None]]:
    """The bytes of each of a page's files (None: the page has none) with the store's extension
    for them (None: detected from the bytes), in the order of `_PageFiles`."""
    words = json.dumps(page.words, ensure_ascii=False, default=str).encode() if page.words else None
    text = normalize_text(page.text).encode("utf-8") if page.text else None
    data = {"original": page.original, "flat": page.flat, "thumb": page.thumb, "text": text, "words": words}
    return [(data[name], ext) for name, ext in _PAGE_FILES]


def _store_page(
    store: ArchiveStore, blobs: list[tuple[bytes | None, StoredFile | None]], created: list[str], lock: ObjectLock
) -> _PageFiles:
    keys: list[str | None] = []
    for data, stored in blobs:
        if data is not None and stored is not None and store.write(stored, data, lock=lock):
            created.append(stored.key)
        keys.append(stored.key if stored is not None else None)
    original, flat, thumb, text, words = keys
    assert original is not None, "a page always has its original (PageInput.original is bytes)"
    return _PageFiles(original, flat, thumb, text, words)


def _jpeg(image: np.ndarray, quality: int) -> bytes:
    import cv2  # only intake from the pipeline needs OpenCV

    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return encoded.tobytes()


def page_input_from_result(result: PageResult, *, received: bytes | None = None) -> PageInput:
    """A pipeline PageResult as a PageInput.

    `received` is the file exactly as it arrived, kept as the original when it holds just this
    page (a photo or scan); otherwise the decoded page is kept losslessly as PNG. Derived images
    are JPEG. Word boxes refer to the flattened page (the OCR input has its geometry).
    """
    original = received if received else result.png(result.original)
    words = [
        {
            "text": word.text,
            "left": word.box[0],
            "top": word.box[1],
            "width": word.box[2],
            "height": word.box[3],
            "confidence": word.confidence,
            "line": list(word.line),
        }
        for word in result.words
    ]
    height, width = result.flattened.shape[:2]
    return PageInput(
        original=original,
        flat=_jpeg(result.flattened, 90),
        thumb=_jpeg(result.thumbnail, 80),
        text=result.text,
        words=words,
        width_px=int(width),
        height_px=int(height),
        dpi=result.dpi,
        doc_type=result.doc_type,
        confidence=float(result.confidence),
        fields=dict(result.fields),
    )


def is_pdf(data: bytes) -> bool:
    """Whether the bytes are a PDF (its pages are kept as decoded, not as the file that arrived)."""
    return data.lstrip()[:5] == b"%PDF-"


def page_inputs_of_file(data: bytes, *, name: str, options: CaptureOptions) -> list[PageInput]:
    """Every page of an image or PDF through the capture pipeline, made archive-ready (encoded) one at
    a time as the pipeline hands them on, so no more than one page's arrays are held at once.
    Raises desk.capture.errors.InputRefused for bad or over-budget input."""
    from desk.capture.pipeline import stream_file  # OpenCV and the OCR engines load only when a file is read

    streamed = stream_file(data, name=name, options=options)
    keep_received = streamed.count == 1 and not is_pdf(data)  # a photo or scan is kept as it arrived
    return [page_input_from_result(result, received=data if keep_received else None) for result in streamed.results]


def _document_type(pages: Sequence[PageInput]) -> str:
    return next((page.doc_type for page in pages if page.doc_type not in _NOT_A_TYPE), "unknown")


def _lock(session: Session, info: DocumentInfo) -> ObjectLock:
    """The object lock of the document's files: until its retention end (or the earliest it can be),
    and the legal hold of its case."""
    captured_on = (info.captured_at or datetime.now()).date()
    until = lock_until(info.retention_class or default_class(), captured_on, payoff_on=info.payoff_on)
    return ObjectLock(retain_until=until, legal_hold=case_on_hold(session, info.case_no))


def _validate(session: Session, pages: Sequence[PageInput], info: DocumentInfo) -> None:
    if not pages:
        raise ArchiveRefused("archive.intake.no_pages")
    if info.source not in SOURCES:
        raise ArchiveRefused("archive.intake.bad_source", source=info.source)
    if session.get(Person, info.person_id) is None:
        raise ArchiveRefused("archive.intake.unknown_customer", customer=info.person_id)
    if info.retention_class:
        retention_until(info.retention_class, date.today())  # refuses an unknown class before any file is written


def _insert_rows(session: Session, pages: Sequence[PageInput], files: list[_PageFiles], info: DocumentInfo) -> int:
    captured_at = info.captured_at or datetime.now()
    retention_class = info.retention_class or default_class()
    document = ArchiveDocument(
        doc_type=_document_type(pages),
        material_code=info.material_code,
        person_id=info.person_id,
        case_no=info.case_no,
        title=info.title[:200],
        captured_by=info.captured_by,
        captured_at=captured_at,
        source=info.source,
        page_count=len(pages),
        retention_class=retention_class,
        retention_until=retention_until(retention_class, captured_at.date(), payoff_on=info.payoff_on),
        legal_hold=case_on_hold(session, info.case_no),
    )
    session.add(document)
    session.flush()
    assert document.id is not None, "flushed to the database"
    index = index_for(session)
    for number, (page, keys) in enumerate(zip(pages, files, strict=True), start=1):
        text = normalize_text(page.text)
        row = ArchivePage(
            document_id=document.id,
            page_no=number,
            original_key=keys.original,
            flat_key=keys.flat,
            thumb_key=keys.thumb,
            text_key=keys.text,
            words_key=keys.words,
            width_px=page.width_px,
            height_px=page.height_px,
            dpi=page.dpi,
            doc_type=page.doc_type or "unknown",
            ocr_confidence=page.confidence,
            text=text,
            fields=dict(page.fields),
        )
        session.add(row)
        session.flush()
        assert row.id is not None, "flushed to the database"
        index.add(session, row.id, text, document)
    return document.id


def archive_document(
    store: ArchiveStore,
    pages: Sequence[PageInput],
    info: DocumentInfo,
    *,
    engine: Engine | None = None,
    before_commit: Callable[[], None] | None = None,
) -> int:
    """Store the pages' files, then commit the document with its pages; returns the document id.

    `before_commit` runs after the files are durable and the rows are flushed but not committed
    (the point where a crash or a failure must leave nothing behind; tests inject one there).
    Raises ArchiveRefused for a request that cannot be archived.
    """
    with session_scope(engine) as session:
        _validate(session, pages, info)
        lock = _lock(session, info)
    blobs = [
        [(data, store.describe(data, ext) if data is not None else None) for data, ext in _page_blobs(page)]
        for page in pages
    ]
    journal = store.begin_intake(stored.key for page in blobs for _, stored in page if stored is not None)
    created: list[str] = []
    try:
        files = [_store_page(store, page, created, lock) for page in blobs]
        with session_scope(engine) as session:
            document_id = _insert_rows(session, pages, files, info)
            if before_commit is not None:
                before_commit()
    except BaseException:
        _remove_unreferenced(store, created, engine)
        store.end_intake(journal)  # only once the clean-up worked: otherwise the sweep finishes it
        raise
    store.end_intake(journal)
    return document_id


def _remove_unreferenced(store: ArchiveStore, keys: list[str], engine: Engine | None) -> None:
    # Another intake may have committed rows for the same bytes meanwhile: keep those files.
    if not keys:
        return
    with session_scope(engine) as session:
        keep = referenced_keys(session, set(keys))
    store.remove(set(keys) - keep)


def link_documents_to_case(session: Session, document_ids: Sequence[int], *, case_no: str) -> int:
    """Give documents captured for a draft the case number it got on submission (in the caller's
    transaction); a document already linked to a case keeps its number. Returns how many were linked."""
    if not document_ids:
        return 0
    # an UPDATE's result is a CursorResult, which counts its rows (Session.execute is typed for any statement)
    result = cast(
        CursorResult[Any],
        session.execute(
            update(ArchiveDocument)
            .where(col(ArchiveDocument.id).in_(list(document_ids)), col(ArchiveDocument.case_no).is_(None))
            .values(case_no=case_no)
        ),
    )
    return result.rowcount

"""The archive's tables: documents, their pages, and the results of fixity runs.

Files are referred to by store key (`<sha256>.<ext>`, see desk.archive.storage); a page row is
committed only after every file it names is durable. The full-text index lives beside these
tables (desk.archive.search_index) and is written in the same transaction as the page.
"""

from __future__ import annotations

from datetime import date

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, or_
from sqlmodel import Field, Session, SQLModel, select

SOURCES = ("camera", "upload", "pdf")


class ArchiveDocument(SQLModel, table=True):
    """One captured material (e.g. a lease of three pages) for one customer, maybe in one case."""

    __tablename__ = "archive_document"
    # A filter by type, staff or material walks that value's documents newest first (a common word on
    # millions of pages, desk.archive.search_index): the id beside the value keeps the walk in order.
    __table_args__ = (
        Index("ix_archive_document_person_captured", "person_id", "captured_at"),
        Index("ix_archive_document_doc_type_id", "doc_type", "id"),
        Index("ix_archive_document_material_code_id", "material_code", "id"),
        Index("ix_archive_document_captured_by_id", "captured_by", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    doc_type: str = Field(max_length=40)  # classifier type of the first page, or "unknown"
    material_code: str | None = Field(default=None, max_length=8)  # M01…M30, domain.md §1
    person_id: int = Field(foreign_key="person.id")
    case_no: str | None = Field(default=None, max_length=40, index=True)
    title: str = Field(default="", max_length=200)  # original file name
    captured_by: str = Field(max_length=64)
    captured_at: NaiveDatetime = Field(index=True)
    source: str = Field(max_length=10)  # one of SOURCES
    page_count: int = 0
    retention_class: str = Field(max_length=30)
    retention_until: date | None = None  # None: not computable yet (e.g. a loan not paid off)
    legal_hold: bool = False


class ArchivePage(SQLModel, table=True):
    """One page: the colour original, its derived files, OCR text and confidence."""

    __tablename__ = "archive_page"
    # A filtered search walks a document's pages by this index alone (index-only, its heap is never
    # read): at ten million pages that heap is 7 GB of text, one random read per page tested.
    __table_args__ = (
        UniqueConstraint("document_id", "page_no", name="uq_archive_page_document_page"),
        Index("ix_archive_page_document_id_id", "document_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="archive_document.id")
    page_no: int  # 1-based, no gaps within a document
    original_key: str = Field(max_length=80, index=True)
    flat_key: str | None = Field(default=None, max_length=80)
    thumb_key: str | None = Field(default=None, max_length=80)
    text_key: str | None = Field(default=None, max_length=80)
    words_key: str | None = Field(default=None, max_length=80)
    width_px: int = 0
    height_px: int = 0
    dpi: float | None = None
    doc_type: str = Field(default="unknown", max_length=40)
    ocr_confidence: float | None = None
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # normalised OCR text
    fields: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))

    def file_keys(self) -> list[str]:
        """The store keys of every file of this page."""
        return [key for key in (getattr(self, name) for name in FILE_KEY_COLUMNS) if key]


class FixityRun(SQLModel, table=True):
    """One run of `desk verify` (by hand or on the schedule): counts plus the full report."""

    __tablename__ = "archive_fixity_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: NaiveDatetime = Field(index=True)
    finished_at: NaiveDatetime
    checked: int = 0
    missing: int = 0
    altered: int = 0
    orphaned: int = 0
    report: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))

    @property
    def ok(self) -> bool:
        """True when nothing was missing, altered or orphaned."""
        return not (self.missing or self.altered or self.orphaned)


FILE_KEY_COLUMNS = ("original_key", "flat_key", "thumb_key", "text_key", "words_key")


def referenced_keys(session: Session, keys: set[str] | None = None) -> set[str]:
    """Every store key some page refers to (restricted to `keys` when given)."""
    columns = [getattr(ArchivePage, name) for name in FILE_KEY_COLUMNS]
    statement = select(*columns)
    if keys is not None:
        if not keys:
            return set()
        statement = statement.where(or_(*(column.in_(sorted(keys)) for column in columns)))
    found = {key for row in session.exec(statement) for key in row if key}
    return found if keys is None else found & keys

"""Building blocks for archive tests: a customer row and pages with real image bytes."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime

from PIL import Image, ImageDraw
from sqlalchemy import text
from sqlmodel import Session

from desk.archive.intake import DocumentInfo, PageInput
from desk.archive.search_index import index_for
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.records.tables import Person


def add_person(engine, *, id_number: str = "210203199001011234", name: str = "张三") -> int:
    """Insert one customer and return their id."""
    with Session(engine) as session:
        person = Person(
            id_number=id_number,
            name=name,
            phone="13812341234",
            sex="M",
            birth_date=date(1990, 1, 1),
            address="大连市中山区人民路1号",
        )
        session.add(person)
        session.commit()
        return person.id


def png_bytes(label: str, size: tuple[int, int] = (200, 120)) -> bytes:
    """A small real PNG whose pixels depend on `label` (different labels, different bytes)."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((10, 10), label, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def page(text: str, label: str | None = None, doc_type: str = "lease") -> PageInput:
    """A page with a PNG original, a flattened copy, a thumbnail and `text`."""
    label = label or hashlib.sha1(text.encode()).hexdigest()[:16]  # the default font draws no Chinese
    return PageInput(
        original=png_bytes(label),
        flat=png_bytes(label + "/flat"),
        thumb=png_bytes(label + "/thumb", (40, 24)),
        text=text,
        words=[{"text": text, "box": [1, 2, 3, 4], "conf": 90}],
        width_px=200,
        height_px=120,
        dpi=300.0,
        doc_type=doc_type,
        confidence=91.5,
        fields={},
    )


def info(person_id: int, **overrides) -> DocumentInfo:
    """Document details for `person_id` with sensible defaults."""
    values = {"person_id": person_id, "captured_by": "clerk1", "source": "upload", "material_code": "M10"}
    values.update(overrides)
    return DocumentInfo(**values)


def add_late_import(session: Session, captured_at: datetime) -> int:
    """A document captured at `captured_at` but archived after every other (a bulk-built archive's ids set
    by hand, so the next ids are taken), with the text of an existing page; returns its page id."""
    person_id, top_document, top_page, body = session.execute(
        text(
            "SELECT (SELECT min(person_id) FROM archive_document), (SELECT max(id) FROM archive_document), "
            "max(id), min(text) FROM archive_page"
        )
    ).one()
    document = ArchiveDocument(
        id=top_document + 1,
        doc_type="lease",
        person_id=person_id,
        captured_by="clerk1",
        captured_at=captured_at,
        source="upload",
        retention_class="withdrawal",
    )
    session.add(document)
    session.flush()
    session.add(ArchivePage(id=top_page + 1, document_id=document.id, page_no=1, original_key="late.png", text=body))
    session.flush()
    index_for(session).add(session, top_page + 1, body, document)
    return top_page + 1

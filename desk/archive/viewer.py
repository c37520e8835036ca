"""One archived page as the archivist's viewer shows it, its image files, and the highlights of a query.

- `open_page` loads a page with its document's metadata, the SHA-256 of every file and the
  boxes of the query's words on the page image; every call writes an access-log row.
- `page_image` finds the file of one image of a page (thumbnail, flattened page, original) for the
  image route; every read is logged there too.
- `highlight_boxes` turns a query and the page's OCR word boxes into rectangles over the words
  that match, to the character: Tesseract gives Chinese text a box per word of one or more
  characters, and a two-character word may start in the middle of one.
- `check_document` re-runs the four-property check (desk.archive.archive_check) on one document.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from desk.archive.archive_check import check_export
from desk.archive.errors import ArchiveRefused
from desk.archive.export_pdf import load_items
from desk.archive.query_parser import Term, parse_query
from desk.archive.store_protocol import ArchiveStore
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.archive.text_tokens import is_cjk_run
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_id_number, mask_name

# labelled fields (desk.capture.fields) that hold a person's name, masked like every name on screen
NAME_FIELDS = frozenset(
    {
        "name",
        "holder",
        "household_head",
        "patient",
        "payer",
        "applicant",
        "lessor",
        "lessee",
        "buyer",
        "owner",
        "taxpayer",
    }
)
_NAME = re.compile(r"[\u4e00-\u9fff·]{2,6}")
# Tesseract's boxes of Chinese words are often far wider than their characters (a box of two
# characters may run over the next four); a CJK glyph is about as wide as the line is high.
CJK_ASPECT = 1.1

ARCHIVE_PURPOSE = "archive_access"  # the access-log purpose of reads through the archive's pages
IMAGE_KINDS = {"thumb": "thumb_key", "flat": "flat_key", "original": "original_key"}
MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "bmp": "image/bmp",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Box:
    """A rectangle on the flattened page image, in pixels."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class PageView:
    """A page, its document and where the query's words are on it."""

    page_id: int
    page_no: int
    page_ids: tuple[int, ...]  # every page of the document in order (for previous / next)
    document_id: int
    doc_type: str
    material_code: str | None
    case_no: str | None
    customer: str  # masked name and ID number
    title: str
    captured_by: str
    captured_at: datetime
    source: str
    retention_class: str
    retention_until: date | None
    legal_hold: bool
    width_px: int
    height_px: int
    dpi: float | None
    ocr_confidence: float | None
    text: str
    hashes: dict[str, str]  # file kind (original, flat, thumb, text, words) -> SHA-256
    fields: list[tuple[str, str]]  # what capture read off the page, masked (see read_fields)
    has_flat: bool
    highlights: tuple[Box, ...]
    problem: str | None  # why the query highlights nothing (a message key), if it has no words


def _word_box(word: object) -> tuple[str, Box] | None:
    """(text, box) of one word of the pipeline's word list; None for anything else."""
    if not isinstance(word, dict) or not str(word.get("text", "")).strip():
        return None
    try:
        box = Box(float(word["left"]), float(word["top"]), float(word["width"]), float(word["height"]))
    except (KeyError, TypeError, ValueError):
        return None
    return unicodedata.normalize("NFKC", str(word["text"]).strip()), box


def _lines(words: list[object]) -> list[list[tuple[str, Box]]]:
    """Words grouped by Tesseract's line number (block, paragraph, line), left to right."""
    lines: dict[tuple, list[tuple[str, Box]]] = {}
    for word in words:
        found = _word_box(word)
        if found is not None and isinstance(word, dict):  # _word_box reads only dicts
            lines.setdefault(tuple(word.get("line") or ()), []).append(found)
    return [sorted(line, key=lambda item: item[1].left) for line in lines.values()]


def _line_text(line: list[tuple[str, Box]]) -> tuple[str, list[tuple[int, int] | None]]:
    """The line as one string (no space between CJK characters, as page text is normalised) and,
    per character, (word index, character index in the word); None for an inserted space."""
    text = ""
    owners: list[tuple[int, int] | None] = []
    for index, (word, _) in enumerate(line):
        if text and not (is_cjk_run(text[-1]) and is_cjk_run(word[0])):
            text += " "
            owners.append(None)
        text += word
        owners.extend((index, position) for position in range(len(word)))
    return text, owners


def _match_box(line: list[tuple[str, Box]], owners: list[tuple[int, int] | None], start: int, end: int) -> Box:
    """The rectangle over characters start..end of a line: whole words, or the matching share of one."""
    lefts, rights = [], []
    for owner in owners[start:end]:
        if owner is None:
            continue
        word, box = line[owner[0]]
        share = box.width / max(len(word), 1)
        if is_cjk_run(word):
            share = min(share, box.height * CJK_ASPECT)
        lefts.append(box.left + share * owner[1])
        rights.append(box.left + share * (owner[1] + 1))
    boxes = [line[owner[0]][1] for owner in owners[start:end] if owner is not None]
    top = min(b.top for b in boxes)
    bottom = max(b.top + b.height for b in boxes)
    return Box(min(lefts), top, max(rights) - min(lefts), bottom - top)


def highlight_boxes(words: list[object], terms: tuple[Term, ...]) -> list[Box]:
    """Rectangles over every match of `terms` in the word boxes (phrases within one line)."""
    boxes = []
    for line in _lines(words):
        text, owners = _line_text(line)
        for term in terms:
            for match in term.pattern().finditer(text):
                if match.end() > match.start() and any(owners[match.start() : match.end()]):
                    boxes.append(_match_box(line, owners, match.start(), match.end()))
    return boxes


def _joined(values: list[str | None]) -> str:
    return ", ".join(value for value in values if value)


def read_fields(fields: dict | None) -> list[tuple[str, str]]:
    """(field name, value) of what capture read off a page, ID numbers and names masked."""
    fields = fields if isinstance(fields, dict) else {}
    ids = [
        mask_id_number(str(item.get("value", ""))) for item in fields.get("id_numbers") or [] if isinstance(item, dict)
    ]
    out: list[tuple[str, str | None]] = [
        ("id_numbers", _joined(ids)),
        ("names", _joined([mask_name(str(n)) for n in fields.get("names") or []])),
        ("dates", _joined([str(d) for d in fields.get("dates") or []])),
        ("amounts", _joined([str(a) for a in fields.get("amounts") or []])),
        (
            "certificate_numbers",
            _joined([str(c.get("value", "")) for c in fields.get("certificate_numbers") or [] if isinstance(c, dict)]),
        ),
    ]
    for name, value in (fields.get("labelled") or {}).items():
        if name not in NAME_FIELDS:
            out.append((name, str(value)))
        elif _NAME.fullmatch(str(value)):  # a label read with more than the name cannot be masked safely: left out
            out.append((name, mask_name(str(value))))
    return [(name, value) for name, value in out if value]


def ids_read(fields: dict | None) -> set[str]:
    """The valid ID numbers capture read off a page (upper case)."""
    if not isinstance(fields, dict):
        return set()
    return {
        str(item.get("value", "")).upper()
        for item in fields.get("id_numbers") or []
        if isinstance(item, dict) and item.get("value")
    }


def _words(store: ArchiveStore, page: ArchivePage) -> list[object]:
    if not page.words_key:
        return []
    try:
        words = json.loads(store.read(page.words_key))
    except (OSError, ValueError):
        return []  # a missing or broken file is fixity's finding; the viewer still shows the page
    return words if isinstance(words, list) else []


def _get_page(session: Session, page_id: int) -> tuple[ArchivePage, ArchiveDocument]:
    page = session.get(ArchivePage, page_id)
    if page is None:
        raise ArchiveRefused("archive.viewer.no_page", id=page_id)
    document = session.get(ArchiveDocument, page.document_id)
    assert document is not None, "archive_page.document_id is a foreign key"
    return page, document


def _customer(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    return f"{mask_name(person.name)} {mask_id_number(person.id_number)}" if person else ""


def open_page(
    session: Session,
    store: ArchiveStore,
    page_id: int,
    *,
    staff: object,
    query: str = "",
    purpose: str = ARCHIVE_PURPOSE,
) -> PageView:
    """The page `page_id` with the words of `query` located on it; logged as a view of the document."""
    page, document = _get_page(session, page_id)
    assert page.id is not None and document.id is not None, "read from the database"
    parsed = parse_query(query) if query.strip() else None
    highlights = tuple(highlight_boxes(_words(store, page), parsed.positive)) if parsed and not parsed.problem else ()
    page_ids = tuple(
        other_id  # a primary key read from the database: never None, the filter only tells mypy
        for other_id in session.exec(
            select(col(ArchivePage.id))
            .where(col(ArchivePage.document_id) == document.id)
            .order_by(col(ArchivePage.page_no))
        ).all()
        if other_id is not None
    )
    hashes = {
        kind.removesuffix("_key"): key.partition(".")[0]
        for kind in ("original_key", "flat_key", "thumb_key", "text_key", "words_key")
        if (key := getattr(page, kind))
    }
    log_access(
        session,
        staff=staff,
        action="archive_view",
        person_id=document.person_id,
        purpose=purpose,
        fields=[f"document:{document.id}", f"page:{page.id}"],
        case_no=document.case_no,
    )
    return PageView(
        page.id,
        page.page_no,
        page_ids,
        document.id,
        page.doc_type or document.doc_type,
        document.material_code,
        document.case_no,
        _customer(session, document.person_id),
        document.title,
        document.captured_by,
        document.captured_at,
        document.source,
        document.retention_class,
        document.retention_until,
        document.legal_hold,
        page.width_px,
        page.height_px,
        page.dpi,
        page.ocr_confidence,
        page.text,
        hashes,
        read_fields(page.fields),
        page.flat_key is not None,
        highlights,
        parsed.problem if parsed else None,
    )


def page_image(
    session: Session, store: ArchiveStore, page_id: int, kind: str, *, staff: object, purpose: str = ARCHIVE_PURPOSE
) -> tuple[Path | bytes, str]:
    """(path in the data folder, or the bytes from an object store; media type) of image `kind` of a page
    (thumb falls back to flat, flat to original); logged."""
    if kind not in IMAGE_KINDS:
        raise ArchiveRefused("archive.viewer.bad_kind", kind=kind)
    page, document = _get_page(session, page_id)
    order = list(IMAGE_KINDS.values())
    key = next(getattr(page, column) for column in order[order.index(IMAGE_KINDS[kind]) :] if getattr(page, column))
    # the folder's file is served as it is; an object store's is read into memory (pages are a few MB at most)
    content: Path | bytes | None = store.local_path(key)
    if content is None:
        try:
            content = store.read(key)
        except FileNotFoundError:
            raise ArchiveRefused("archive.viewer.file_missing", id=page_id) from None
    log_access(
        session,
        staff=staff,
        action="archive_image",
        person_id=document.person_id,
        purpose=purpose,
        fields=[f"page:{page.id}", kind],
        case_no=document.case_no,
    )
    return content, MEDIA_TYPES.get(key.rpartition(".")[2], "application/octet-stream")


def check_document(session: Session, store: ArchiveStore, document_id: int) -> dict:
    """The four-property check report (authenticity, integrity, usability, security) of one document."""
    if session.get(ArchiveDocument, document_id) is None:
        raise ArchiveRefused("archive.document.not_found", id=document_id)
    return check_export(session, store, load_items(session, str(document_id)))

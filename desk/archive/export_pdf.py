"""Export a document or a whole case as one searchable PDF, with a cover page and a check report.

Each page is the archived page image with its OCR text laid over it invisibly (text render mode
3), one string per text line, so a viewer can select and find the text and Chinese extracts
without spurious spaces. The CID font STSong-Light needs no embedded font file. The cover lists
the case, the customer (masked), the materials, the capture details and the SHA-256 of every
original. The four-property check report (desk.archive.archive_check) is written beside the PDF.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from desk.archive.archive_check import ExportItem, check_export
from desk.archive.errors import ArchiveRefused
from desk.archive.store_protocol import ArchiveStore
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.archive.text_tokens import normalize_text
from desk.db import session_scope
from desk.i18n import t
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_id_number, mask_name

FONT = "STSong-Light"
DEFAULT_DPI = 300.0
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def load_items(session: Session, target: str) -> list[ExportItem]:
    """The documents of case `target`, or the document with id `target`, with their pages."""
    documents = session.exec(
        select(ArchiveDocument)
        .where(col(ArchiveDocument.case_no) == target)
        .order_by(col(ArchiveDocument.captured_at), col(ArchiveDocument.id))
    ).all()
    if not documents and target.isdigit():
        document = session.get(ArchiveDocument, int(target))
        documents = [document] if document else []
    if not documents:
        raise ArchiveRefused("archive.export.not_found", target=target)
    return [
        ExportItem(
            document,
            list(
                session.exec(
                    select(ArchivePage)
                    .where(col(ArchivePage.document_id) == document.id)
                    .order_by(col(ArchivePage.page_no))
                ).all()
            ),
        )
        for document in documents
    ]


def _word_box(word: object) -> tuple[str, float, float, float, float] | None:
    """(text, x0, y0, x1, y1) of a word box in image pixels, from the shapes the pipeline may use."""
    if not isinstance(word, dict) or not str(word.get("text", "")).strip():
        return None
    if "left" in word:
        x0, y0 = float(word["left"]), float(word["top"])
        return str(word["text"]), x0, y0, x0 + float(word["width"]), y0 + float(word["height"])
    box = word.get("box") or word.get("bbox")
    if isinstance(box, (list, tuple)) and len(box) == 4:
        x0, y0, x1, y1 = map(float, box)
        return str(word["text"]), x0, y0, x1, y1
    return None


def _rows_by_overlap(boxes: list[tuple[str, float, float, float, float]]) -> list[list]:
    # A word joins the first row it overlaps vertically by at least half its height.
    rows: list[list] = []
    for box in sorted(boxes, key=lambda b: (b[2], b[1])):
        height = box[4] - box[2]
        for row in rows:
            top, bottom = min(b[2] for b in row), max(b[4] for b in row)
            if min(bottom, box[4]) - max(top, box[2]) >= height / 2:
                row.append(box)
                break
        else:
            rows.append([box])
    return rows


def _rows_by_number(words: Sequence[object]) -> list[list] | None:
    # Tesseract numbers lines (block, paragraph, line): trust that when every word has it.
    lined = [word for word in words if isinstance(word, dict) and "line" in word]
    if not words or len(lined) < len(words):
        return None
    rows: dict[tuple, list] = {}
    for word in lined:
        box = _word_box(word)
        if box is not None:
            rows.setdefault(tuple(word["line"]), []).append(box)
    return list(rows.values())


def text_lines(words: Sequence[object]) -> list[tuple[str, float, float, float, float]]:
    """Word boxes grouped into text lines as (text, x0, y0, x1, y1), top to bottom."""
    rows = _rows_by_number(words)
    if rows is None:
        rows = _rows_by_overlap([box for box in map(_word_box, words) if box is not None])
    out = []
    for row in rows:
        row.sort(key=lambda b: b[1])
        text = normalize_text(" ".join(b[0] for b in row))
        out.append(
            (text, min(b[1] for b in row), min(b[2] for b in row), max(b[3] for b in row), max(b[4] for b in row))
        )
    return sorted(out, key=lambda line: line[2])


def _invisible_line(canvas: Canvas, text: str, x: float, y: float, width: float, size: float) -> None:
    natural = pdfmetrics.stringWidth(text, FONT, size)
    layer = canvas.beginText()
    layer.setTextRenderMode(3)  # invisible: findable and selectable, not drawn
    layer.setFont(FONT, size)
    if natural > 0 and width > 0:
        layer.setHorizScale(100.0 * width / natural)
    layer.setTextOrigin(x, y)
    layer.textOut(text)
    canvas.drawText(layer)


def _draw_page(canvas: Canvas, store: ArchiveStore, page: ArchivePage) -> None:
    data = store.read(page.flat_key or page.original_key)
    with Image.open(io.BytesIO(data)) as image:
        width_px, height_px = image.size
    scale = 72.0 / (page.dpi or DEFAULT_DPI)
    page_w, page_h = width_px * scale, height_px * scale
    canvas.setPageSize((page_w, page_h))
    canvas.drawImage(ImageReader(io.BytesIO(data)), 0, 0, page_w, page_h)
    words = json.loads(store.read(page.words_key)) if page.words_key else []
    lines = text_lines(words)
    if lines and " ".join(normalize_text(line[0]) for line in lines).strip():
        for text, x0, y0, x1, y1 in lines:
            size = max(1.0, (y1 - y0) * scale * 0.9)
            _invisible_line(canvas, text, x0 * scale, page_h - y1 * scale + size * 0.15, (x1 - x0) * scale, size)
    else:  # no usable boxes: the page text, line by line from the top, still findable
        rows = [row for row in page.text.splitlines() if row.strip()]
        step = page_h / (len(rows) + 1) if rows else 0
        for number, row in enumerate(rows, start=1):
            _invisible_line(canvas, row, page_w * 0.05, page_h - number * step, page_w * 0.9, min(12.0, step * 0.8))
    canvas.showPage()


def _cover_lines(items: Sequence[ExportItem], person: Person | None, case_lines: Sequence[str] = ()) -> list[str]:
    first = items[0].document
    customer = f"{mask_name(person.name)} {mask_id_number(person.id_number)}" if person else "-"
    lines = [
        t("archive.export.cover_title"),
        "",
        t("archive.export.case", case=first.case_no or "-"),
        t("archive.export.customer", customer=customer),
        *case_lines,
        "",
    ]
    for item in items:
        document = item.document
        lines.append(
            t(
                "archive.export.material",
                code=document.material_code or "-",
                type=document.doc_type,
                pages=document.page_count,
                id=document.id,
            )
        )
        lines.append(
            "    "
            + t(
                "archive.export.captured",
                by=document.captured_by,
                source=document.source,
                at=document.captured_at.isoformat(sep=" ", timespec="minutes"),
            )
        )
        for page in item.pages:
            lines.append(
                "    " + t("archive.export.page_hash", page=page.page_no, sha=page.original_key.partition(".")[0])
            )
    return lines


def _draw_cover(canvas: Canvas, lines: Sequence[str]) -> None:
    _width, height = A4
    y = height - 60
    for number, line in enumerate(lines):
        if y < 50:
            canvas.showPage()
            y = height - 60
        size = 16 if number == 0 else 8.5
        canvas.setFont(FONT, size)
        canvas.drawString(50, y, line)
        y -= size * 1.6
    canvas.showPage()


def render_pdf(
    store: ArchiveStore, items: Sequence[ExportItem], person: Person | None, out: Path, case_lines: Sequence[str] = ()
) -> None:
    """Write the cover (with the caller's `case_lines`) and every page of `items` into the PDF `out`."""
    canvas = Canvas(str(out), pagesize=A4)
    canvas.setTitle(t("archive.export.cover_title"))
    canvas.setCreator("desk")
    _draw_cover(canvas, _cover_lines(items, person, case_lines))
    for item in items:
        for page in item.pages:
            _draw_page(canvas, store, page)
    canvas.save()


def check_report_path(out: Path) -> Path:
    """Where the check report of the PDF `out` is written (`dossier.pdf` -> `dossier.check.json`)."""
    return out.with_suffix(".check.json")


def export_archive(
    target: str,
    out: Path,
    *,
    store: ArchiveStore,
    staff: object,
    purpose: str,
    engine: Engine | None = None,
    required_materials: Sequence[str] | None = None,
    accounted_materials: Mapping[str, str] | None = None,
    case_lines: Sequence[str] = (),
    case_facts: Mapping[str, object] | None = None,
) -> dict:
    """Export case or document `target` to `out` (+ its check report); logs the export; returns the report.

    The checklist of a case (`required_materials`, `accounted_materials`, see check_export) and what
    the case is (`case_lines` for the cover, `case_facts` for the report: amount, payee, payment) come
    from the caller: the archive knows no businesses (desk.cases.case_export supplies them).
    """
    out = Path(out)
    with session_scope(engine) as session:
        items = load_items(session, target)
        person = session.get(Person, items[0].document.person_id)
        for person_id in sorted({item.document.person_id for item in items}):
            log_access(
                session,
                staff=staff,
                action="archive_export",
                person_id=person_id,
                purpose=purpose,
                fields=[f"document:{item.document.id}" for item in items],
                case_no=items[0].document.case_no,
            )
        session.flush()
        report = check_export(
            session, store, items, required_materials=required_materials, accounted_materials=accounted_materials
        )
    tmp = out.with_name(out.name + ".part")
    render_pdf(store, items, person, tmp, case_lines)
    tmp.replace(out)
    if case_facts is not None:
        report["case"] = dict(case_facts)
    report["pdf"] = str(out)
    report["documents"] = [item.document.id for item in items]
    report["pages"] = sum(len(item.pages) for item in items)
    check_report_path(out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report

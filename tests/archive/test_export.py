"""The searchable PDF export: text layer extracted with pypdf, cover page, four-property check report."""

from __future__ import annotations

import io
import json

import pytest
from helpers import add_person, info, page
from PIL import Image
from pypdf import PdfReader

from desk.archive.errors import ArchiveRefused
from desk.archive.export_pdf import check_report_path, export_archive, text_lines
from desk.archive.intake import PageInput, archive_document
from desk.archive.storage import FileStore, sha256_of
from desk.i18n import use_language

LINES = ["房屋租赁合同", "出租人：李四 承租人：张三", "月租金 2500 元 rent per month", "身份证号 21020319900101123X"]


def _page_with_boxes(lines: list[str], seed: int) -> PageInput:
    """A 100 dpi page image with one word box per whitespace-separated word (as Tesseract gives them)."""
    image = Image.new("RGB", (850, 1100), (255, 255, 250 - seed))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    words, y = [], 100
    for line in lines:
        x = 80
        for word in line.split(" "):
            width = 22 * len(word)
            words.append({"text": word, "left": x, "top": y, "width": width, "height": 30})
            x += width + 15
        y += 60
    return PageInput(
        original=buffer.getvalue(),
        text="\n".join(lines),
        words=words,
        width_px=850,
        height_px=1100,
        dpi=100.0,
        doc_type="lease",
    )


def _extracted(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def test_text_lines_groups_words_by_row():
    words = [
        {"text": "承租人", "left": 10, "top": 100, "width": 60, "height": 20},
        {"text": "张", "left": 80, "top": 102, "width": 20, "height": 20},
        {"text": "三", "left": 104, "top": 101, "width": 20, "height": 20},
        {"text": "rent", "left": 10, "top": 140, "width": 40, "height": 20},
        {"text": "due", "left": 60, "top": 141, "width": 30, "height": 20},
        {"text": " ", "left": 60, "top": 300, "width": 30, "height": 20},
    ]
    assert [line[0] for line in text_lines(words)] == ["承租人张三", "rent due"]


def test_exported_case_pdf_has_findable_text_cover_and_report(engine, data_dir, tmp_path):
    store = FileStore(data_dir)
    person = add_person(engine)
    first = archive_document(
        store,
        [_page_with_boxes(LINES, 0), _page_with_boxes(["第二页 page two"], 1)],
        info(person, case_no="ZF2026-000777"),
        engine=engine,
    )
    second = archive_document(
        store,
        [page("无词框的页面\n第二行文字 second line")],
        info(person, case_no="ZF2026-000777", material_code="M04"),
        engine=engine,
    )
    out = tmp_path / "dossier.pdf"
    with use_language("zh-CN"):
        report = export_archive(
            "ZF2026-000777",
            out,
            store=store,
            staff="archivist1",
            purpose="test export",
            engine=engine,
            required_materials=["M10", "M04"],
        )
    pages = _extracted(out)
    assert len(pages) == 1 + 3  # cover + 2 + 1
    cover = pages[0]
    assert "ZF2026-000777" in cover and "张* 2102**********1234" in cover and "210203199001011234" not in cover
    originals = [sha256_of(_page_with_boxes(LINES, 0).original), sha256_of(_page_with_boxes(["x"], 1).original)]
    assert all(sha in cover for sha in originals)
    body = pages[1].splitlines()
    assert body == [
        "房屋租赁合同",
        "出租人:李四承租人:张三",
        "月租金 2500 元 rent per month",
        "身份证号 21020319900101123X",
    ]
    assert pages[2].strip() == "第二页 page two"
    assert pages[3].splitlines() == ["无词框的页面", "第二行文字 second line"]
    assert report["ok"] and report["documents"] == [first, second] and report["pages"] == 3
    assert json.loads(check_report_path(out).read_text(encoding="utf-8")) == report
    for part in ("authenticity", "integrity", "usability", "security"):
        assert report[part]["ok"], part
    assert report["security"]["access_log_entries"] >= 1


def test_check_report_catches_a_missing_material_and_a_damaged_file(engine, data_dir, tmp_path):
    store = FileStore(data_dir)
    person = add_person(engine)
    doc_id = archive_document(store, [page("租赁合同")], info(person), engine=engine)
    flat = next(path for path in store.iter_files() if path.suffix == ".txt")
    flat.write_bytes(b"\xff\xfe broken")
    report = export_archive(
        str(doc_id),
        tmp_path / "one.pdf",
        store=store,
        staff="archivist1",
        purpose="test",
        engine=engine,
        required_materials=["M10", "M11"],
    )
    assert not report["ok"]
    assert report["integrity"]["missing_materials"] == ["M11"]
    assert report["authenticity"]["mismatched_or_missing"] == [flat.name]
    assert report["usability"]["unreadable"] == [flat.name]


def test_unknown_target_is_refused(engine, data_dir, tmp_path):
    with pytest.raises(ArchiveRefused) as refused:
        export_archive(
            "NO-SUCH-CASE", tmp_path / "x.pdf", store=FileStore(data_dir), staff="a", purpose="t", engine=engine
        )
    assert "NO-SUCH-CASE" in refused.value.message("zh-CN")
    assert not (tmp_path / "x.pdf").exists()

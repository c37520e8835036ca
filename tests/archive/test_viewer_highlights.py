"""Where the viewer draws a query's words on a page: from Tesseract's word boxes to the character,
and what it shows of the fields capture read (masked)."""

from __future__ import annotations

import pytest
from helpers import add_person, info, page
from sqlmodel import Session, select

from desk.archive.errors import ArchiveRefused
from desk.archive.intake import archive_document
from desk.archive.query_parser import parse_query
from desk.archive.storage import FileStore
from desk.archive.tables import ArchivePage
from desk.archive.viewer import check_document, highlight_boxes, open_page, page_image, read_fields
from desk.security.access_log import AccessLog


def _word(text: str, left: float, width: float, line: tuple = (1, 1, 1), top: float = 100, height: float = 40) -> dict:
    return {
        "text": text,
        "left": left,
        "top": top,
        "width": width,
        "height": height,
        "confidence": 90,
        "line": list(line),
    }


def _boxes(words: list[dict], query: str) -> list[tuple[float, float, float, float]]:
    return [(b.left, b.top, b.width, b.height) for b in highlight_boxes(words, parse_query(query).positive)]


def test_a_word_inside_a_longer_tesseract_word_gets_its_own_characters():
    words = [_word("住房公积金", 100, 200)]  # five characters of 40 px
    assert _boxes(words, "公积") == [(180, 100, 80, 40)]


def test_a_phrase_across_words_of_one_line_spans_them():
    words = [_word("房屋", 100, 80), _word("租赁", 180, 80), _word("合同", 260, 80)]
    assert _boxes(words, "屋租") == [(140, 100, 80, 40)]
    assert _boxes(words, "房屋租赁合同") == [(100, 100, 240, 40)]


def test_words_on_different_lines_do_not_join():
    words = [_word("房屋", 100, 80, line=(1, 1, 1)), _word("租赁", 100, 80, line=(1, 1, 2), top=160)]
    assert _boxes(words, "屋租") == []
    assert _boxes(words, "租赁") == [(100, 160, 80, 40)]


def test_an_oversized_chinese_box_is_cut_to_the_width_of_its_characters():
    words = [_word("租赁", 410, 300, height=36)]  # Tesseract's box runs over the next six characters
    [(left, _, width, _)] = _boxes(words, "租赁")
    assert left == 410 and width == pytest.approx(2 * 36 * 1.1)


def test_latin_words_and_numbers_are_matched_case_free_and_by_prefix():
    words = [_word("Lease", 100, 100), _word("contract", 210, 160), _word("21020319900101123X", 400, 360)]
    assert _boxes(words, "LEASE contract") == [(100, 100, 100, 40), (210, 100, 160, 40)]
    assert _boxes(words, '"lease contract"') == [(100, 100, 270, 40)]
    assert len(_boxes(words, "2102*")) == 1


@pytest.mark.parametrize(
    "words",
    [
        [],
        [{"text": "租赁"}],
        [None, "x", {"text": "", "left": 1}],
        [{"text": "租赁", "left": "a", "top": 0, "width": 1, "height": 1}],
    ],
)
def test_broken_word_lists_highlight_nothing(words):
    assert _boxes(words, "租赁") == []


def test_read_fields_mask_numbers_and_names_and_leave_out_what_cannot_be_masked():
    fields = {
        "id_numbers": [{"value": "21020319900101123X", "raw": "21020319900101123X", "repaired": False}],
        "names": ["张三"],
        "dates": ["2026-06-01"],
        "amounts": ["1200"],
        "certificate_numbers": [{"kind": "contract", "value": "DLZL2026003390"}],
        "labelled": {"lessee": "孔洁", "lessor": "（甲方）:徐柳身份证号: 210224196908100967", "term": "一年"},
    }
    assert read_fields(fields) == [
        ("id_numbers", "2102**********123X"),
        ("names", "张*"),
        ("dates", "2026-06-01"),
        ("amounts", "1200"),
        ("certificate_numbers", "DLZL2026003390"),
        ("lessee", "孔*"),
        ("term", "一年"),
    ]
    assert read_fields(None) == [] and read_fields({"id_numbers": "garbage"}) == []


def test_opening_a_page_and_reading_its_images_are_logged(engine, data_dir):
    store = FileStore(data_dir)
    person_id = add_person(engine)
    lease = page("房屋租赁合同 月租金 2500 元")
    lease.words = [{"text": "房屋租赁合同", "left": 10, "top": 10, "width": 120, "height": 20, "line": [1, 1, 1]}]
    document_id = archive_document(
        store, [lease, page("第二页 租赁期限")], info(person_id, case_no="DL2026-000009"), engine=engine
    )
    with Session(engine) as session:
        first, second = session.exec(
            select(ArchivePage.id).where(ArchivePage.document_id == document_id).order_by(ArchivePage.page_no)
        ).all()
        view = open_page(session, store, first, staff="arch1", query="租赁")
        path, media_type = page_image(session, store, second, "thumb", staff="arch1")
        session.commit()
        rows = session.exec(select(AccessLog).order_by(AccessLog.id)).all()
    assert (view.page_ids, view.page_no, view.customer, view.case_no) == (
        (first, second),
        1,
        "张* 2102**********1234",
        "DL2026-000009",
    )
    assert [(b.left, b.width) for b in view.highlights] == [(50, 40)]  # 租赁: characters 3-4 of six in 120 px
    assert set(view.hashes) == {"original", "flat", "thumb", "text", "words"}
    assert path.exists() and media_type == "image/png"
    assert [(r.action, r.person_id, r.fields, r.case_no) for r in rows] == [
        ("archive_view", person_id, f"document:{document_id},page:{first}", "DL2026-000009"),
        ("archive_image", person_id, f"page:{second},thumb", "DL2026-000009"),
    ]


def test_refusals_and_the_document_check(engine, data_dir):
    store = FileStore(data_dir)
    document_id = archive_document(store, [page("租赁")], info(add_person(engine)), engine=engine)
    with Session(engine) as session:
        [page_id] = session.exec(select(ArchivePage.id)).all()
        with pytest.raises(ArchiveRefused) as refused:
            page_image(session, store, page_id, "../etc/passwd", staff="arch1")
        assert refused.value.key == "archive.viewer.bad_kind"
        with pytest.raises(ArchiveRefused) as refused:
            open_page(session, store, 999_999, staff="arch1")
        assert refused.value.key == "archive.viewer.no_page"
        assert (
            open_page(session, store, page_id, staff="arch1", query="😀").problem == "archive.search.nothing_to_search"
        )
        report = check_document(session, store, document_id)
        with pytest.raises(ArchiveRefused):
            check_document(session, store, 999_999)
    assert all(report[part]["ok"] for part in ("authenticity", "integrity", "usability", "security"))

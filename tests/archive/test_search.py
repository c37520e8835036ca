"""Full-text search on SQLite FTS5 and PostgreSQL: Chinese words, phrases, IDs, filters, odd queries."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from helpers import add_person, info, page
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from desk.archive.intake import archive_document
from desk.archive.search import search
from desk.archive.search_index import SearchFilters
from desk.archive.storage import FileStore
from desk.i18n import t
from desk.security.access_log import AccessLog

LEASE = (
    "房屋租赁合同 出租人：李四 承租人：张 三 身份证号 21020319900101123X 月租金 2500 元 租赁期限 一年 lease contract"
)
DIAGNOSIS = "疾病诊断证明书 姓名 王五 科别 内科 诊断：高血压 住院号 A1234 diagnosis certificate 2026年"
LOAN = "个人住房公积金贷款合同 借款人 赵六 案件编号 ZF2026-000123 repayment schedule 等额本息"


@pytest.fixture
def archive(engine, data_dir):
    """An archive with three documents for two customers."""
    store = FileStore(data_dir)
    first = add_person(engine)
    second = add_person(engine, id_number="21020419850202222X", name="王五")
    ids = {
        "lease": archive_document(store, [page(LEASE)], info(first, case_no="ZF2026-000100"), engine=engine),
        "diagnosis": archive_document(
            store,
            [page(DIAGNOSIS, doc_type="diagnosis")],
            info(second, material_code="M18", captured_by="clerk2", captured_at=datetime(2025, 3, 1, 9, 0)),
            engine=engine,
        ),
        "loan": archive_document(
            store,
            [page("封面", label="cover", doc_type="skip"), page(LOAN, doc_type="loan_contract")],
            info(first, material_code="M09", case_no="ZF2026-000123"),
            engine=engine,
        ),
    }
    return {"engine": engine, "ids": ids, "people": (first, second)}


def _docs(archive, query, **filters):
    with Session(archive["engine"]) as session:
        result = search(session, query, SearchFilters(**filters), staff="archivist1", purpose="test")
    return result, [hit.document_id for hit in result.hits]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("租房", []),  # not in any text: 租赁 and 房屋 are, 租房 is not
        ("租赁", ["lease"]),
        ("诊断", ["diagnosis"]),
        ("房屋租赁合同", ["lease"]),
        ('"租赁 期限"', ["lease"]),  # spaces between Chinese characters mean nothing
        ("公积金贷款", ["loan"]),
        ("合同", ["lease", "loan"]),
        ("张三", ["lease"]),  # OCR wrote 张 三
        ("21020319900101123x", ["lease"]),
        ("21020319900101123X", ["lease"]),
        ("２１０２０３１９９００１０１１２３Ｘ", ["lease"]),  # full-width digits
        ("ZF2026-000123", ["loan"]),
        ("2102*", ["lease"]),
        ("contract", ["lease"]),
        ("LEASE Contract", ["lease"]),
        ('"contract lease"', []),
        ("高", ["diagnosis"]),  # a lone character
        ("合同 -租赁", ["loan"]),
    ],
)
def test_queries_find_the_right_documents(archive, query, expected):
    result, found = _docs(archive, query)
    assert result.problem is None
    assert sorted(set(found)) == sorted(archive["ids"][name] for name in expected)


def test_two_character_word_in_a_longer_run(archive):
    result, found = _docs(archive, "租金")
    assert found == [archive["ids"]["lease"]]
    hit = result.hits[0]
    assert "【租金】" in hit.snippet
    assert hit.customer == "张* 2102**********1234"
    assert hit.page == 1 and hit.doc_type == "lease"


def test_ocr_spaces_between_chinese_characters_are_gone_from_stored_text(archive):
    result, _ = _docs(archive, "张三")
    assert "承租人:【张三】身份证号" in result.hits[0].snippet


def test_filters(archive):
    first, second = archive["people"]
    ids = archive["ids"]
    assert sorted(_docs(archive, "合同", person_id=first)[1]) == sorted([ids["lease"], ids["loan"]])
    assert _docs(archive, "合同", person_id=second)[1] == []
    assert _docs(archive, "合同", doc_type="lease")[1] == [ids["lease"]]
    assert _docs(archive, "合同", case_no="ZF2026-000123")[1] == [ids["loan"]]
    assert _docs(archive, "2026", captured_by="clerk2")[1] == [ids["diagnosis"]]
    assert _docs(archive, "诊断", date_from=date(2025, 3, 1), date_to=date(2025, 3, 1))[1] == [ids["diagnosis"]]
    assert _docs(archive, "诊断", date_to=date(2025, 2, 28))[1] == []
    assert _docs(archive, "合同", material_code="M09")[1] == [ids["loan"]]


def test_ranking_prefers_more_occurrences(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    once = archive_document(store, [page("租赁 说明 其他内容 其他内容 其他内容")], info(person), engine=engine)
    often = archive_document(store, [page("租赁 租赁 租赁 租赁 合同")], info(person), engine=engine)
    with Session(engine) as session:
        hits = search(session, "租赁", staff="archivist1", purpose="test").hits
    assert [hit.document_id for hit in hits] == [often, once]
    assert hits[0].score > hits[1].score


@pytest.mark.parametrize(
    "query, problem",
    [
        ("", "archive.search.nothing_to_search"),
        ("   ", "archive.search.nothing_to_search"),
        ('"', "archive.search.nothing_to_search"),
        ("()", "archive.search.nothing_to_search"),
        ("😀", "archive.search.nothing_to_search"),
        ("AND OR NOT", None),
        ("-租赁", "archive.search.only_excluded"),
        ('租赁" OR 1=1; --', None),
        ("NEAR(租赁 合同)", None),
        ("grams : 租赁", None),
        ("租赁*", None),
        ("*", "archive.search.nothing_to_search"),
        ("'; DROP TABLE archive_page; --", None),
        ("\x00租\x07", None),
        ("租" * 500, None),
    ],
)
def test_odd_queries_never_fail(archive, query, problem):
    result, _ = _docs(archive, query)
    assert result.problem == problem
    if problem:
        assert t(problem, "zh-CN") != problem and t(problem, "en") != problem


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_text_gives_results_or_a_message(archive, query):
    result, _ = _docs(archive, query)
    assert result.problem in (None, "archive.search.nothing_to_search", "archive.search.only_excluded")


def test_each_search_writes_one_access_log_row_with_its_filters(archive):
    first, _ = archive["people"]
    with Session(archive["engine"]) as session:
        result = search(
            session,
            "合同",
            SearchFilters(person_id=first, date_from=date(2025, 1, 1)),
            staff="archivist1",
            purpose="archive_access",
        )
        refused = search(session, "   ", staff="archivist1", purpose="archive_access")
        session.commit()
    assert len(result.hits) == 2 and refused.problem  # two hits, one row; a refused query reads nothing
    with Session(archive["engine"]) as session:
        rows = session.exec(select(AccessLog).where(AccessLog.action == "archive_search")).all()
    assert [(row.staff, row.person_id, row.purpose, row.case_no) for row in rows] == [
        ("archivist1", first, "archive_access", None)
    ]
    assert rows[0].fields == f"person_id={first},date_from=2025-01-01"
    assert t("ui.access_action.archive_search", "zh-CN") == "档案检索"
    assert t("ui.access_action.archive_search", "en") == "Archive search"

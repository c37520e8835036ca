"""Filters by document type, staff, material and date: the MATCH on filter words (SQLite) gives exactly
the pages the join on archive_document gives, deletion removes the words, old indexes are upgraded."""

from __future__ import annotations

import random
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from helpers import add_person, info, page
from sqlalchemy import text
from sqlmodel import Session

from desk.archive.disposal import dispose
from desk.archive.intake import archive_document
from desk.archive.search import search
from desk.archive.search_index import SearchFilters, filter_match, filter_sql, filter_words, index_for, upgrade_layout
from desk.archive.storage import FileStore
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.db import init_db, make_engine

WORDS = ["合同", "租赁", "诊断", "贷款", "发票", "证明"]
DOC_TYPES = ["lease", "diagnosis", 'say "hi"', "two words", "类型", "NOT"]
STAFF = ["clerk1", "张 三", "o'neil", 'a" OR "b', "李四*", "(x)", "meta : y"]
MATERIALS = [None, "M01", "M18"]
FILTERS = (
    [SearchFilters(doc_type=value) for value in DOC_TYPES]
    + [SearchFilters(captured_by=value) for value in STAFF]
    + [SearchFilters(material_code="M18"), SearchFilters(doc_type="lease", captured_by="张 三")]
    + [
        SearchFilters(date_from=date(2025, 11, 1), date_to=date(2025, 11, 30)),  # whole month: MATCH only
        SearchFilters(date_from=date(2025, 11, 10), date_to=date(2026, 1, 20)),  # months + exact days
        SearchFilters(date_from=date(2023, 1, 1), date_to=date(2026, 12, 31)),  # too many months: join
        SearchFilters(date_from=date(2025, 6, 1)),  # open range: join
        SearchFilters(date_from=date(2025, 12, 31), date_to=date(2025, 12, 1)),  # empty range
        SearchFilters(doc_type="two words", date_from=date(2025, 12, 1), date_to=date(2025, 12, 31)),
        SearchFilters(doc_type="no such type"),
        SearchFilters(captured_by=""),
    ]
)


@pytest.fixture
def varied(engine):
    """320 pages of 200 documents with odd filter values, indexed the way intake indexes them."""
    rng = random.Random(3)
    person = add_person(engine)
    with Session(engine) as session:
        index = index_for(session)
        for number in range(200):
            document = ArchiveDocument(
                doc_type=rng.choice(DOC_TYPES),
                material_code=rng.choice(MATERIALS),
                person_id=person,
                captured_by=rng.choice(STAFF),
                source="upload",
                retention_class="withdrawal",
                page_count=2,
                captured_at=datetime(2025, 8, 1) + (datetime(2026, 3, 1) - datetime(2025, 8, 1)) * rng.random(),
            )
            session.add(document)
            session.flush()
            for page_no in range(1, rng.choice((1, 2, 2)) + 1):
                body = " ".join(rng.sample(WORDS, 3)) + f" 第{number}号"
                row = ArchivePage(
                    document_id=document.id, page_no=page_no, original_key=f"{number}-{page_no}.png", text=body
                )
                session.add(row)
                session.flush()
                index.add(session, row.id, body, document)
        session.commit()
    return engine


def _joined(session: Session, word: str, filters: SearchFilters) -> set[int]:
    where, params = filter_sql(filters)
    return {
        row[0]
        for row in session.execute(
            text(
                "SELECT p.id FROM archive_page p JOIN archive_document d ON d.id = p.document_id "
                f"WHERE p.text LIKE :pattern{where}"
            ),
            {"pattern": f"%{word}%", **params},
        )
    }


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_filtered_search_returns_exactly_the_joined_pages(varied, filters):
    with Session(varied) as session:
        for word in ("合同", "诊断"):
            result = search(session, word, filters, staff="archivist1", purpose="test", limit=200)
            assert result.problem is None
            assert {hit.page_id for hit in result.hits} == _joined(session, word, filters)
        negated = search(session, "合同 -诊断", filters, staff="archivist1", purpose="test", limit=200)
        expected = _joined(session, "合同", filters) - _joined(session, "诊断", filters)
        assert {hit.page_id for hit in negated.hits} == expected


def test_the_comparison_is_not_empty(varied):
    with Session(varied) as session:
        assert all(_joined(session, "合同", filters) for filters in FILTERS[:-4])


def test_filter_match_puts_values_in_the_match_as_plain_words():
    doc_type, staff = 'a "b" OR c', "张 三"
    narrowed = filter_match(SearchFilters(doc_type=doc_type, captured_by=staff, person_id=5))
    assert narrowed.rest == SearchFilters(person_id=5)
    # Every value is a kind letter and hex digits: nothing of the value reaches FTS5 syntax.
    assert narrowed.expression == f'meta : "t{doc_type.encode().hex()}" AND meta : "s{staff.encode().hex()}"'


def test_filter_match_for_dates():
    whole = filter_match(SearchFilters(date_from=date(2026, 11, 1), date_to=date(2026, 12, 31)))
    assert whole.expression == 'meta : ("m202611" OR "m202612")' and whole.rest == SearchFilters()
    part = filter_match(SearchFilters(date_from=date(2026, 11, 2), date_to=date(2026, 12, 31)))
    assert part.expression == 'meta : ("m202611" OR "m202612")'
    assert part.rest == SearchFilters(date_from=date(2026, 11, 2), date_to=date(2026, 12, 31))
    long = SearchFilters(date_from=date(2020, 1, 1), date_to=date(2026, 12, 31))
    assert filter_match(long) == type(whole)("", long)


def _meta_rows(engine, words: str) -> list[int]:
    with engine.connect() as conn:
        return [
            row[0]
            for row in conn.execute(
                text("SELECT rowid FROM archive_page_fts WHERE archive_page_fts MATCH :expr"),
                {"expr": " AND ".join(f'meta : "{word}"' for word in words.split())},
            )
        ]


def test_deletion_removes_the_filter_words(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    staff = 'clerk "七"'
    captured = datetime(1990, 5, 6, 7, 8)
    kept = archive_document(store, [page("租赁合同 甲")], info(person, captured_by=staff), engine=engine)
    gone = archive_document(
        store,
        [page("租赁合同 乙"), page("租赁合同 丙", doc_type="invoice")],
        info(person, captured_by=staff, captured_at=captured),
        engine=engine,
    )
    by_staff = SearchFilters(captured_by=staff)

    def found() -> set[int]:
        with Session(engine) as session:
            return {hit.document_id for hit in search(session, "合同", by_staff, staff="a", purpose="test").hits}

    assert found() == {kept, gone}
    words = filter_words("lease", staff, "M10", captured)
    if engine.dialect.name == "sqlite":
        assert len(_meta_rows(engine, words)) == 2
    dispose(
        [gone],
        staff=SimpleNamespace(username="archivist1", role="archivist"),
        reason="test",
        store=store,
        engine=engine,
        today=date(2100, 1, 1),
    )
    assert found() == {kept}
    if engine.dialect.name == "sqlite":
        assert _meta_rows(engine, words) == []
        assert len(_meta_rows(engine, filter_words("lease", staff, "M10", datetime.now()))) == 1


_OLD_DDL = "CREATE VIRTUAL TABLE archive_page_fts USING fts5(grams, chars, tokenize='ascii', content='', detail=full)"


def test_init_db_upgrades_an_index_without_filter_words(tmp_path, data_dir):
    engine = init_db(make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    store = FileStore(data_dir)
    person = add_person(engine)
    lease = archive_document(store, [page("租赁合同")], info(person, captured_by="张三"), engine=engine)
    archive_document(store, [page("贷款合同", doc_type="loan_contract")], info(person), engine=engine)
    with engine.begin() as conn:  # the layout before filter words, holding both pages
        conn.execute(text("DROP TABLE archive_page_fts"))
        conn.execute(text(_OLD_DDL))
        conn.execute(text("INSERT INTO archive_page_fts(rowid, grams, chars) SELECT id, text, '' FROM archive_page"))
    init_db(engine)
    with Session(engine) as session:
        hits = search(session, "合同", SearchFilters(captured_by="张三"), staff="a", purpose="test").hits
        assert [hit.document_id for hit in hits] == [lease]
        assert len(search(session, "合同", staff="a", purpose="test").hits) == 2
    with engine.begin() as conn:
        assert upgrade_layout(conn) is None  # already current
        # An upgrade killed after the new table was created but before the re-index committed:
        conn.execute(text("INSERT INTO archive_page_fts(archive_page_fts) VALUES ('delete-all')"))
    init_db(engine)
    with Session(engine) as session:
        hits = search(session, "合同", SearchFilters(captured_by="张三"), staff="a", purpose="test").hits
        assert [hit.document_id for hit in hits] == [lease]
    engine.dispose()


def test_an_empty_archive_is_not_reindexed(tmp_path):
    engine = init_db(make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    with engine.begin() as conn:
        assert upgrade_layout(conn) is None
    engine.dispose()

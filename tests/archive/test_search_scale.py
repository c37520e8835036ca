"""Search on a generated archive (the benchmark's builder) and the bounded ranking window."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from helpers import add_late_import
from sqlalchemy import text
from sqlmodel import Session

from desk.archive import search_index
from desk.archive.search import search
from desk.archive.search_index import SearchFilters
from desk.bench.search import build_index
from desk.db import init_db, make_engine
from desk.security.masking import mask_id_number


@pytest.fixture
def generated(tmp_path):
    """300 generated pages in SQLite (the benchmark's engine; the builder writes FTS5 rows directly)."""
    engine = init_db(make_engine(f"sqlite:///{tmp_path / 'bench.sqlite3'}"))
    build_index(engine, 300)
    yield engine
    engine.dispose()


def test_every_generated_id_number_finds_its_pages(generated):
    with Session(generated) as session:
        people = session.execute(text("SELECT id, id_number FROM person")).all()
        for _person_id, id_number in people[:10]:
            expected = session.execute(
                text("SELECT COUNT(*) FROM archive_page WHERE instr(text, :id) > 0"), {"id": id_number}
            ).scalar_one()
            hits = search(session, id_number, staff="archivist1", purpose="test", limit=200).hits
            assert len(hits) == expected
            shown = [hit.snippet.replace("【", "").replace("】", "") for hit in hits]
            # found by the full number, shown masked
            assert all(mask_id_number(id_number) in s and id_number not in s for s in shown)


def test_sqlite_ranks_the_newest_window_of_matches(generated, monkeypatch):
    monkeypatch.setattr(search_index, "RANK_WINDOW", 5)
    with Session(generated) as session:
        matching = [
            row[0]
            for row in session.execute(
                text("SELECT id FROM archive_page WHERE instr(text, '诊断') > 0 ORDER BY id DESC")
            )
        ]
        assert len(matching) > 5
        hits = search(session, "诊断", staff="archivist1", purpose="test", limit=200).hits
        assert sorted(hit.page_id for hit in hits) == sorted(matching[:5])
        assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
        oldest = matching[-1]
        doc_type = session.execute(
            text("SELECT doc_type FROM archive_page WHERE id = :id"), {"id": oldest}
        ).scalar_one()
        newer_of_type = session.execute(
            text("SELECT COUNT(*) FROM archive_page WHERE instr(text, '诊断') > 0 AND doc_type = :t AND id > :id"),
            {"t": doc_type, "id": oldest},
        ).scalar_one()
        typed = search(
            session, "诊断", SearchFilters(doc_type=doc_type), staff="archivist1", purpose="test", limit=200
        ).hits
        assert (oldest in [hit.page_id for hit in typed]) == (newer_of_type < 5)
        assert all(hit.doc_type == doc_type for hit in typed)


@pytest.fixture(scope="module")
def pg_generated(pg_cluster):
    """400 pages of 200 customers on PostgreSQL, built in bulk by `desk bench scale`'s builder."""
    import psycopg

    from desk.bench.scale_data import build

    url = pg_cluster.create_database("search_window")
    init_db(make_engine(url)).dispose()
    with psycopg.connect(f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname=search_window") as conn:
        conn.autocommit = True
        build(conn, 200, 400, progress=lambda _line: None)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    pg_cluster.drop_database("search_window")


def _matching(session: Session, word: str, where: str = "", params: dict | None = None, order: str = "p.id DESC"):
    return [
        row[0]
        for row in session.execute(
            text(
                "SELECT p.id FROM archive_page p JOIN archive_document d ON d.id = p.document_id "
                f"WHERE strpos(p.text, :word) > 0{where} ORDER BY {order}"
            ),
            {"word": word, **(params or {})},
        )
    ]


_BY_ARCHIVIST = {"staff": "archivist1", "purpose": "test", "limit": 200}


def _first_half(session: Session) -> tuple[date, date]:
    """The first day the generated archive's documents were captured, and the day halfway to its last."""
    first, last = session.execute(
        text("SELECT min(captured_at)::date, max(captured_at)::date FROM archive_document")
    ).one()
    return first, first + (last - first) / 2


def _captured_between(session: Session, word: str, first: date, last: date) -> list[int]:
    """The pages holding `word` whose documents were captured from `first` to `last`, latest captured first."""
    where = " AND d.captured_at >= :a AND d.captured_at < :b"
    return _matching(session, word, where, {"a": first, "b": last + timedelta(days=1)}, "d.captured_at DESC, p.id DESC")


def test_postgres_ranks_the_newest_window_of_matches(pg_generated, monkeypatch):
    monkeypatch.setattr(search_index, "RANK_WINDOW", 5)
    with Session(pg_generated) as session:
        matching = _matching(session, "诊断")
        assert len(matching) > 5
        hits = search(session, "诊断", staff="archivist1", purpose="test", limit=200).hits
        assert sorted(hit.page_id for hit in hits) == sorted(matching[:5])
        assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
        # a rare term (an ID number) is found through the GIN index: every one of its pages
        id_number, person_id = session.execute(
            text("SELECT pe.id_number, pe.id FROM archive_document d JOIN person pe ON pe.id = d.person_id LIMIT 1")
        ).one()
        owned = _matching(session, id_number)
        found = search(session, id_number, staff="archivist1", purpose="test", limit=200).hits
        assert sorted(hit.page_id for hit in found) == sorted(owned[:5]) and owned
        # a customer filter keeps that customer's pages only
        mine = search(
            session, "身份", SearchFilters(person_id=person_id), staff="archivist1", purpose="test", limit=200
        ).hits
        assert sorted(hit.page_id for hit in mine) == sorted(
            _matching(session, "身份", " AND d.person_id = :p", {"p": person_id})[:5]
        )


@pytest.mark.parametrize("column", ["doc_type", "captured_by"])
def test_postgres_document_filter_ranks_the_newest_matching_documents(pg_generated, monkeypatch, column):
    monkeypatch.setattr(search_index, "RANK_WINDOW", 5)
    with Session(pg_generated) as session:
        value = session.execute(text(f"SELECT {column} FROM archive_document ORDER BY id LIMIT 1")).scalar_one()
        newest = _matching(session, "身份", f" AND d.{column} = :v", {"v": value}, order="d.id DESC, p.id DESC")
        assert len(newest) > 5
        filters = SearchFilters(**{column: value})
        hits = search(session, "身份", filters, staff="archivist1", purpose="test", limit=200).hits
        assert sorted(hit.page_id for hit in hits) == sorted(newest[:5])


def test_postgres_date_range_ranks_the_latest_captured_matches_inside_it(pg_generated, monkeypatch):
    monkeypatch.setattr(search_index, "RANK_WINDOW", 5)
    with Session(pg_generated) as session:
        first, middle = _first_half(session)
        filters = SearchFilters(date_from=first, date_to=middle)
        inside = _captured_between(session, "身份", first, middle)
        assert len(inside) > 5
        hits = search(session, "身份", filters, staff="archivist1", purpose="test", limit=200).hits
        assert sorted(hit.page_id for hit in hits) == sorted(inside[:5])
        assert all(first <= hit.captured_at.date() <= middle for hit in hits)


def test_postgres_page_terms_stay_in_the_row(pg_generated):
    with pg_generated.connect() as conn:
        options, toast_bytes, largest = conn.execute(
            text(
                "SELECT c.reloptions, pg_relation_size(c.reltoastrelid), "
                "(SELECT max(pg_column_size(terms)) FROM archive_page_terms) "
                "FROM pg_class c WHERE c.relname = 'archive_page_terms'"
            )
        ).one()
    assert "toast_tuple_target=8160" in options
    assert largest > 2100  # beyond PostgreSQL's default threshold, these would have gone to TOAST
    assert toast_bytes == 0


def test_postgres_routes_by_analyze_once_it_has_run_and_reads_its_figures_once(pg_cluster):
    """Before the first ANALYZE the planner chooses (and nothing is kept, so the first ANALYZE counts at
    once); after it, an ID number goes to GIN and a word on every page is walked for, from figures read
    once and kept for a few minutes rather than asked on every search."""
    import psycopg

    from desk.archive.search_route import lexeme_stats, route_for
    from desk.bench.scale_data import build

    url = pg_cluster.create_database("search_route")
    engine = init_db(make_engine(url))
    try:
        with Session(engine) as session:
            assert lexeme_stats(session) is None and route_for(session, ["身份"]) == "planner"
        with psycopg.connect(f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname=search_route") as conn:
            conn.autocommit = True
            build(conn, 100, 1000, progress=lambda _line: None)  # loads in bulk, then ANALYZE
        with Session(engine) as session:
            id_number = session.execute(text("SELECT id_number FROM person ORDER BY id LIMIT 1")).scalar_one()
            stats = lexeme_stats(session)
            assert stats is not None and stats.pages == 1000 and stats.shares["身份"] == 1.0
            assert route_for(session, [id_number]) == "gin" and route_for(session, ["身份"]) == "walk"
            assert lexeme_stats(session) is stats
    finally:
        engine.dispose()
        pg_cluster.drop_database("search_route")


def test_postgres_date_range_ranks_a_late_imported_old_document_by_its_capture_time(pg_generated, monkeypatch):
    """A document archived after every other (its page has the highest id) but captured at the very start
    of an old date range is the oldest of that range, not the newest: the window of the range's latest
    captured matches leaves it out, and a range it is the newest of finds it. (A word on every page of
    so small an archive goes to GIN; tests/test_bench_scale.py has the walk.)"""
    monkeypatch.setattr(search_index, "RANK_WINDOW", 5)
    with Session(pg_generated) as session:
        first, middle = _first_half(session)
        late = add_late_import(session, datetime.combine(first, time.min))
        inside = _captured_between(session, "身份", first, middle)
        assert inside[-1] == late and len(inside) > 5
        hits = search(session, "身份", SearchFilters(date_from=first, date_to=middle), **_BY_ARCHIVIST).hits
        assert sorted(hit.page_id for hit in hits) == sorted(inside[:5])
        first_day = search(session, "身份", SearchFilters(date_from=first, date_to=first), **_BY_ARCHIVIST).hits
        assert late in [hit.page_id for hit in first_day]
        session.rollback()

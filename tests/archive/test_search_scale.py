"""Search on a generated archive (the benchmark's builder) and the bounded ranking window."""

from __future__ import annotations

import pytest
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

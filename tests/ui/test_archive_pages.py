"""The archivist's pages through NiceGUI's simulated User: search (a Chinese two-character word, odd
strings, filters, pages of results), the page viewer with highlights and its log row, the image
route's role check and log, verify, export, and the fixity page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nicegui.testing import User
from review_archive_seed import ARCHIVIST, archive_page, lease_page, review_hashes, review_staff  # noqa: F401 - fixtures
from sqlmodel import select

from desk.archive.fixity import verify_if_due
from desk.archive.storage import FileStore
from desk.archive.tables import ArchivePage
from desk.db import session_scope
from desk.i18n import t, use_language
from desk.records.tables import Person
from desk.security.access_log import AccessLog

CLERK_PASSWORD = "Counter2026a"


def _zh(key: str, **params) -> str:
    with use_language("zh-CN"):
        return t(key, **params)


def _people(engine, count: int) -> list[Person]:
    with session_scope(engine) as db:
        return list(db.exec(select(Person).order_by(Person.id).limit(count)))


def _pages(engine, document_id: int) -> list[int]:
    with session_scope(engine) as db:
        return list(db.exec(select(ArchivePage.id).where(ArchivePage.document_id == document_id)))


def _log(engine, action: str) -> list[AccessLog]:
    with session_scope(engine) as db:
        return list(db.exec(select(AccessLog).where(AccessLog.action == action).order_by(AccessLog.id)))


@pytest.fixture
def archive(review_staff, data_dir, lease_page):
    """The captured lease archived for two customers; returns (engine, {person id: document id})."""
    documents = {
        person.id: archive_page(review_staff, data_dir, lease_page, person.id) for person in _people(review_staff, 2)
    }
    return review_staff, documents


async def _archivist(log_in, user: User) -> None:
    """Log in as the archivist and wait for the search screen (it loads the staff list before it draws)."""
    await log_in(ARCHIVIST[0], ARCHIVIST[3])
    await user.should_see(marker="query", retries=100)


async def _search(user: User, query: str) -> None:
    user.find(marker="query").clear().type(query).trigger("keydown.enter")


async def test_a_two_character_chinese_word_finds_the_lease_with_marked_snippets(user: User, log_in, archive):
    engine, documents = archive
    await _archivist(log_in, user)
    await _search(user, "租赁")
    await user.should_see(marker="search-message", content=_zh("archivist.search.showing", first=1, last=2), retries=50)
    for document_id in documents.values():
        [page_id] = _pages(engine, document_id)
        await user.should_see(marker=f"thumb {page_id}")
        [snippet] = user.find(marker=f"snippet {page_id}").elements
        assert "<mark>租赁</mark>" in snippet.content
        [thumb] = user.find(marker=f"thumb {page_id}").elements
        assert thumb.source == f"/archive/image/{page_id}/thumb"


# query -> what the archivist reads (None: the two leases are found)
ODD_QUERIES = {
    '"': "archive.search.nothing_to_search",
    "😀": "archive.search.nothing_to_search",
    "*": "archive.search.nothing_to_search",
    "\\": "archive.search.nothing_to_search",
    "-租赁": "archive.search.only_excluded",
    "a'b; DROP TABLE x": "archive.search.no_hits",
    "NEAR(租赁 合同)": "archive.search.no_hits",
    "<b>租赁</b>": "archive.search.no_hits",  # the b is a word of its own: "b 租赁 b" is on no page
    "((租赁))": None,
    "租赁)": None,
    "租": None,
    '"租赁': None,
    "租赁 -出售": None,
}


@pytest.mark.parametrize("query", list(ODD_QUERIES))
async def test_any_query_string_gives_results_or_a_plain_message(user: User, log_in, archive, query):
    await _archivist(log_in, user)
    await _search(user, query)
    key = ODD_QUERIES[query]
    expected = _zh(key) if key else _zh("archivist.search.showing", first=1, last=2)
    await user.should_see(marker="search-message", content=expected, retries=50)


async def test_filters_narrow_the_results_and_bad_filters_say_why(user: User, log_in, archive):
    engine, documents = archive
    _first, second = _people(engine, 2)
    await _archivist(log_in, user)
    user.find(marker="filter-customer").type(second.id_number)
    await _search(user, "租赁")
    await user.should_see(marker="search-message", content=_zh("archivist.search.showing", first=1, last=1), retries=50)
    [page_id] = _pages(engine, documents[second.id])
    await user.should_see(marker=f"hit {page_id}")
    user.find(marker="filter-customer").clear().type("11010519491231002X")
    await _search(user, "租赁")
    await user.should_see(_zh("archive.intake.unknown_customer", customer="11010519491231002X"), retries=50)
    user.find(marker="filter-customer").clear()
    user.find(marker="filter-from").type("2026-13-45")
    await _search(user, "租赁")
    await user.should_see(_zh("archive.search.bad_date", value="2026-13-45"), retries=50)
    tomorrow = (datetime.now() + timedelta(days=1)).date().isoformat()
    user.find(marker="filter-from").clear().type(tomorrow)
    await _search(user, "租赁")
    await user.should_see(marker="search-message", content=_zh("archive.search.no_hits"), retries=50)


async def test_results_come_in_pages(user: User, log_in, review_staff, data_dir, lease_page):
    for person in _people(review_staff, 23):
        archive_page(review_staff, data_dir, lease_page, person.id)
    await _archivist(log_in, user)
    await _search(user, "合同")
    await user.should_see(
        marker="search-message", content=_zh("archivist.search.showing", first=1, last=20), retries=50
    )
    user.find(marker="next").click()
    await user.should_see(
        marker="search-message", content=_zh("archivist.search.showing", first=21, last=23), retries=50
    )
    await user.should_see(marker="position", content=_zh("archivist.search.position", page=2))
    user.find(marker="previous").click()
    await user.should_see(
        marker="search-message", content=_zh("archivist.search.showing", first=1, last=20), retries=50
    )


async def test_the_viewer_highlights_the_words_shows_hashes_and_logs_the_view(user: User, log_in, archive):
    engine, documents = archive
    document_id = next(iter(documents.values()))
    [page_id] = _pages(engine, document_id)
    await _archivist(log_in, user)
    await user.open(f"/archive/page/{page_id}?q=租赁")
    await user.should_see(marker="page-image", retries=50)
    [image] = user.find(marker="page-image").elements
    assert image.source == f"/archive/image/{page_id}/flat"
    assert image.content.count("<rect") >= 1  # the lease's title 房屋租赁合同, at least
    await user.should_see(marker="highlight-count", content="标出")
    [text] = user.find(marker="page-text").elements
    assert "<mark>租赁</mark>" in text.content
    with session_scope(engine) as db:
        page = db.get(ArchivePage, page_id)
    await user.should_see(marker="sha original", content=page.original_key.partition(".")[0])
    views = _log(engine, "archive_view")
    assert [(v.staff, v.role, v.fields) for v in views] == [
        ("arch7", "archivist", f"document:{document_id},page:{page_id}")
    ]
    user.find(marker="verify").click()
    for part in ("authenticity", "integrity", "usability", "security"):
        await user.should_see(marker=f"check {part}", content=_zh("archive.cli.check_ok"), retries=50)
    await user.open("/archive/page/424242")
    await user.should_see(_zh("archive.viewer.no_page", id=424242), retries=50)


async def test_the_image_route_refuses_a_clerk_and_logs_an_archivists_read(user: User, log_in, archive):
    engine, documents = archive
    [page_id] = _pages(engine, next(iter(documents.values())))
    await log_in("clerk7", CLERK_PASSWORD)
    assert (await user.http_client.get(f"/archive/image/{page_id}/flat")).status_code == 403
    assert _log(engine, "archive_image") == []
    user.find(marker="logout").click()
    await user.should_see(marker="reason", retries=50)  # /logout answered
    await _archivist(log_in, user)
    response = await user.http_client.get(f"/archive/image/{page_id}/thumb")
    assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"  # a JPEG
    assert response.headers["cache-control"] == "private, no-store"
    [read] = _log(engine, "archive_image")
    assert (read.staff, read.fields) == ("arch7", f"page:{page_id},thumb")
    assert (await user.http_client.get(f"/archive/image/{page_id}/secret")).status_code == 404
    assert (await user.http_client.get("/archive/image/999999/flat")).status_code == 404


async def test_export_sends_a_pdf_and_is_logged(user: User, log_in, archive):
    engine, documents = archive
    document_id = next(iter(documents.values()))
    await _archivist(log_in, user)
    response = await user.http_client.get(f"/archive/export/{document_id}")
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"
    assert [(e.staff, e.fields) for e in _log(engine, "archive_export")] == [("arch7", f"document:{document_id}")]
    assert (await user.http_client.get("/archive/export/999999")).status_code == 404


async def test_fixity_page_shows_the_last_scheduled_run_and_verifies_now(user: User, log_in, archive, data_dir):
    engine, _documents = archive
    store = FileStore(data_dir)
    await _archivist(log_in, user)
    await user.open("/archive/fixity")
    await user.should_see(marker="fixity-never", retries=50)
    assert verify_if_due(store, every=timedelta(hours=24), engine=engine) is not None  # what the schedule runs
    assert verify_if_due(store, every=timedelta(hours=24), engine=engine) is None  # not due again yet
    await user.open("/archive/fixity")
    await user.should_see(marker="fixity-status", content=_zh("archivist.fixity.ok"), retries=50)
    with session_scope(engine) as db:
        page = db.exec(select(ArchivePage)).first()
    store.path_of_key(page.text_key).write_text("altered")  # someone edits an archived file
    user.find(marker="verify-now").click()
    await user.should_see(marker="fixity-status", content=_zh("archivist.fixity.problems"), retries=100)
    await user.should_see(marker="fixity-altered", content=_zh("archivist.fixity.altered", count=1))
    await user.should_see(page.text_key)

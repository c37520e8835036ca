"""The archivist's image route with the archive on object storage (DESK_ARCHIVE_URL, a real SeaweedFS):
the page's bytes come from the bucket, the read is logged, and a page whose object is gone is a 404."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from review_archive_seed import ARCHIVIST, lease_page, review_hashes, review_staff  # noqa: F401 - fixtures
from sqlmodel import select

from desk.archive.intake import DocumentInfo, archive_document
from desk.archive.object_store import ObjectStore
from desk.archive.store_config import store_from_settings
from desk.archive.tables import ArchivePage
from desk.db import session_scope
from desk.records.tables import Person
from desk.security.access_log import AccessLog


@pytest.fixture
def on_object_store(review_staff, data_dir, s3_bucket, seaweed, monkeypatch):
    """DESK_ARCHIVE_URL set to a prefix of the session's locked bucket; returns the configured store."""
    from desk.settings import get_settings

    _, bucket, prefix = s3_bucket(True)
    monkeypatch.setenv("DESK_ARCHIVE_URL", f"s3://{bucket}/{prefix}?endpoint={seaweed.endpoint}")
    get_settings.cache_clear()
    store = store_from_settings()
    assert isinstance(store, ObjectStore)
    return store


async def test_the_image_route_reads_the_page_from_the_object_store(
    user: User, log_in, review_staff, lease_page, on_object_store
):
    store = on_object_store
    with session_scope(review_staff) as db:
        person_id = db.exec(select(Person.id).order_by(Person.id)).first()
    info = DocumentInfo(person_id=person_id, captured_by="clerk7", source="upload", title="lease.jpg")
    document = archive_document(store, [lease_page], info, engine=review_staff)
    with session_scope(review_staff) as db:
        page = db.exec(select(ArchivePage).where(ArchivePage.document_id == document)).one()
        page_id, thumb_key, flat_key = page.id, page.thumb_key, page.flat_key

    await log_in(ARCHIVIST[0], ARCHIVIST[3])
    await user.should_see(marker="query", retries=100)
    response = await user.http_client.get(f"/archive/image/{page_id}/thumb")
    assert response.status_code == 200 and response.content == store.read(thumb_key)
    assert response.headers["cache-control"] == "private, no-store"
    with session_scope(review_staff) as db:
        [read] = db.exec(select(AccessLog).where(AccessLog.action == "archive_image")).all()
        assert read.fields == f"page:{page_id},thumb"
    store.client.delete_object(Bucket=store.bucket, Key=store.object_key(flat_key))  # a delete marker in front
    assert (await user.http_client.get(f"/archive/image/{page_id}/flat")).status_code == 404

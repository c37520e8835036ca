"""Which archive store the configuration names: the one place every caller gets its store from.

DESK_ARCHIVE_URL empty (the default, `make run`): the data folder (desk.archive.storage.FileStore).
`s3://bucket/prefix?endpoint=...`: the object store (desk.archive.object_store.ObjectStore), one kept
boto3 client per process (boto3 clients are thread-safe; building one costs tens of milliseconds).
"""

from __future__ import annotations

from functools import lru_cache

from desk.archive.storage import FileStore
from desk.archive.store_protocol import ArchiveStore
from desk.settings import get_settings


@lru_cache(maxsize=4)
def _object_store(url: str, lock_mode: str) -> ArchiveStore:
    from desk.archive.object_store import ObjectStore, make_client, parse_archive_url

    parsed = parse_archive_url(url)
    return ObjectStore(make_client(parsed), parsed.bucket, parsed.prefix, lock_mode=lock_mode)


def store_from_settings() -> ArchiveStore:
    """The configured archive store: the object store of DESK_ARCHIVE_URL, else the data folder."""
    settings = get_settings()
    if settings.archive_url:
        return _object_store(settings.archive_url, settings.archive_lock_mode)
    return FileStore(settings.resolved_data_dir)


def object_store_from_settings() -> ArchiveStore | None:
    """The configured object store, None when the archive is the data folder (which has no locks to set)."""
    settings = get_settings()
    return _object_store(settings.archive_url, settings.archive_lock_mode) if settings.archive_url else None


def local_store() -> FileStore:
    """The data folder's store, whatever DESK_ARCHIVE_URL says (the source of `migrate-storage`)."""
    return FileStore(get_settings().resolved_data_dir)

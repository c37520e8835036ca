"""`desk backup DEST`: a consistent online copy of the database and the data folder, with a manifest.

Layout of a backup folder:

    manifest.json              written last: a folder without it is an unfinished backup
    database/desk.sqlite3      SQLite (online backup API), or database/desk.pgdump (pg_dump -Fc)
    files/objects/ab/cd/…      every archive file the copied rows refer to
    files/.storage_secret …    the data folder's other files (not the sessions of .nicegui/)

The manifest lists every file of the backup with its SHA-256 and size, the database kind, its
Alembic revision, the rows of every table and the start and end of the backup.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.engine import Engine

from desk.archive.storage import OBJECTS_DIR, FileStore
from desk.archive.store_protocol import ArchiveStore
from desk.operations.snapshot import DatabaseFacts, snapshot_postgresql, snapshot_sqlite, sqlite_path

FORMAT = "desk-backup/1"
MANIFEST = "manifest.json"
FILES_DIR = "files"
DATABASE_FILES = {"sqlite": "database/desk.sqlite3", "postgresql": "database/desk.pgdump"}
# Not backed up from the data folder: sessions (transient) and the archive store (its files are
# copied by reference from the database copy, so no orphan or half-written file comes along).
_SKIPPED_TOP = {".nicegui", OBJECTS_DIR}
_CHUNK = 1 << 20


class BackupRefused(Exception):
    """The backup cannot be made; `key` names the message (operations.backup.*), `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@dataclass
class BackupResult:
    """A finished backup: its folder, manifest and the archive files found missing or altered."""

    dest: Path
    manifest: dict
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file the database refers to was there with its hash."""
        return not (self.missing or self.altered)


def copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy `source` to `target` durably (same permission bits); returns the SHA-256 and size of the bytes copied."""
    with source.open("rb") as reader:
        copied = _copy_stream(reader, target)
    os.chmod(target, source.stat().st_mode & 0o777)
    return copied


def _copy_stream(reader: BinaryIO, target: Path) -> tuple[str, int]:
    """Write what `reader` gives to `target` durably; the SHA-256 and size of the bytes written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as writer:
        for chunk in iter(lambda: reader.read(_CHUNK), b""):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return digest.hexdigest(), size


def copy_object_hashed(store: ArchiveStore, key: str, target: Path) -> tuple[str, int]:
    """Copy a stored file to `target` durably from any store (a folder's file keeps its permission bits);
    returns the SHA-256 and size of the bytes copied. FileNotFoundError when it is missing."""
    local = store.local_path(key)
    if local is not None:
        return copy_hashed(local, target)
    with store.open(key) as reader:
        return _copy_stream(reader, target)


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as reader:
        for chunk in iter(lambda: reader.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _is_empty_folder(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _other_files(data_dir: Path, skip: set[Path]) -> list[Path]:
    """The data folder's own files (secret, demo logins …), without sessions, archive store and database."""
    found = []
    for entry in sorted(data_dir.iterdir()):
        if entry.name in _SKIPPED_TOP or entry in skip:
            continue
        paths = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*") if p.is_file())
        found += [path for path in paths if path not in skip]
    return found


def _database_skip(engine: Engine) -> set[Path]:
    if engine.dialect.name != "sqlite":
        return set()
    path = sqlite_path(engine)
    return {path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}


def write_manifest(dest: Path, manifest: dict) -> None:
    """Write manifest.json atomically and durably (the mark of a finished backup)."""
    tmp = dest / (MANIFEST + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, dest / MANIFEST)
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _snapshot(engine: Engine, dest: Path) -> tuple[str, DatabaseFacts]:
    kind = engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupRefused("unknown_database", kind=kind)
    relative = DATABASE_FILES[kind]
    (dest / relative).parent.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        return relative, snapshot_sqlite(engine, dest / relative)
    return relative, snapshot_postgresql(engine, dest / relative)


def make_backup(dest: Path, *, engine: Engine, data_dir: Path, store: ArchiveStore | None = None) -> BackupResult:
    """Copy the database (one consistent moment), the archive files its rows refer to (from `store`, by
    default the data folder's) and the data folder's own files into the empty or new folder `dest`,
    then write the manifest."""
    dest, data_dir = Path(dest).resolve(), Path(data_dir).resolve()
    if not _is_empty_folder(dest):
        raise BackupRefused("dest_not_empty", dest=dest)
    if dest == data_dir or data_dir in dest.parents:
        raise BackupRefused("dest_inside_data", dest=dest, data_dir=data_dir)
    if engine.dialect.name == "sqlite" and not sqlite_path(engine).is_file():
        raise BackupRefused("no_database", database=sqlite_path(engine))  # sqlite3 would create an empty one
    started = datetime.now(UTC)
    dest.mkdir(parents=True, exist_ok=True)
    database_file, facts = _snapshot(engine, dest)
    sha, size = hash_file(dest / database_file)
    entries = [{"path": database_file, "sha256": sha, "size": size}]
    result = BackupResult(dest=dest, manifest={})
    store = store or FileStore(data_dir)
    for key in sorted(facts.referenced):
        relative = Path(FILES_DIR) / store.entry_name(key)
        try:
            sha, size = copy_object_hashed(store, key, dest / relative)
        except FileNotFoundError:
            result.missing.append(key)
            continue
        if sha != key.partition(".")[0]:  # the store names each file by its hash
            result.altered.append(key)
        entries.append({"path": relative.as_posix(), "sha256": sha, "size": size})
    for source in _other_files(data_dir, _database_skip(engine)):
        relative = Path(FILES_DIR) / source.relative_to(data_dir)
        sha, size = copy_hashed(source, dest / relative)
        entries.append({"path": relative.as_posix(), "sha256": sha, "size": size})
    result.manifest = {
        "format": FORMAT,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {
            "kind": engine.dialect.name,
            "path": database_file,
            "revision": facts.revision,
            "rows": facts.rows,
        },
        "archive_files": len(facts.referenced) - len(result.missing),
        "files": entries,
        "problems": {"missing": result.missing, "altered": result.altered},
    }
    write_manifest(dest, result.manifest)
    return result

"""Moving an existing archive from the data folder to the object store: `python -m desk archive migrate-storage`.

Every file a row refers to is read from the folder, checked against the SHA-256 its key names,
written to the object store with the lock its documents call for (retention until the latest of
their ends, legal hold if any is held), and read back there to check the SHA-256 again. An object
already in the store whose bytes have their SHA-256 is skipped, so a run that stopped half-way
(killed, a network failure) simply runs again. Nothing is deleted from the folder: once a run
finishes with no failure, the operator sets DESK_ARCHIVE_URL and keeps the folder as a backup.
Files no row refers to are not copied (`python -m desk verify --sweep` reports or removes them).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from desk.archive.retention import lock_until
from desk.archive.storage import FileStore, StoredFile
from desk.archive.store_protocol import ArchiveStore, ObjectLock
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.db import session_scope

COPIED, SKIPPED, MISSING, ALTERED, MISMATCH = "copied", "skipped", "missing", "altered", "mismatch"


@dataclass
class MigrationReport:
    """What one run did; `ok` when every file is now in the object store with its SHA-256."""

    total: int = 0
    copied: int = 0
    skipped: int = 0  # already there and verified (an earlier run)
    bytes_copied: int = 0
    missing: list[str] = field(default_factory=list)  # rows name them, the folder lacks them
    altered: list[str] = field(default_factory=list)  # the folder's bytes do not have their SHA-256
    mismatch: list[str] = field(default_factory=list)  # the object store holds other bytes under the key

    @property
    def ok(self) -> bool:
        """True when nothing is missing, altered or mismatched."""
        return not (self.missing or self.altered or self.mismatch)

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {**asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class MigrationStep:
    """One file handled: its place in the run, its key and what happened to it."""

    done: int
    total: int
    key: str
    state: str


def _merge(first: ObjectLock | None, second: ObjectLock) -> ObjectLock:
    if first is None:
        return second
    dates = [day for day in (first.retain_until, second.retain_until) if day is not None]
    return ObjectLock(max(dates) if dates else None, first.legal_hold or second.legal_hold)


def archive_locks(session: Session) -> dict[str, ObjectLock]:
    """The lock of every referenced key: the latest retention end of the documents sharing it, and a
    legal hold if any of them is held."""
    rows = session.execute(
        select(ArchivePage, ArchiveDocument).join(ArchiveDocument, col(ArchiveDocument.id) == ArchivePage.document_id)
    ).all()
    locks: dict[str, ObjectLock] = {}
    for page, document in rows:
        until = document.retention_until or lock_until(document.retention_class, document.captured_at.date())
        lock = ObjectLock(until, bool(document.legal_hold))
        for key in page.file_keys():
            locks[key] = _merge(locks.get(key), lock)
    return locks


def _migrate_one(source: FileStore, target: ArchiveStore, key: str, lock: ObjectLock) -> tuple[str, int]:
    sha = key.partition(".")[0]
    if target.exists(key):
        # an earlier run's copy (or the same bytes stored since): verified, never overwritten
        return (SKIPPED, 0) if target.sha256_of_key(key) == sha else (MISMATCH, 0)
    try:
        data = source.read(key)
    except FileNotFoundError:
        return MISSING, 0
    stored = source.describe(data, key.partition(".")[2])
    if stored.sha256 != sha:
        return ALTERED, 0
    target.write(StoredFile(sha, stored.ext, stored.size), data, lock=lock)
    return (COPIED, len(data)) if target.sha256_of_key(key) == sha else (MISMATCH, 0)


def migrate_storage(
    source: FileStore,
    target: ArchiveStore,
    *,
    engine: Engine | None = None,
    on_step: Callable[[MigrationStep], None] | None = None,
) -> MigrationReport:
    """Copy every referenced file of `source` to `target`, verified on both sides; see the module's docstring.
    `on_step` is called after each file (progress; an exception it raises stops the run, which resumes)."""
    with session_scope(engine) as session:
        locks = archive_locks(session)
    report = MigrationReport(total=len(locks))
    for done, key in enumerate(sorted(locks), start=1):
        state, size = _migrate_one(source, target, key, locks[key])
        if state == COPIED:
            report.copied += 1
            report.bytes_copied += size
        elif state == SKIPPED:
            report.skipped += 1
        else:
            getattr(report, state).append(key)
        if on_step is not None:
            on_step(MigrationStep(done, report.total, key, state))
    return report


def _print_step(step: MigrationStep, every: int) -> None:
    from desk.i18n import t

    if step.state not in (COPIED, SKIPPED):
        print(t("archive.migrate.failed_" + step.state, file=step.key), file=sys.stderr)
    if step.done % every == 0 or step.done == step.total:
        print(t("archive.migrate.progress", done=step.done, total=step.total), flush=True)


def _migrate(args: argparse.Namespace) -> int:
    from desk.archive.errors import ArchiveRefused
    from desk.archive.store_config import local_store, object_store_from_settings
    from desk.i18n import t

    target = object_store_from_settings()
    if target is None:
        raise ArchiveRefused("archive.migrate.no_target")
    source = local_store()
    if not args.json:
        print(t("archive.migrate.start", source=source.location(), target=target.location()))
    every = max(1, int(args.every))
    report = migrate_storage(source, target, on_step=None if args.json else lambda step: _print_step(step, every))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(
            t(
                "archive.migrate.summary",
                total=report.total,
                copied=report.copied,
                skipped=report.skipped,
                mb=f"{report.bytes_copied / 1e6:.1f}",
                failed=len(report.missing) + len(report.altered) + len(report.mismatch),
            )
        )
    return 0 if report.ok else 1


def migrate_storage_command(args: argparse.Namespace) -> int:
    """Copy the data folder's archive to DESK_ARCHIVE_URL's object store, verified and resumable;
    exit status 1 when any file failed, 2 when no object store is configured."""
    from desk.archive.commands import run_archive_action

    return run_archive_action(_migrate, args)

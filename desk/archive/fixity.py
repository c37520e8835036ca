"""Fixity: re-hash every stored file, report missing, altered and orphaned files; sweep leftovers.

A file's key starts with its SHA-256, so the expected hash of every file is known without the
database; the database says which files must exist. The sweep removes only what the store can
prove is its own leftover (desk.archive.store_protocol.ArchiveStore.leftover_names); other orphans are reported.
Each run is recorded (FixityRun) so archivists see the last result; the app runs `verify_archive`
on a schedule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from desk.archive.store_protocol import ArchiveStore
from desk.archive.tables import FixityRun, referenced_keys
from desk.db import run_alone, session_scope

# Files younger than this may belong to an intake that has not committed yet: not orphans yet.
IN_FLIGHT_SECONDS = 600.0
FIXITY_JOB = "desk.archive.fixity"  # the advisory lock's name: one scheduled run across the app servers


@dataclass
class FixityReport:
    """What one verification found; `ok` when nothing is missing, altered or orphaned."""

    started_at: datetime
    finished_at: datetime | None = None
    checked: int = 0
    missing: list[str] = field(default_factory=list)  # store keys rows name but the disk lacks
    altered: list[str] = field(default_factory=list)  # files whose content no longer has their hash
    orphaned: list[str] = field(default_factory=list)  # paths no row refers to
    removable: list[str] = field(default_factory=list)  # those of `orphaned` the sweep removes (the store's leftovers)

    @property
    def ok(self) -> bool:
        """True when every referenced file is present and intact and nothing is left over."""
        return not (self.missing or self.altered or self.orphaned)

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat(timespec="seconds")
        out["finished_at"] = self.finished_at.isoformat(timespec="seconds") if self.finished_at else None
        out["ok"] = self.ok
        return out


def verify_archive(
    store: ArchiveStore, *, engine: Engine | None = None, record: bool = True, in_flight_s: float = IN_FLIGHT_SECONDS
) -> FixityReport:
    """Re-hash every file a row names (found by its key, whatever name it was stored under); report
    what is missing, altered, or on disk without a row; record the run."""
    report = FixityReport(started_at=datetime.now())
    with session_scope(engine) as session:
        referenced = referenced_keys(session)
    expected: set[str] = set()
    for key in sorted(referenced):
        expected.add(store.entry_name(key))
        actual = store.sha256_of_key(key)  # every byte read again, in the folder and in the object store
        if actual is None:
            report.missing.append(key)
            continue
        report.checked += 1
        if actual != key.partition(".")[0]:
            report.altered.append(key)
    cutoff = report.started_at.timestamp() - in_flight_s
    removable = set(store.leftover_names(referenced, cutoff=cutoff))
    for entry in store.entries():
        # a younger file may belong to an intake that has not committed yet: not an orphan yet
        if entry.name not in expected and entry.mtime <= cutoff:
            report.orphaned.append(entry.name)
            if entry.name in removable:
                report.removable.append(entry.name)
    report.finished_at = datetime.now()
    if record:
        with session_scope(engine) as session:
            session.add(
                FixityRun(
                    started_at=report.started_at,
                    finished_at=report.finished_at,
                    checked=report.checked,
                    missing=len(report.missing),
                    altered=len(report.altered),
                    orphaned=len(report.orphaned),
                    report=report.to_json(),
                )
            )
    return report


def last_run(session: Session) -> FixityRun | None:
    """The most recent recorded verification, for the archivist's page."""
    return session.exec(select(FixityRun).order_by(col(FixityRun.started_at).desc(), col(FixityRun.id).desc())).first()


def sweep_orphans(
    store: ArchiveStore, *, engine: Engine | None = None, older_than_s: float = IN_FLIGHT_SECONDS, dry_run: bool = False
) -> list[str]:
    """Delete the store's own leftovers older than `older_than_s` (temporary files, and the files
    of an intake that died before its rows committed); with `dry_run` only list them. Any other
    unexpected file stays, for `verify_archive` to report. Returns the names removed (or to remove),
    relative to the store's root."""
    with session_scope(engine) as session:
        referenced = referenced_keys(session)

    def referenced_now(keys: set[str]) -> set[str]:
        with session_scope(engine) as session:
            return referenced_keys(session, keys)

    return store.sweep_names(referenced, older_than_s=older_than_s, dry_run=dry_run, recheck=referenced_now)


def _due(every: timedelta, engine: Engine | None) -> bool:
    with session_scope(engine) as session:
        previous = last_run(session)
        last_started = previous.started_at if previous else None
    return last_started is None or datetime.now() - last_started >= every


def verify_if_due(store: ArchiveStore, *, every: timedelta, engine: Engine | None = None) -> FixityReport | None:
    """Run `verify_archive` when the last recorded run is older than `every` (the app's scheduled check).

    Several app servers share the database and all ask at about the same time: on PostgreSQL only the
    one holding the advisory lock runs, and it asks again under the lock, so a server that asks just
    after another one finished does not run a second time. None when nothing ran."""
    if not _due(every, engine):
        return None
    with run_alone(FIXITY_JOB, engine) as alone:
        if not alone or not _due(every, engine):
            return None
        return verify_archive(store, engine=engine)

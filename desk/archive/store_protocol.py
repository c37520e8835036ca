"""What every archive store offers, so the same intake, viewer, fixity, export and backup code serves
the local folder (desk.archive.storage.FileStore) and S3-compatible object storage
(desk.archive.object_store.ObjectStore).

Every file is addressed by its key `<sha256>.<ext>`; a store lists its entries by a name relative to
its root (`objects/ab/cd/<key>` in both stores), which is what fixity reports. A missing file reads
as FileNotFoundError in every store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable


@dataclass(frozen=True)
class StoredFile:
    """A file in the store: its hash, extension and size."""

    sha256: str
    ext: str
    size: int

    @property
    def key(self) -> str:
        """`<sha256>.<ext>`: how rows refer to the file."""
        return f"{self.sha256}.{self.ext}"


@dataclass(frozen=True)
class StoreEntry:
    """One object in a store: its name relative to the store's root and when it was last written."""

    name: str
    mtime: float  # seconds since the epoch


@dataclass(frozen=True)
class ObjectLock:
    """How long a written file must stay unchangeable, and whether it is under legal hold.

    A store that cannot lock (the local folder) ignores it: there the database rules of
    desk.archive.retention alone keep files from deletion."""

    retain_until: date | None = None
    legal_hold: bool = False


@runtime_checkable
class ArchiveStore(Protocol):
    """A content-addressed, write-once store of archive files."""

    def describe(self, data: bytes, ext: str | None = None) -> StoredFile:
        """The StoredFile `data` becomes (its hash and extension)."""
        ...

    def put(self, data: bytes, ext: str | None = None, *, lock: ObjectLock | None = None) -> tuple[StoredFile, bool]:
        """Store `data` durably; the file and whether it was new."""
        ...

    def write(self, stored: StoredFile, data: bytes, *, lock: ObjectLock | None = None) -> bool:
        """Write `data` unless its key is there already; True when it was new. Never overwrites."""
        ...

    def read(self, key: str) -> bytes:
        """The bytes of a stored file (FileNotFoundError when missing)."""
        ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A binary stream of a stored file (FileNotFoundError when missing)."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a file with this key is stored."""
        ...

    def sha256_of_key(self, key: str) -> str | None:
        """The SHA-256 of the stored bytes, re-read now; None when the file is missing."""
        ...

    def remove(self, keys: Iterable[str]) -> int:
        """Delete these files (missing ones ignored); how many went."""
        ...

    def begin_intake(self, keys: Iterable[str]) -> Any:
        """Durably note the keys an intake is about to write; returns the journal for `end_intake`."""
        ...

    def end_intake(self, journal: Any) -> None:  # what begin_intake returned
        """The intake's rows committed, or its files were cleaned up: its journal goes."""
        ...

    def entry_name(self, key: str) -> str:
        """The name `entries` lists the file with this key under."""
        ...

    def entries(self) -> Iterator[StoreEntry]:
        """Every object of the store (journals and temporary files included), in name order."""
        ...

    def leftover_names(self, referenced: set[str], *, cutoff: float) -> list[str]:
        """Names of the store's provable leftovers last written at or before `cutoff`."""
        ...

    def sweep_names(
        self,
        referenced: set[str],
        *,
        older_than_s: float,
        dry_run: bool = False,
        recheck: Callable[[set[str]], set[str]] | None = None,
    ) -> list[str]:
        """Delete the leftovers older than `older_than_s` (only list them when `dry_run`); their names.
        `recheck(keys)`: which of `keys` rows refer to now, asked just before a file goes."""
        ...

    def set_legal_hold(self, keys: Iterable[str], on: bool) -> None:
        """Place or lift the store's own legal hold on these files (nothing in a store without one)."""
        ...

    def extend_retention(self, keys: Iterable[str], until: date) -> None:
        """Keep these files locked until at least `until` (nothing in a store without locks)."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file's path when the store is a local folder and the file exists; None otherwise."""
        ...

    def location(self) -> str:
        """Where the store is, for messages (a folder, or s3://bucket/prefix)."""
        ...

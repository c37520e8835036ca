"""The content-addressed file store: every archived file is kept once, named by its SHA-256.

Layout under the data folder: `objects/ab/cd/<sha256>.<ext>`. Originals, flattened pages,
thumbnails, OCR text and word boxes all live here, so the same bytes captured twice are stored
once and fixity is one rule for every file. Files are written atomically (temporary file, fsync,
rename, fsync of the folder) and are never modified afterwards.

The name is the store's own: the hash plus an extension from `KNOWN_EXTS`, found from the
file's first bytes (`detect_ext`), never from the name a file arrived with. Rows keep the key, and
every lookup goes by key, so files an older release stored under other names still read.

Leftovers: a temporary file of an interrupted write (`.tmp-<pid>-<ns>` beside its target) and an
intake journal (`objects/.tmp-intake-<pid>-<ns>`, the keys an intake was about to write, removed
once its rows committed or its files were cleaned up). `leftovers` names exactly these, plus the
unreferenced files an unfinished journal lists; nothing else in the folder is ever deleted by the
sweep, however unexpected.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import BinaryIO

# StoredFile lives beside the store protocol (every store describes files the same way); imported from here too
from desk.archive.store_protocol import ObjectLock, StoredFile, StoreEntry

OBJECTS_DIR = "objects"
_TMP_PREFIX = ".tmp-"
_JOURNAL_PREFIX = ".tmp-intake-"
_TMP_NAME = re.compile(r"^\.tmp-[0-9]+-[0-9]+$")
_JOURNAL_NAME = re.compile(r"^\.tmp-intake-[0-9]+-[0-9]+$")

# (extension, test on the first bytes); the order matters only where one format's magic is a prefix of another's
_MAGIC: tuple[tuple[str, Callable[[bytes], bool]], ...] = (
    ("jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ("png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("tif", lambda head: head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")),
    ("webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    ("gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    ("jp2", lambda head: head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51")),
    ("pdf", lambda head: head.lstrip()[:5] == b"%PDF-"),  # the capture pipeline allows leading whitespace too
    ("bmp", lambda head: head[:2] == b"BM" and len(head) >= 26),
)
UNKNOWN_EXT = "bin"
# Every extension the store writes: the detectable formats, the intake's own text and word boxes, and `bin`.
KNOWN_EXTS = frozenset({ext for ext, _ in _MAGIC} | {"txt", "json", UNKNOWN_EXT})
_STORE_NAME = re.compile(r"^[0-9a-f]{64}\.(?:" + "|".join(sorted(KNOWN_EXTS)) + r")$")


def detect_ext(data: bytes) -> str:
    """The store's extension for the format of `data`, from its first bytes; `bin` when unknown."""
    head = data[:64]
    return next((ext for ext, test in _MAGIC if test(head)), UNKNOWN_EXT)


def sha256_of(data: bytes) -> str:
    """The SHA-256 of `data` in hex."""
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: Path) -> str:
    """The SHA-256 of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder entry itself is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target`, fsync it, rename it over `target`, fsync the folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f"{_TMP_PREFIX}{os.getpid()}-{time.monotonic_ns()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime <= cutoff
    except FileNotFoundError:
        return False


class FileStore:
    """Content-addressed, write-once files under `root/objects`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / OBJECTS_DIR

    def path_for(self, sha256: str, ext: str) -> Path:
        """Where the file with this hash and extension lives (whether or not it exists)."""
        return self.objects / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}"

    def path_of_key(self, key: str) -> Path:
        """The path of a `<sha256>.<ext>` key (any extension: keys of older releases read too)."""
        sha, _, ext = key.partition(".")
        return self.path_for(sha, ext)

    @staticmethod
    def describe(data: bytes, ext: str | None = None) -> StoredFile:
        """The StoredFile `data` becomes: its hash and `ext` (detected from the bytes when None).

        Raises ValueError for an extension the store does not write: names come from the store, not
        from the caller's file name.
        """
        ext = detect_ext(data) if ext is None else ext
        if ext not in KNOWN_EXTS:
            raise ValueError(f"the store does not write .{ext} files")
        return StoredFile(sha256_of(data), ext, len(data))

    def put(self, data: bytes, ext: str | None = None, *, lock: ObjectLock | None = None) -> tuple[StoredFile, bool]:
        """Store `data` durably; returns the file and whether it was new (False: already stored)."""
        stored = self.describe(data, ext)
        return stored, self.write(stored, data, lock=lock)

    def write(self, stored: StoredFile, data: bytes, *, lock: ObjectLock | None = None) -> bool:
        """Write `data` (described by `stored`) unless it is already there; True when it was new.

        `lock` is ignored: a folder has no object lock (the database's retention rules guard it)."""
        target = self.path_for(stored.sha256, stored.ext)
        if target.exists():
            # A fresh mtime keeps the sweep off a file an uncommitted intake is about to refer to again.
            with contextlib.suppress(OSError):  # a read-only mount: the sweep relies on the grace period
                os.utime(target)
            return False
        _write_durably(target, data)
        return True

    def read(self, key: str) -> bytes:
        """The bytes of a stored file."""
        return self.path_of_key(key).read_bytes()

    def open(self, key: str) -> contextlib.AbstractContextManager[BinaryIO]:
        """The stored file opened for reading (FileNotFoundError when missing)."""
        return self.path_of_key(key).open("rb")

    def exists(self, key: str) -> bool:
        """Whether a file with this key is stored."""
        return self.path_of_key(key).is_file()

    def sha256_of_key(self, key: str) -> str | None:
        """The SHA-256 of the stored file, re-read now; None when it is missing."""
        path = self.path_of_key(key)
        try:
            return sha256_of_file(path) if path.is_file() else None
        except FileNotFoundError:
            return None

    def local_path(self, key: str) -> Path | None:
        """The path of the stored file, None when it is missing."""
        path = self.path_of_key(key)
        return path if path.is_file() else None

    def entry_name(self, key: str) -> str:
        """`objects/ab/cd/<key>`: the name fixity reports the file under."""
        return self._name(self.path_of_key(key))

    def _name(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def location(self) -> str:
        """The data folder."""
        return str(self.root)

    def set_legal_hold(self, keys: Iterable[str], on: bool) -> None:
        """Nothing to do: a folder has no legal hold of its own (the document's flag guards it)."""

    def extend_retention(self, keys: Iterable[str], until: date) -> None:
        """Nothing to do: a folder has no object lock (the database's retention rules guard it)."""

    def remove(self, keys: Iterable[str]) -> int:
        """Delete the files with these keys (missing ones are ignored); returns how many went."""
        removed = 0
        for key in keys:
            path = self.path_of_key(key)
            if path.exists():
                path.unlink()
                removed += 1
        return removed

    def begin_intake(self, keys: Iterable[str]) -> Path:
        """Durably note the keys an intake is about to write, before it writes them; returns the journal.

        If the process dies before `end_intake`, the journal tells the sweep which files are the
        store's own leftovers."""
        journal = self.objects / f"{_JOURNAL_PREFIX}{os.getpid()}-{time.monotonic_ns()}"
        _write_durably(journal, "".join(f"{key}\n" for key in keys).encode("utf-8"))
        return journal

    @staticmethod
    def end_intake(journal: Path) -> None:
        """The intake's rows committed, or its files were cleaned up: its journal goes."""
        journal.unlink(missing_ok=True)

    def iter_files(self) -> Iterator[Path]:
        """Every file under `objects`, in name order (temporary files and journals included)."""
        if not self.objects.exists():
            return
        for path in sorted(self.objects.rglob("*")):
            if path.is_file():
                yield path

    def entries(self) -> Iterator[StoreEntry]:
        """`iter_files` as names relative to the data folder with their mtimes (files gone meanwhile skipped)."""
        for path in self.iter_files():
            try:
                mtime = path.stat().st_mtime
            except FileNotFoundError:  # removed meanwhile (an intake cleaning up): not there to report
                continue
            yield StoreEntry(self._name(path), mtime)

    def leftover_names(self, referenced: set[str], *, cutoff: float) -> list[str]:
        """`leftovers` as names relative to the data folder."""
        return [self._name(path) for path in self.leftovers(referenced, cutoff=cutoff)]

    def sweep_names(
        self,
        referenced: set[str],
        *,
        older_than_s: float,
        dry_run: bool = False,
        recheck: Callable[[set[str]], set[str]] | None = None,
    ) -> list[str]:
        """`sweep` with names relative to the data folder (`recheck` is not needed: an intake that stores
        the same bytes again refreshes the file's mtime, which `sweep` checks just before each file goes)."""
        return [self._name(path) for path in self.sweep(referenced, older_than_s=older_than_s, dry_run=dry_run)]

    def leftovers(self, referenced: set[str], *, cutoff: float) -> list[Path]:
        """The files the store can prove are its own leftovers, each last touched at or before `cutoff`.

        These are: temporary files of interrupted writes; journals of intakes that never finished;
        and the files such a journal lists that carry a name the store writes and no row refers
        to. Nothing else, so a file the store does not recognise (an older release's name, a
        file someone put here) is reported by fixity, never swept.
        """
        referenced_paths = {self.path_of_key(key) for key in referenced}
        found: list[Path] = []
        for path in self.iter_files():
            if path in referenced_paths or not _older(path, cutoff):
                continue
            if _TMP_NAME.match(path.name) and path.parent.parent.parent == self.objects:
                found.append(path)
            elif _JOURNAL_NAME.match(path.name) and path.parent == self.objects:
                for key in _journal_keys(path):
                    listed = self.path_of_key(key)
                    if (
                        _STORE_NAME.match(key)
                        and key not in referenced
                        and listed not in referenced_paths
                        and _older(listed, cutoff)
                    ):
                        found.append(listed)
                found.append(path)  # after the files it lists: a sweep that stops half-way can finish later
        return list(dict.fromkeys(found))

    def sweep(self, referenced: set[str], *, older_than_s: float, dry_run: bool = False) -> list[Path]:
        """Delete `leftovers` (or only list them when `dry_run`); returns their paths.

        The age limit keeps the sweep away from an intake that has written its files but not yet
        committed its rows.
        """
        cutoff = time.time() - older_than_s
        found = self.leftovers(referenced, cutoff=cutoff)
        if dry_run:
            return found
        removed = []
        for path in found:
            # Checked again just before: a concurrent intake may have touched it since it was listed.
            if _older(path, cutoff):
                try:
                    path.unlink()
                except FileNotFoundError:
                    continue
                removed.append(path)
        return removed


def _journal_keys(journal: Path) -> list[str]:
    try:
        text = journal.read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]

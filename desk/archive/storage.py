"""The content-addressed file store: every archived file is kept once, named by its SHA-256.

Layout under the data folder: `objects/ab/cd/<sha256>.<ext>`. Originals, flattened pages,
thumbnails, OCR text and word boxes all live here, so the same bytes captured twice are stored
once and fixity is one rule for every file. Files are written atomically (temporary file, fsync,
rename, fsync of the folder) and are never modified afterwards.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

OBJECTS_DIR = "objects"
_NAME = re.compile(r"^(?P<sha>[0-9a-f]{64})\.(?P<ext>[a-z0-9.]{1,12})$")
_TMP_PREFIX = ".tmp-"


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


class FileStore:
    """Content-addressed, write-once files under `root/objects`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / OBJECTS_DIR

    def path_for(self, sha256: str, ext: str) -> Path:
        """Where the file with this hash and extension lives (whether or not it exists)."""
        return self.objects / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}"

    def path_of_key(self, key: str) -> Path:
        """The path of a `<sha256>.<ext>` key."""
        sha, _, ext = key.partition(".")
        return self.path_for(sha, ext)

    def put(self, data: bytes, ext: str) -> tuple[StoredFile, bool]:
        """Store `data` durably; returns the file and whether it was new (False: already stored)."""
        stored = StoredFile(sha256_of(data), ext.lower().lstrip("."), len(data))
        target = self.path_for(stored.sha256, stored.ext)
        if target.exists():
            return stored, False
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
        return stored, True

    def read(self, key: str) -> bytes:
        """The bytes of a stored file."""
        return self.path_of_key(key).read_bytes()

    def remove(self, keys: Iterable[str]) -> int:
        """Delete the files with these keys (missing ones are ignored); returns how many went."""
        removed = 0
        for key in keys:
            path = self.path_of_key(key)
            if path.exists():
                path.unlink()
                removed += 1
        return removed

    def iter_keys(self) -> Iterator[tuple[str, Path]]:
        """Every stored file as (key, path); temporary leftovers are listed too, with key ''."""
        if not self.objects.exists():
            return
        for path in sorted(self.objects.rglob("*")):
            if not path.is_file():
                continue
            if _NAME.match(path.name):
                yield path.name, path
            else:
                yield "", path

    def sweep_orphans(self, referenced: set[str], *, older_than_s: float = 3600.0) -> list[Path]:
        """Delete files no row refers to, and temporary leftovers, older than `older_than_s`.

        The age limit keeps the sweep away from an intake that has written its files but not yet
        committed its rows.
        """
        cutoff = time.time() - older_than_s
        removed = []
        for key, path in self.iter_keys():
            if key in referenced or path.stat().st_mtime > cutoff:
                continue
            path.unlink(missing_ok=True)
            removed.append(path)
        return removed

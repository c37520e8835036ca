"""The archive on S3-compatible object storage: the same content-addressed, write-once store as the
local folder (desk.archive.storage.FileStore), kept in a bucket through boto3.

Keys: `<prefix>/objects/ab/cd/<sha256>.<ext>`, the folder's layout. Every write sends the file's
SHA-256 (ChecksumSHA256), so the server refuses bytes that do not match their name, and carries
`If-None-Match: *`, so an existing object is never overwritten. A successful PUT is durable on the
server, which is when the intake goes on to commit its rows, exactly as after the folder's fsync.

Object Lock: in a bucket created with Object Lock, every file is written with a retention
(COMPLIANCE or GOVERNANCE, until the date desk.archive.retention gives its document) and, for a
document under legal hold, the S3 legal hold. The same bytes kept for a second document keep the
later of the two dates (retention is only ever extended). In such a bucket, deleting a key only
puts a delete marker in front of the locked version; the bytes stay until their retention ends.

Leftovers: an intake journal is an object `objects/.tmp-intake-<pid>-<ns>-<random>` listing the
keys the intake is about to write. PUTs are atomic, so there are no temporary files. The sweep
removes a journal older than the grace period and the files it lists that no row refers to and
that no younger journal lists (an intake in flight may be about to refer to the same bytes again).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import parse_qs, urlsplit

from desk.archive.storage import _STORE_NAME, OBJECTS_DIR, FileStore, StoredFile
from desk.archive.store_protocol import ObjectLock, StoreEntry

S3Client = Any  # boto3's clients are made at run time; their stubs are not installed

LOCK_MODES = ("COMPLIANCE", "GOVERNANCE", "OFF")
_JOURNAL_NAME = re.compile(r"^\.tmp-intake-[0-9]+-[0-9]+-[0-9a-f]{8}$")
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}
_EXISTS = {"PreconditionFailed", "412", "ConditionalRequestConflict"}
_NO_LOCK = {"ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration", "NotImplemented"}
_CHUNK = 1 << 20


class StoreIntegrityError(OSError):
    """The object store holds (or was sent) bytes that do not have the SHA-256 their key names."""


@dataclass(frozen=True)
class ArchiveUrl:
    """`s3://bucket/prefix?endpoint=https://host:port&region=name` taken apart."""

    bucket: str
    prefix: str  # "" or ends with "/"
    endpoint: str | None
    region: str | None

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def parse_archive_url(url: str) -> ArchiveUrl:
    """The parts of a DESK_ARCHIVE_URL; ValueError when it is not an s3:// URL with a bucket."""
    parts = urlsplit(url.strip())
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("DESK_ARCHIVE_URL must look like s3://bucket/prefix?endpoint=https://host:port")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise ValueError(f"DESK_ARCHIVE_URL: unknown parameter(s) {', '.join(sorted(unknown))} (endpoint, region)")
    prefix = parts.path.strip("/")
    return ArchiveUrl(parts.netloc, f"{prefix}/" if prefix else "", query.get("endpoint"), query.get("region"))


def make_client(url: ArchiveUrl) -> S3Client:
    """A boto3 S3 client for the URL's endpoint; credentials come from boto3's usual chain
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role), never from the URL."""
    import boto3
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": "path" if url.endpoint else "auto"},  # most self-hosted stores serve paths
        retries={"max_attempts": 5, "mode": "standard"},
        request_checksum_calculation="when_required",  # desk sends its own SHA-256 on every PUT
        response_checksum_validation="when_required",
    )
    return boto3.client("s3", endpoint_url=url.endpoint, region_name=url.region or "us-east-1", config=config)


def _code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _b64(sha256_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


def _lock_datetime(day: date) -> datetime:
    return datetime.combine(day, day_time(0, 0), tzinfo=UTC)


def _still_to_come(day: date | None) -> bool:
    # S3 refuses a retain-until date in the past; a document whose end has passed needs no lock
    return day is not None and _lock_datetime(day) > datetime.now(UTC)


class ObjectStore:
    """Content-addressed, write-once files in an S3 bucket (see the module's docstring)."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "", *, lock_mode: str = "COMPLIANCE") -> None:
        if lock_mode not in LOCK_MODES:
            raise ValueError(f"lock mode must be one of {', '.join(LOCK_MODES)}")
        self.client, self.bucket = client, bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.objects = f"{self.prefix}{OBJECTS_DIR}/"
        self._lock_mode = lock_mode
        self._lock_enabled: bool | None = None
        self._versioned: bool | None = None

    # --- names

    def object_key(self, key: str) -> str:
        """The S3 key of a `<sha256>.<ext>` store key."""
        return self.objects + key[:2] + "/" + key[2:4] + "/" + key

    def entry_name(self, key: str) -> str:
        """`objects/ab/cd/<key>`: the name fixity reports the file under (as in the folder)."""
        return self.object_key(key)[len(self.prefix) :]

    def location(self) -> str:
        """s3://bucket/prefix."""
        return f"s3://{self.bucket}/{self.prefix}"

    def local_path(self, key: str) -> Path | None:
        """None: objects have no local path."""
        return None

    describe = staticmethod(FileStore.describe)

    # --- what the bucket supports, asked once

    @property
    def lock_enabled(self) -> bool:
        """Whether the bucket has Object Lock and desk is set to use it."""
        if self._lock_enabled is None:
            enabled = False
            if self._lock_mode != "OFF":
                try:
                    config = self.client.get_object_lock_configuration(Bucket=self.bucket)
                    enabled = config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
                except Exception as error:
                    if _code(error) not in _NO_LOCK:  # AccessDenied and the like must not pass as "no lock"
                        raise
            self._lock_enabled = enabled
        return self._lock_enabled

    @property
    def versioned(self) -> bool:
        """Whether the bucket keeps versions (always so with Object Lock)."""
        if self._versioned is None:
            status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
            self._versioned = status in ("Enabled", "Suspended")
        return self._versioned

    # --- writing

    def put(self, data: bytes, ext: str | None = None, *, lock: ObjectLock | None = None) -> tuple[StoredFile, bool]:
        """Store `data`; returns the file and whether it was new (False: already stored)."""
        stored = self.describe(data, ext)
        return stored, self.write(stored, data, lock=lock)

    def write(self, stored: StoredFile, data: bytes, *, lock: ObjectLock | None = None) -> bool:
        """PUT `data` under its key unless the key exists (If-None-Match), with its SHA-256 for the server
        to check and the lock; True when it was new. An existing object gets the lock extended instead.
        Raises StoreIntegrityError when the server refuses the bytes or acknowledges other ones."""
        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": self.object_key(stored.key),
            "Body": data,
            "ChecksumSHA256": _b64(stored.sha256),
            "IfNoneMatch": "*",
        }
        if lock is not None and self.lock_enabled:
            if lock.retain_until is not None and _still_to_come(lock.retain_until):
                args.update(ObjectLockMode=self._lock_mode, ObjectLockRetainUntilDate=_lock_datetime(lock.retain_until))
            if lock.legal_hold:
                args["ObjectLockLegalHoldStatus"] = "ON"
        try:
            answer = self.client.put_object(**args)
        except Exception as error:
            code = _code(error)
            if code in _EXISTS:
                self._relock([stored.key], lock)
                return False
            if code in ("BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"):
                raise StoreIntegrityError(f"{stored.key}: the server received other bytes ({code})") from error
            raise
        self._check_acknowledged(stored, answer)
        return True

    def _check_acknowledged(self, stored: StoredFile, answer: dict) -> None:
        # The server's own checksum of what it stored; a server that does not answer with one is read back.
        echoed = answer.get("ChecksumSHA256")
        if echoed is not None:
            if echoed != _b64(stored.sha256):
                raise StoreIntegrityError(f"{stored.key}: the server stored other bytes")
            return
        if self.sha256_of_key(stored.key) != stored.sha256:
            raise StoreIntegrityError(f"{stored.key}: the object read back does not have its SHA-256")

    def _relock(self, keys: Iterable[str], lock: ObjectLock | None) -> None:
        if lock is None or not self.lock_enabled:
            return
        if lock.retain_until is not None and _still_to_come(lock.retain_until):
            self.extend_retention(keys, lock.retain_until)
        if lock.legal_hold:
            self.set_legal_hold(keys, True)

    def extend_retention(self, keys: Iterable[str], until: date) -> None:
        """Keep these objects locked until at least `until` (a later date already set stays)."""
        if not self.lock_enabled or not _still_to_come(until):
            return
        wanted = _lock_datetime(until)
        for key in keys:
            name = self.object_key(key)
            try:
                current = self.client.get_object_retention(Bucket=self.bucket, Key=name)["Retention"]
                if current.get("RetainUntilDate") and current["RetainUntilDate"] >= wanted:
                    continue
            except Exception as error:
                if _code(error) in _MISSING:
                    continue
                if _code(error) not in _NO_LOCK | {"NoSuchObjectLockRetention"}:
                    raise
            self.client.put_object_retention(
                Bucket=self.bucket, Key=name, Retention={"Mode": self._lock_mode, "RetainUntilDate": wanted}
            )

    def set_legal_hold(self, keys: Iterable[str], on: bool) -> None:
        """Place or lift the S3 legal hold of these objects (missing ones skipped)."""
        if not self.lock_enabled:
            return
        for key in keys:
            try:
                self.client.put_object_legal_hold(
                    Bucket=self.bucket, Key=self.object_key(key), LegalHold={"Status": "ON" if on else "OFF"}
                )
            except Exception as error:
                if _code(error) not in _MISSING:
                    raise

    # --- reading

    def read(self, key: str) -> bytes:
        """The bytes of a stored object (FileNotFoundError when missing)."""
        with self.open(key) as body:
            return body.read()

    @contextlib.contextmanager
    def _body(self, key: str) -> Iterator[BinaryIO]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as error:
            if _code(error) in _MISSING:
                raise FileNotFoundError(self.location() + self.entry_name(key)) from error
            raise
        body = answer["Body"]
        try:
            yield cast(BinaryIO, body)
        finally:
            body.close()

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A stream of the stored object (FileNotFoundError when missing)."""
        return self._body(key)

    def exists(self, key: str) -> bool:
        """Whether the object is there (HEAD)."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as error:
            if _code(error) in _MISSING:
                return False
            raise
        return True

    def sha256_of_key(self, key: str) -> str | None:
        """The SHA-256 of the object's bytes, read back in full now; None when it is missing."""
        digest = hashlib.sha256()
        try:
            with self.open(key) as body:
                for chunk in iter(lambda: body.read(_CHUNK), b""):
                    digest.update(chunk)
        except FileNotFoundError:
            return None
        return digest.hexdigest()

    def entries(self) -> Iterator[StoreEntry]:
        """Every object under `<prefix>objects/`, in key order, with its LastModified."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.objects)
        for page in pages:
            for item in page.get("Contents", []):
                yield StoreEntry(item["Key"][len(self.prefix) :], item["LastModified"].timestamp())

    # --- removing

    def _delete(self, name: str) -> bool:
        """Remove one object: every version where the bucket keeps versions and the lock allows it,
        else a delete marker (locked bytes stay until their retention ends). False when it was not there."""
        if not self.versioned:
            if not self._exists_name(name):
                return False
            self.client.delete_object(Bucket=self.bucket, Key=name)
            return True
        listing = self.client.list_object_versions(Bucket=self.bucket, Prefix=name)
        versions = [v for v in listing.get("Versions", []) if v["Key"] == name]
        if not any(v.get("IsLatest") for v in versions):
            return False  # only old versions behind a delete marker: already removed
        for version in versions:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=name, VersionId=version["VersionId"])
            except Exception as error:
                if _code(error) != "AccessDenied":
                    raise
                # locked: hide it behind a delete marker instead; the retention decides when the bytes go
                self.client.delete_object(Bucket=self.bucket, Key=name)
                break
        return True

    def _exists_name(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except Exception as error:
            if _code(error) in _MISSING:
                return False
            raise
        return True

    def remove(self, keys: Iterable[str]) -> int:
        """Delete these objects (missing ones are ignored); returns how many went."""
        return sum(self._delete(self.object_key(key)) for key in keys)

    # --- intake journals and the sweep

    def begin_intake(self, keys: Iterable[str]) -> str:
        """PUT a journal listing the keys an intake is about to write; returns its S3 key."""
        name = f"{self.objects}.tmp-intake-{os.getpid()}-{time.time_ns()}-{secrets.token_hex(4)}"
        body = "".join(f"{key}\n" for key in keys).encode("utf-8")
        self.client.put_object(
            Bucket=self.bucket, Key=name, Body=body, ChecksumSHA256=_b64(hashlib.sha256(body).hexdigest())
        )
        return name

    def end_intake(self, journal: str) -> None:
        """The intake's rows committed, or its files were cleaned up: its journal goes."""
        self._delete(journal)

    def _journal_keys(self, name: str) -> list[str]:
        try:
            text = self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read().decode("utf-8", "replace")
        except Exception as error:
            if _code(error) in _MISSING:
                return []
            raise
        return [line.strip() for line in text.splitlines() if line.strip()]

    def leftover_names(self, referenced: set[str], *, cutoff: float) -> list[str]:
        """Journals last written at or before `cutoff`, and the files they list that carry a name the store
        writes, that no row refers to, that no younger journal lists, and that are as old."""
        entries = {entry.name: entry.mtime for entry in self.entries()}
        journals = [name for name in entries if _JOURNAL_NAME.match(name.rpartition("/")[2])]
        old = [name for name in journals if entries[name] <= cutoff]
        in_flight = self._in_flight(cutoff)
        found: list[str] = []
        for journal in old:
            for key in self._journal_keys(self.prefix + journal):
                name = self.entry_name(key) if _STORE_NAME.match(key) else None
                if name and key not in referenced and key not in in_flight and entries.get(name, cutoff + 1) <= cutoff:
                    found.append(name)
            found.append(journal)  # after the files it lists: a sweep that stops half-way can finish later
        return list(dict.fromkeys(found))

    def _in_flight(self, cutoff: float) -> set[str]:
        """The keys listed by journals younger than `cutoff`: intakes that may be about to refer to them."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.objects}.tmp-intake-"
        )
        young = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return {
            key
            for name in young
            if _JOURNAL_NAME.match(name.rpartition("/")[2]) and self._mtime(name) > cutoff
            for key in self._journal_keys(name)
        }

    def _mtime(self, name: str) -> float:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=name)["LastModified"].timestamp()
        except Exception as error:
            if _code(error) in _MISSING:
                return 0.0  # gone meanwhile: its intake ended
            raise

    def sweep_names(
        self,
        referenced: set[str],
        *,
        older_than_s: float,
        dry_run: bool = False,
        recheck: Callable[[set[str]], set[str]] | None = None,
    ) -> list[str]:
        """Delete `leftover_names` (only list them when `dry_run`); returns their names.

        An object's LastModified does not change when a new intake refers to the same bytes again (the
        folder's mtime does), so just before each file goes the journals are listed again and `recheck`
        (the keys of a set that rows refer to now) is asked: an intake that took the file up keeps it."""
        cutoff = time.time() - older_than_s
        found = self.leftover_names(referenced, cutoff=cutoff)
        if dry_run:
            return found
        removed = []
        for name in found:
            key = name.rpartition("/")[2]
            if _STORE_NAME.match(key) and (key in self._in_flight(cutoff) or (recheck and recheck({key}))):
                continue
            if self._delete(self.prefix + name):
                removed.append(name)
        return removed

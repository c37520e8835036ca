"""Object-store write and read throughput against the local folder, measured in one run.

The same files (incompressible bytes of a captured page's size, new in every run: the stores are
write-once) are written through the archive's own stores, `FileStore` (temporary file, fsync,
rename, fsync of the folder) and `ObjectStore` (PUT with its SHA-256 and If-None-Match, then the
server's checksum checked), by the same number of threads, then read back. The figures that travel
are the ratios object store / folder; absolute MB/s depend on the disk and the network.

`python -m desk bench storage` runs it against DESK_ARCHIVE_URL, or against a SeaweedFS it starts
itself on loopback (`--seaweed`); `run_storage_bench` is what `bench scale` calls.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desk.archive.storage import FileStore, StoredFile
from desk.archive.store_protocol import ArchiveStore

PAGE_KB = 400  # a flattened A4 page as JPEG at 300 dpi is 250-600 KB; originals from phones are larger


def _blobs(count: int, size_kb: int) -> list[tuple[StoredFile, bytes]]:
    blobs = []
    for _ in range(count):
        data = os.urandom(size_kb * 1024)  # random: new keys every run, and no store compresses it
        blobs.append((FileStore.describe(data, "bin"), data))
    return blobs


def _timed(work: Callable[[tuple[StoredFile, bytes]], object], items: Sequence, threads: int) -> tuple[float, list]:
    latencies: list[float] = []

    def one(item: tuple[StoredFile, bytes]) -> None:
        began = time.perf_counter()
        work(item)
        latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, items))
    return time.perf_counter() - began, latencies


def _measure(store: ArchiveStore, blobs: list[tuple[StoredFile, bytes]], threads: int) -> dict:
    total_mb = sum(len(data) for _, data in blobs) / 1e6

    def write(item: tuple[StoredFile, bytes]) -> None:
        if not store.write(item[0], item[1]):
            raise RuntimeError(f"{item[0].key} was already stored: the bench needs new files")

    def read(item: tuple[StoredFile, bytes]) -> None:
        if len(store.read(item[0].key)) != item[0].size:
            raise RuntimeError(f"{item[0].key} read back short")

    write_s, write_lat = _timed(write, blobs, threads)
    read_s, read_lat = _timed(read, blobs, threads)
    return {
        "write_mb_s": round(total_mb / write_s, 2),
        "read_mb_s": round(total_mb / read_s, 2),
        "write_files_s": round(len(blobs) / write_s, 1),
        "read_files_s": round(len(blobs) / read_s, 1),
        "write_p50_ms": round(statistics.median(write_lat) * 1000, 2),
        "read_p50_ms": round(statistics.median(read_lat) * 1000, 2),
    }


def run_storage_bench(
    object_store: ArchiveStore,
    *,
    folder: Path | None = None,
    files: int = 100,
    size_kb: int = PAGE_KB,
    threads: int = 4,
    clean_up: bool = True,
) -> dict:
    """Write then read `files` files of `size_kb` through a FileStore in `folder` (a temporary folder when
    None) and through `object_store`, each with `threads` threads; returns both stores' figures and the
    ratios object/folder (above 1: the object store is faster). The files are removed afterwards unless
    `clean_up` is False (the object store's are written without a lock, so they can go)."""
    blobs = _blobs(files, size_kb)
    scratch = Path(tempfile.mkdtemp(prefix="desk-storage-bench-")) if folder is None else Path(folder)
    try:
        local = _measure(FileStore(scratch), blobs, threads)
        remote = _measure(object_store, blobs, threads)
    finally:
        if clean_up:
            object_store.remove(stored.key for stored, _ in blobs)
            if folder is None:
                shutil.rmtree(scratch, ignore_errors=True)
    return {
        "files": files,
        "size_kb": size_kb,
        "threads": threads,
        "object_store": object_store.location(),
        "folder": local,
        "object": remote,
        "write_ratio": round(remote["write_mb_s"] / local["write_mb_s"], 3),
        "read_ratio": round(remote["read_mb_s"] / local["read_mb_s"], 3),
    }


def _print(result: dict) -> None:
    from desk.i18n import t

    print(t("bench.storage.header", files=result["files"], size=result["size_kb"], threads=result["threads"]))
    for side in ("folder", "object"):
        figures = result[side]
        print(
            t(
                "bench.storage.line",
                store=t(f"bench.storage.{side}"),
                write=figures["write_mb_s"],
                read=figures["read_mb_s"],
                write_ms=figures["write_p50_ms"],
                read_ms=figures["read_p50_ms"],
            )
        )
    print(t("bench.storage.ratios", write=result["write_ratio"], read=result["read_ratio"]))


def _measured(seaweed: bool, files: int = 100, size_kb: int = PAGE_KB, threads: int = 4) -> dict | None:
    """The bench against a SeaweedFS started here for the run (`seaweed`), or against the object store of
    DESK_ARCHIVE_URL; None when neither is there."""
    from desk.archive.object_store import ObjectStore
    from desk.archive.store_config import object_store_from_settings

    server, scratch = None, Path(tempfile.mkdtemp(prefix="desk-storage-bench-"))
    try:
        if seaweed:
            from desk.bench.seaweed_server import SeaweedServer

            server = SeaweedServer(scratch / "seaweed").start()
            client = server.client()
            client.create_bucket(Bucket="bench")
            store: ArchiveStore | None = ObjectStore(client, "bench", "storage-bench", lock_mode="OFF")
        else:
            store = object_store_from_settings()
        if store is None:
            return None
        return run_storage_bench(store, folder=scratch / "folder", files=files, size_kb=size_kb, threads=threads)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def run_for_scale(args: argparse.Namespace) -> dict:
    """`bench scale --storage`: the object store of DESK_ARCHIVE_URL against a folder, or a SeaweedFS started
    here for the run when none is set (100 files of a page's size, 4 threads)."""
    from desk.archive.store_config import object_store_from_settings

    result = _measured(seaweed=object_store_from_settings() is None)
    assert result is not None, "a SeaweedFS is started when no store is configured"
    return result


def bench_command(args: argparse.Namespace) -> int:
    """`python -m desk bench storage`: the object store of DESK_ARCHIVE_URL (or a SeaweedFS started here with
    `--seaweed`) against a folder, in one run."""
    from desk.i18n import t, use_language
    from desk.settings import get_settings

    with use_language(get_settings().default_language):
        result = _measured(args.seaweed, files=args.files, size_kb=args.size_kb, threads=args.threads)
        if result is None:
            print(t("bench.storage.no_store"))
            return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        with use_language(get_settings().default_language):
            _print(result)
    return 0

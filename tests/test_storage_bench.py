"""The storage benchmark (desk.bench.storage_bench) against the test run's SeaweedFS: both stores are
measured on the same files, the ratios come from those figures, and nothing is left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from desk.archive.object_store import ObjectStore
from desk.bench.storage_bench import run_storage_bench


def test_the_storage_bench_measures_both_stores_and_cleans_up(s3_bucket, tmp_path):
    client, bucket, prefix = s3_bucket(False)
    store = ObjectStore(client, bucket, prefix)
    result = run_storage_bench(store, folder=tmp_path / "folder", files=6, size_kb=32, threads=2)
    for side in ("folder", "object"):
        assert result[side]["write_mb_s"] > 0 and result[side]["read_mb_s"] > 0
    assert result["write_ratio"] == round(result["object"]["write_mb_s"] / result["folder"]["write_mb_s"], 3)
    assert result["read_ratio"] == round(result["object"]["read_mb_s"] / result["folder"]["read_mb_s"], 3)
    assert list(store.entries()) == []  # the bench's objects went again
    assert result["object_store"] == f"s3://{bucket}/{prefix}/"


def test_bench_scale_storage_starts_its_own_seaweedfs_when_no_store_is_configured(tmp_path):
    """`bench scale --storage` with no DESK_ARCHIVE_URL: a SeaweedFS for the run, both stores measured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env["DESK_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "desk", "bench", "scale", "--storage", "--json"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    storage = json.loads(done.stdout)["storage"]
    assert storage["object_store"].startswith("s3://bench/")
    assert storage["object"]["write_mb_s"] > 0 and storage["folder"]["read_mb_s"] > 0
    assert storage["write_ratio"] == round(storage["object"]["write_mb_s"] / storage["folder"]["write_mb_s"], 3)

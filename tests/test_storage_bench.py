"""The storage benchmark (desk.bench.storage_bench) against the test run's SeaweedFS: both stores are
measured on the same files, the ratios come from those figures, and nothing is left behind."""

from __future__ import annotations

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

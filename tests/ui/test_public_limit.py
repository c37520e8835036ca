"""Finding 11 of issue #10: a flood of /inquiry must not starve the clerks. The public page has a request
limit per address and in total (desk.ui.public_limit); a refused request is a cheap 429 in the asker's
language. The latency itself is measured by `python -m desk bench load` (its smoke run is here too)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from desk_process import ROOT, DeskServer, zh

from desk.ui.public_limit import PER_ADDRESS_BURST, PER_ADDRESS_RATE, TOTAL_BURST, TOTAL_RATE, PublicLimit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_per_address_refills_and_the_total_caps_many_addresses():
    clock = Clock()
    limit = PublicLimit(clock)
    passed = 0
    while limit.wait_s("10.0.0.1") == 0:
        passed += 1
    assert passed == min(PER_ADDRESS_BURST, TOTAL_BURST)  # one phone's burst, then it waits
    assert 0 < limit.wait_s("10.0.0.1") <= 1 / PER_ADDRESS_RATE
    clock.now += TOTAL_BURST / TOTAL_RATE
    assert limit.wait_s("10.0.0.2") == 0  # another phone is not held up by the first once the total refilled
    assert limit.wait_s("10.0.0.1") == 0
    clock.now += TOTAL_BURST / TOTAL_RATE
    many = [limit.wait_s(f"10.1.{i // 250}.{i % 250}") for i in range(int(TOTAL_BURST) * 2)]
    assert many.count(0) == TOTAL_BURST and many[-1] > 0  # many addresses at once meet the shared bucket


def _get(url: str, address: str, language: str = "zh-CN") -> tuple[int, dict, str]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(address, 0))
    try:
        connection.request(
            "GET", parts.path + ("?" + parts.query if parts.query else ""), headers={"Accept-Language": language}
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.slow
def test_a_flood_of_inquiry_from_one_address_gets_429_in_its_language_and_others_are_still_served(tmp_path):
    server = DeskServer(tmp_path / "data")
    server.start()
    try:
        statuses = []
        for _ in range(int(PER_ADDRESS_BURST) * 3):
            status, headers, body = _get(server.url + "/inquiry", "127.0.0.2")
            statuses.append(status)
            if status == 429:
                break
        assert statuses[0] == 200 and statuses[-1] == 429, statuses
        assert int(headers["retry-after"]) >= 1
        assert zh("ui.public.busy", seconds=headers["retry-after"]) in body
        status, _, body = _get(server.url + "/inquiry", "127.0.0.2", "en")
        assert status == 429 and "try again in" in body
        time.sleep(2 * TOTAL_BURST / TOTAL_RATE)  # the flood also spent the shared bucket; it refills
        assert _get(server.url + "/inquiry", "127.0.0.3")[0] == 200  # another phone is served
        assert _get(server.url + "/login", "127.0.0.2")[0] == 200  # and staff pages are never limited
    finally:
        server.stop()


@pytest.mark.slow
def test_bench_load_smoke_run_reports_every_measure(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desk",
            "bench",
            "load",
            "--clients",
            "4",
            "--seconds",
            "4",
            "--customers",
            "60",
            "--data-dir",
            str(tmp_path / "data"),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    phases = json.loads(done.stdout)["phases"]
    assert [phase["public_clients"] for phase in phases] == [0, 4]
    baseline, busy = phases
    assert baseline["lookup"]["n"] > 0 and busy["lookup"]["n"] > 0 and busy["lookup_p50_ratio"] > 0
    assert busy["inquiry"]["n"] + busy["refused"] > 0 and baseline["inquiry"]["n"] == 0
    assert all(phase["rss_peak_mb"] > 50 for phase in phases)
    assert set(baseline) >= {"capture", "submit", "errors", "problems"}

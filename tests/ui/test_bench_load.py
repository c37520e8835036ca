"""Issue #13: `python -m desk bench load --captures K` measures a tab's lookups while K other tabs capture
full-resolution camera frames back to back (its smoke run; the figures themselves come from a real run)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from desk_process import ROOT


@pytest.mark.slow
def test_bench_load_capture_phase_reports_the_lookups_and_the_captures(tmp_path):
    command = ["bench", "load", "--captures", "2", "--seconds", "4", "--customers", "60", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "desk", *command, "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    phases = json.loads(done.stdout)["phases"]
    assert [(phase["public_clients"], phase["captures"]) for phase in phases] == [(0, 0), (0, 2)]
    baseline, capturing = phases
    assert baseline["lookup"]["n"] > 0 and capturing["lookup"]["n"] > 0 and capturing["lookup_p50_ratio"] > 0
    assert capturing["capture"]["n"] >= 1 and capturing["capture"]["p50"] > 0
    assert capturing["submit"]["n"] == 0 and capturing["inquiry"]["n"] == 0  # the other tab only looked up
    assert capturing["errors"] == 0, capturing["problems"]

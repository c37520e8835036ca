"""`python -m desk seed`, `lookup` and `bench lookup` as a user runs them (SQLite in a fresh data folder)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _desk(data_dir, *args, language="zh-CN"):
    env = {**os.environ, "DESK_DATA_DIR": str(data_dir), "DESK_DEFAULT_LANGUAGE": language}
    env.pop("DESK_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "desk", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def seeded_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("desk-cli")
    result = _desk(folder, "seed", "--customers", "200", "--seed", "4")
    assert result.returncode == 0, result.stderr
    assert "200" in result.stdout
    return folder


def _mask(id_number: str) -> str:
    return f"{id_number[:4]}**********{id_number[-4:]}"


def _first_customer(folder) -> tuple[str, str, str, str]:
    with sqlite3.connect(folder / "desk.sqlite3") as conn:
        return conn.execute(
            "SELECT p.id_number, p.name, p.phone, a.account_no FROM person p "
            "JOIN personal_account a ON a.person_id = p.id ORDER BY p.id LIMIT 1"
        ).fetchone()


def test_seed_refuses_a_database_with_customers(seeded_dir):
    result = _desk(seeded_dir, "seed", "--customers", "10", language="en")
    assert result.returncode == 1 and "already has customers" in result.stderr
    assert "Traceback" not in result.stderr


def test_lookup_prints_a_masked_profile_and_logs_it(seeded_dir):
    id_number, _name, phone, _account_no = _first_customer(seeded_dir)
    result = _desk(seeded_dir, "lookup", id_number, "--staff", "clerk09", "--purpose", "inquiry")
    assert result.returncode == 0, result.stderr
    assert id_number not in result.stdout and phone not in result.stdout
    assert _mask(id_number) in result.stdout
    assert f"{phone[:3]}****{phone[-4:]}" in result.stdout and "公安人口库" in result.stdout
    with sqlite3.connect(seeded_dir / "desk.sqlite3") as conn:
        assert conn.execute("SELECT staff, action, purpose FROM access_log WHERE person_id = 1").fetchall() == [
            ("clerk09", "lookup", "inquiry")
        ]


def test_lookup_json_by_account_and_by_name(seeded_dir):
    id_number, name, phone, account_no = _first_customer(seeded_dir)
    for query in (account_no, f"{name} {phone[-4:]}"):
        result = _desk(seeded_dir, "lookup", query, "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["kind"] == "found" and data["profile"]["person"]["id_number"] == _mask(id_number)
        assert len(data["profile"]["deposits"]) <= 24 and data["profile"]["registry"]


def test_wrong_check_digit_and_unknown_customer(seeded_dir):
    id_number, *_ = _first_customer(seeded_dir)
    wrong = id_number[:17] + ("1" if id_number[17] == "0" else "0")
    result = _desk(seeded_dir, "lookup", wrong, language="en")
    assert result.returncode == 2 and "check character" in result.stdout and "Traceback" not in result.stderr
    result = _desk(seeded_dir, "lookup", "999999999999")
    assert result.returncode == 1 and "未找到该客户" in result.stdout


def test_bench_lookup_prints_percentiles_and_baseline(tmp_path):
    result = _desk(
        tmp_path,
        "bench",
        "lookup",
        "--customers",
        "300",
        "--queries",
        "40",
        "--data-dir",
        str(tmp_path / "bench"),
        language="en",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Seeded in" in out and "p95" in out and "Baseline" in out
    for label in ("ID number", "account number", "name + last 4", "name only"):
        assert label in out
    again = _desk(
        tmp_path,
        "bench",
        "lookup",
        "--customers",
        "300",
        "--queries",
        "40",
        "--data-dir",
        str(tmp_path / "bench"),
        language="en",
    )
    assert "Reusing" in again.stdout
    wrong = _desk(
        tmp_path, "bench", "lookup", "--customers", "500", "--data-dir", str(tmp_path / "bench"), language="en"
    )
    assert wrong.returncode == 1 and "has 300 customers" in wrong.stdout

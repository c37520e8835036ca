"""The archive's commands end to end: real pipeline and Tesseract, both databases, a real PDF."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import add_person
from pypdf import PdfReader

from desk.archive.storage import FileStore

ROOT = Path(__file__).resolve().parents[2]


def desk(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m desk ARGS` with this test's DESK_* environment."""
    env = {**os.environ, "DESK_DEFAULT_LANGUAGE": "zh-CN"}
    return subprocess.run(
        [sys.executable, "-m", "desk", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.corpus
@pytest.mark.slow
def test_archive_search_verify_export(engine, data_dir, corpus, tmp_path):
    add_person(engine)
    add_person(engine, id_number="21020419850202222X", name="王五")
    page = corpus / "zh" / "cnocr_multi-line_cn1.png"

    done = desk(
        "archive", str(page), "--customer", "210203199001011234", "--material", "M30", "--case", "ZF2026-1", "--json"
    )
    assert done.returncode == 0, done.stderr
    document_id = json.loads(done.stdout)["archived"][0]["document_id"]

    garbage = tmp_path / "not-an-image.jpg"
    garbage.write_bytes(b"this is not an image")
    refused = desk("archive", str(garbage), str(tmp_path / "missing.png"), "--customer", "210203199001011234")
    assert refused.returncode == 1 and refused.stderr.count("未归档") == 2 and "Traceback" not in refused.stderr

    hits = json.loads(desk("search", "账户", "--json").stdout)["hits"]
    assert [(hit["document_id"], hit["page"]) for hit in hits] == [(document_id, 1)]
    assert hits[0]["customer"] == "张* 2102**********1234" and "【账户】" in hits[0]["snippet"]
    assert set(hits[0]) >= {"document_id", "page", "doc_type", "customer", "snippet", "score"}
    assert json.loads(desk("search", '"信用卡账户"', "--json").stdout)["hits"]
    assert json.loads(desk("search", "账户", "--customer", "21020419850202222X", "--json").stdout)["hits"] == []
    assert json.loads(desk("search", "账户", "--type", "lease", "--json").stdout)["hits"] == []
    odd = desk("search", '"()"')
    assert odd.returncode == 2 and "查询内容" in odd.stderr and "Traceback" not in odd.stderr
    plain = desk("search", "手机号码")
    assert plain.returncode == 0 and "【手机号码】" in plain.stdout

    assert desk("verify").returncode == 0
    out = tmp_path / "case.pdf"
    exported = desk("export", "ZF2026-1", "--out", str(out))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    text = "".join(p.extract_text() for p in PdfReader(str(out)).pages[1:])
    assert "网络支付并无本质的区别" in text and "信用卡账户" in text

    original = next(path for path in FileStore(data_dir).iter_files() if path.suffix == ".png")
    data = bytearray(original.read_bytes())
    data[100] ^= 0x04
    original.write_bytes(bytes(data))
    broken = desk("verify", "--json")
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["altered"] == [original.name]

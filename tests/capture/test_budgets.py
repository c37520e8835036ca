"""Page and pixel budgets: a bad file is refused, or processed page by page, under a 1 GB memory cap.

Each file runs through `python -m desk capture FILE --json` in a subprocess whose address space is
capped with `resource.setrlimit(RLIMIT_AS)`; the pool workers it starts inherit the cap. A file
decoded or rendered all at once would end in a MemoryError (or the kernel's kill) there.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from desk.capture.errors import InputRefused
from desk.capture.inputs import decode, read_source
from desk.capture.options import CaptureOptions
from desk.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
ONE_GB = 1 << 30
A4_POINTS = (595, 842)  # rendered at 300 dpi: 2480 × 3508 pixels, 26 MB as BGR


def blank_pdf(pages: int) -> bytes:
    """A PDF of `pages` blank A4 pages: a few dozen KB however many pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*A4_POINTS)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def uniform_tiff(frames: int, width: int, height: int) -> bytes:
    """A multi-frame TIFF of uniform grey frames, deflated to a few hundred KB."""
    frame = Image.new("L", (width, height), 250)
    buffer = io.BytesIO()
    frame.save(
        buffer,
        "TIFF",
        save_all=True,
        append_images=[frame] * (frames - 1),
        compression="tiff_adobe_deflate",
        dpi=(300, 300),
    )
    return buffer.getvalue()


def capped_capture(path: Path, tmp_path: Path, cap: int = ONE_GB, **env: str) -> subprocess.CompletedProcess:
    """`python -m desk capture PATH --json` with its address space (and its workers') capped at `cap`
    bytes (messages in Chinese)."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))\n"
        "from desk.cli import main\n"
        f"sys.exit(main(['capture', {str(path)!r}, '--json']))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "DESK_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=environment, timeout=900
    )


def assert_clean(result: subprocess.CompletedProcess) -> None:
    for crash in ("Traceback", "MemoryError", "BrokenProcessPool"):
        assert crash not in result.stderr, result.stderr[-2000:]


def test_a_500_page_blank_pdf_is_refused_naming_the_page_limit_under_1_gb(tmp_path):
    pdf = tmp_path / "blank500.pdf"
    pdf.write_bytes(blank_pdf(500))
    assert pdf.stat().st_size < 200_000
    result = capped_capture(pdf, tmp_path)
    assert_clean(result)
    assert result.returncode == 2
    assert "页数太多（500 页，每次上传上限 200 页）" in result.stderr
    assert json.loads(result.stdout)["pages"] == []


def test_eight_100_megapixel_tiff_frames_are_refused_from_the_header_under_1_gb(tmp_path):
    tiff = tmp_path / "frames.tif"
    tiff.write_bytes(uniform_tiff(8, 10_000, 10_000))
    result = capped_capture(tiff, tmp_path)
    assert_clean(result)
    assert result.returncode == 2
    assert "（100 百万像素，每页上限 60 百万像素）" in result.stderr
    assert json.loads(result.stdout)["pages"] == []


def test_the_total_pixel_budget_of_one_upload_is_kept(tmp_path):
    tiff = tmp_path / "frames.tif"
    tiff.write_bytes(uniform_tiff(8, 5_000, 4_000))  # 8 × 20 MP: each frame fits, all of them do not
    result = capped_capture(tiff, tmp_path, DESK_CAPTURE_MAX_TOTAL_MEGAPIXELS="100")
    assert_clean(result)
    assert result.returncode == 2
    assert "8 页共 160 百万像素，每次上传上限 100 百万像素" in result.stderr


def test_pdf_pages_are_rendered_one_at_a_time_under_1_5_gb(tmp_path):
    """64 blank A4 pages at 300 dpi are 1.7 GB rendered at once: under the cap only a stream finishes.

    The cap is 1.5 GB, not 1 GB, because it holds for each worker too, and a worker carries the
    PP-OCR models and their working memory (about 0.5 GB at its peak).
    """
    pdf = tmp_path / "blank64.pdf"
    pdf.write_bytes(blank_pdf(64))
    result = capped_capture(pdf, tmp_path, cap=3 * ONE_GB // 2)
    assert_clean(result)
    assert result.returncode == 0, result.stderr[-2000:]
    pages = json.loads(result.stdout)["pages"]
    assert [page["page"] for page in pages] == list(range(1, 65))


def test_the_page_limit_is_a_setting_and_named_in_both_languages(monkeypatch):
    monkeypatch.setenv("DESK_CAPTURE_MAX_PAGES", "3")
    get_settings.cache_clear()
    try:
        options = CaptureOptions.from_settings()
    finally:
        get_settings.cache_clear()
    with pytest.raises(InputRefused) as caught:
        decode(read_source(blank_pdf(4), options), options)
    refused = caught.value
    assert refused.key == "capture.refused.too_many_pages"
    assert refused.message("en") == "Too many pages (4 pages, limit 3 per upload): please upload the file in parts"
    assert "上限 3 页" in refused.message("zh-CN")
    assert len(decode(read_source(blank_pdf(3), options), options)) == 3

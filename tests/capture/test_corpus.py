"""The shared corpus (skipped only where it is absent): cardinal turns, exact skew, Chinese text."""

from __future__ import annotations

import pytest

from desk.bench.metrics import cer
from desk.capture.pipeline import process_file

pytestmark = pytest.mark.corpus


def test_every_cardinal_page_is_uprighted(corpus):
    pages = process_file(corpus / "pdf" / "ocrmypdf_cardinal.pdf", name="cardinal.pdf")
    # content turned 0, 90 clockwise, 180, 90 counter-clockwise: the clockwise turns that upright them
    assert [page.rotation for page in pages] == [0, 270, 180, 90]
    reference = (corpus / "en" / "linn.gt.txt").read_text(encoding="utf-8")
    assert all(cer(page.text, reference, "eng") < 0.03 for page in pages)


def test_chinese_paragraph_is_read_without_spaces(corpus):
    page = process_file(corpus / "zh" / "cnocr_multi-line_cn1.png", name="zh.png")[0]
    reference = (corpus / "zh" / "cnocr_multi-line_cn1.gt.txt").read_text(encoding="utf-8")
    assert cer(page.text, reference, "chi_sim") < 0.05
    assert " " not in page.text
    assert page.quality.ok and not page.page_found  # a screen capture: the whole frame is the page

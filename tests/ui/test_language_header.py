"""The browser's Accept-Language picks the first language of a session."""

import pytest

from desk.ui.session import language_from_header


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("zh-TW;q=0.4, en-GB;q=0.8", "en"),  # quality, not order, decides
        ("fr-FR,de;q=0.9,en;q=0.5", "en"),  # unsupported languages are skipped
        ("en;q=0, zh", "zh-CN"),  # q=0 means "not this one"
        ("fr-FR", "zh-CN"),  # nothing supported: the default
        ("", "zh-CN"),
        (None, "zh-CN"),
        ("en;q=abc", "zh-CN"),  # a malformed quality counts as refused
    ],
)
def test_language_from_header(header, language, data_dir):
    assert language_from_header(header) == language

"""Every user-visible string exists in zh-CN and en, with the same placeholders."""

import string

from desk.i18n import catalog, t, use_language


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_and_same_placeholders():
    messages = catalog()
    assert messages, "no message files found"
    for key, entry in messages.items():
        assert entry.get("zh"), f"{key} lacks zh"
        assert entry.get("en"), f"{key} lacks en"
        assert _placeholders(entry["zh"]) == _placeholders(entry["en"]), key


def test_language_switch_and_unknown_key():
    with use_language("en-US"):
        assert t("common.yes") == "Yes"
    with use_language("zh-Hans"):
        assert t("common.yes") == "是"
    assert t("no.such.key") == "no.such.key"

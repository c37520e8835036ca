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
        if "en_one" in entry:  # the singular of an English count
            assert _placeholders(entry["en_one"]) == _placeholders(entry["en"]) and "count" in _placeholders(
                entry["en"]
            ), key


def test_english_counts_of_one_are_singular():
    with use_language("en"):
        assert t("catalog_admin.value.months", count=1) == "1 month"
        assert t("catalog_admin.value.months", count=12) == "12 months"
    with use_language("zh-CN"):
        assert t("catalog_admin.value.months", count=1) == "1 个月"


def test_language_switch_and_unknown_key():
    with use_language("en-US"):
        assert t("common.yes") == "Yes"
    with use_language("zh-Hans"):
        assert t("common.yes") == "是"
    assert t("no.such.key") == "no.such.key"


def test_no_key_is_defined_in_two_files():
    import tomllib
    from pathlib import Path

    import desk.i18n as i18n
    from desk.i18n import _flatten

    seen: dict[str, str] = {}
    for path in sorted(Path(i18n.__file__).parent.glob("*.toml")):
        keys: dict[str, dict[str, str]] = {}
        _flatten("", tomllib.loads(path.read_text(encoding="utf-8")), keys)
        for key in keys:
            assert key not in seen, f"{key} is in both {seen[key]} and {path.name}"
            seen[key] = path.name

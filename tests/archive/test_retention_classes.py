"""retention.toml is the one list of retention classes: each has its rule, its source and both labels."""

from __future__ import annotations

from desk.archive.retention import class_label, class_names, retention_rules


def test_every_class_has_a_rule_a_source_and_labels_in_both_languages():
    classes = retention_rules()["classes"]
    assert {"withdrawal", "loan", "account", "service"} <= class_names()
    for name, rule in classes.items():
        assert rule.get("permanent") or int(rule["years"]) > 0, name
        assert rule["source"] and rule["zh"] and rule["en"], name
    assert retention_rules()["default"] in classes


def test_labels_follow_the_language_and_an_unknown_class_shows_its_code():
    assert class_label("loan", "zh-CN") == "贷款档案，贷款结清后保管 30 年"
    assert class_label("loan", "en") == "Loan file, kept 30 years after the loan is paid off"
    assert class_label("forever", "en") == "forever"

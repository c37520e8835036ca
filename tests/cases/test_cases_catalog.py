"""The business catalog: complete against domain.md §2, validated at load, broken entries named."""

from __future__ import annotations

from datetime import date

import pytest

from desk.archive.retention import class_names
from desk.cases.catalog import CATALOG_PATH, CatalogError, get_catalog, load_catalog, parse_catalog
from desk.cases.catalog_view import business_rows
from desk.cases.eligibility import CHECKS
from desk.cases.evidence import STAND_INS
from desk.i18n import use_language

DOMAIN_BUSINESSES = {
    "TQ101",
    "TQ102",
    "TQ103",
    "TQ104",
    "TQ105",
    "TQ201",
    "TQ202",
    "TQ203",
    "TQ301",
    "TQ302",
    "TQ303",
    "TQ304",
    "TQ305",
    "TQ401",
    "TQ402",
    "TQ403",
    "TQ501",
    "TQ601",
    "TQ602",
    "TQ603",
    "TQ604",
    "DK101",
    "DK102",
    "DK103",
    "DK201",
    "DK202",
    "DK301",
    "FW101",
    "FW102",
    "FW103",
    "FW104",
}
TEXT = CATALOG_PATH.read_text(encoding="utf-8")


def test_catalog_has_every_business_and_material_of_the_domain():
    catalog = get_catalog()
    assert set(catalog.business) == DOMAIN_BUSINESSES
    assert {f"M{n:02d}" for n in range(1, 31)} <= set(catalog.materials)
    for code, business in catalog.business.items():
        assert business.zh and business.en, code
        assert business.review_mode in ("decide_first", "pay_first")
        assert business.retention in class_names()  # the archive's one list of retention classes
        assert catalog.due_days(business) >= 1, code


def test_catalog_facts_match_the_domain():
    catalog = get_catalog()
    rent = catalog.business["TQ401"]
    assert rent.review_mode == "pay_first" and rent.reason_code == "07" and rent.spouse_facts
    assert [m.code for m in rent.materials] == ["M01", "M03", "M11", "M10"]
    assert catalog.due_days(rent) == 3 and catalog.due_days(catalog.business["DK101"]) == 10
    caps = catalog.rules["rent_cap"].version_on(date(2026, 11, 16)).parsed.areas
    assert {name: area.yuan_per_year for name, area in caps.items()} == {"core": 21600, "outer": 18000, "remote": 13200}
    assert catalog.business["TQ301"].closes_account and "retired" in catalog.business["TQ301"].rules
    # a stand-in exists for every material a registry or the ledger can prove (domain.md §1)
    provable = {code for code, material in catalog.materials.items() if material.stand_ins}
    assert provable == {
        f"M{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 23, 26, 27, 28, 29)
    }


def test_every_rule_is_dated_sourced_and_names_a_known_check():
    catalog = get_catalog()
    used = {rule for business in catalog.business.values() for rule in business.rules}
    assert used == set(catalog.rules), "every rule is used by some business"
    for rule_id, rule in catalog.rules.items():
        assert rule.check in CHECKS, rule_id
        for version in rule.versions:
            assert version.source and version.effective_from, rule_id
    assert {name for m in catalog.materials.values() for name in m.stand_ins} <= set(STAND_INS)


def test_the_version_in_effect_on_the_application_date_applies():
    text = TEXT.replace(
        "params = { months = 3, max_months_since_last = 1 }",
        "params = { months = 3, max_months_since_last = 1 }\n"
        '[[rules.deposits_3m.versions]]\neffective_from = 2027-07-01\nsource = "test"\n'
        "params = { months = 6, max_months_since_last = 1 }",
    )
    rule = parse_catalog(text).rules["deposits_3m"]
    assert rule.version_on(date(2025, 12, 31)) is None
    assert rule.version_on(date(2027, 6, 30)).parsed.months == 3
    assert rule.version_on(date(2027, 7, 1)).parsed.months == 6


BROKEN = [
    # (what is changed, into what, the entry the message names, a word of the problem)
    (
        '    { code = "M11" },\n    { code = "M10", when',
        '    { code = "M99" },\n    { code = "M10", when',
        "business.TQ401.materials[2]",
        "M99",
    ),
    ('stand_ins = ["lease_filed"]', 'stand_ins = ["lease_filled"]', "materials.M10", "lease_filled"),
    (
        '"no_home_dalian", "rent_cap", "within_balance"]',
        '"no_home_dalian", "rent_capp", "within_balance"]',
        "business.TQ401",
        "rent_capp",
    ),
    ("params = { months = 12 }", 'params = { months = "twelve" }', "rules.interval_12m.versions[0]", "months"),
    ('zh = "租房提取"\nen = "Withdrawal for rent"\n', 'zh = "租房提取"\n', "business.TQ401", "en"),
    ('review_mode = "pay_first"', 'review_mode = "pay_later"', "business.TQ401", "review_mode"),
    ('check = "rent_cap"', 'check = "rent_limit"', "rules.rent_cap", "rent_limit"),
    (
        '"pf_loan_history", "loan_term", "loan_ceiling"]\n\n[business.DK102]',
        '"pf_loan_history", "loan_ceiling", "loan_term"]\n\n[business.DK102]',
        "business.DK101",
        "loan_term",
    ),
    (
        '{ code = "M10", when = "declared:actual_rent" }',
        '{ code = "M10", when = "declared:cheap_rent" }',
        "business.TQ401.materials[3]",
        "cheap_rent",
    ),
    (
        '{ code = "M03", alternatives = ["M32"], when = "married" },\n    { code = "M11" }',
        '{ code = "M03", alternatives = ["M32"], when = "wed" },\n    { code = "M11" }',
        "business.TQ401.materials[1]",
        "wed",
    ),
    ('{ side = "id_card_back", zh', '{ side = "id_card_backside", zh', "materials.M01", "id_card_backside"),
    ('form = "single_status"', 'form = "single_status_pledge"', "materials.M32", "single_status_pledge"),
    (
        'retention = "loan"\nmaterials = [{ code = "M01" }]',
        'retention = "forever"\nmaterials = [{ code = "M01" }]',
        "business.DK201",
        "forever",
    ),
    ('default_area = "core"', 'default_area = "centre"', "rules.rent_cap.versions[0]", "centre"),
    ("[business.TQ401]\nzh", "[business.TQ401]\nsize = 3\nzh", "business.TQ401", "size"),
    (
        'materials = [{ code = "M01" }, { code = "M04" }, { code = "M12" }]',
        'materials = [{ code = "M01" }, { code = "M01" }, { code = "M12" }]',
        "business.TQ301.materials[1]",
        "M01",
    ),
]


@pytest.mark.parametrize(("old", "new", "entry", "word"), BROKEN)
def test_a_broken_catalog_is_refused_with_the_entry_and_the_problem(old, new, entry, word):
    assert TEXT.count(old) == 1, f"test fixture out of date: {old!r}"
    with use_language("en"), pytest.raises(CatalogError) as caught:
        parse_catalog(TEXT.replace(old, new))
    message = str(caught.value)
    assert message.startswith("The business catalog has")
    line = next(line for line in message.splitlines() if entry in line)
    assert word in line, message


def test_problems_are_reported_in_chinese_too_and_all_at_once():
    text = TEXT.replace('stand_ins = ["lease_filed"]', 'stand_ins = ["x1"]').replace(
        'stand_ins = ["pension_started"]', 'stand_ins = ["x2"]'
    )
    with use_language("zh-CN"), pytest.raises(CatalogError) as caught:
        parse_catalog(text)
    assert len(caught.value.problems) == 2
    assert "业务目录有 2 处错误" in str(caught.value) and "x1" in str(caught.value) and "x2" in str(caught.value)


def test_unreadable_and_malformed_files_get_a_message(tmp_path):
    with use_language("en"):
        with pytest.raises(CatalogError, match="cannot be read"):
            load_catalog(tmp_path / "missing.toml")
        broken = tmp_path / "catalog.toml"
        broken.write_text("[business.TQ401\nzh = 1", encoding="utf-8")
        with pytest.raises(CatalogError, match="not a valid TOML file"):
            load_catalog(broken)


def test_the_admin_view_shows_every_business_with_stand_ins_and_rules_in_effect():
    rows = business_rows(get_catalog(), language="en", today=date(2026, 11, 16))
    assert [row["code"] for row in rows] == list(get_catalog().business)
    rent = next(row for row in rows if row["code"] == "TQ401")
    assert rent["name"] == "Withdrawal for rent" and rent["review_mode"] == "Pay first, review afterwards"
    assert rent["due_working_days"] == 3 and rent["retention"].startswith("Withdrawal file")
    assert next(m for m in rent["materials"] if m["code"] == "M11")["stand_ins"] == ["no_home_registered"]
    cap = next(rule for rule in rent["rules"] if rule["id"] == "rent_cap")
    assert cap["effective_from"] == "2026-01-01" and cap["params"]["areas"]["core"]["yuan_per_year"] == 21600
    chinese = business_rows(get_catalog(), language="zh-CN", today=date(2026, 11, 16))
    assert chinese[0]["name"] == "全款购房提取"

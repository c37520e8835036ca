"""Sides a material's paper must show (M01 front and back), the flags that need a reason, the
reasons themselves, and the printable single-status declaration (M32, alternative of M03)."""

from __future__ import annotations

from datetime import date

import pypdfium2 as pdfium

from desk.cases.catalog import get_catalog
from desk.cases.document_fit import (
    FITS,
    assigned_sides,
    flag_label,
    missing_sides,
    page_flags,
    page_side,
    required_sides,
    type_fit,
)
from desk.cases.flag_reasons import describe, flag_reasons, reason_value
from desk.cases.forms import form_pdf, forms
from desk.i18n import use_language

CUSTOMER, SPOUSE, STRANGER = "11010519491231002X", "53010219200508011X", "210202198805170015"


def test_m01_needs_front_and_back_and_one_front_is_not_enough():
    assert [side.side for side in required_sides("M01")] == ["id_card_front", "id_card_back"]
    assert missing_sides("M01", ["id_card_front"]) == ["id_card_back"]
    assert missing_sides("M01", ["id_card_front", "id_card_front"]) == ["id_card_back"]
    assert missing_sides("M01", []) == ["id_card_front", "id_card_back"]
    assert missing_sides("M01", ["id_card_back", None, "id_card_front"]) == []
    assert missing_sides("M11", []) == [] and required_sides("M11") == ()  # most materials have no sides
    assert missing_sides("M99", []) == []


def test_the_clerk_names_a_side_only_where_the_classifier_found_no_type():
    assert page_side("M01", "id_card_back") == "id_card_back"
    assert page_side("M01", "other", "id_card_back") == "id_card_back"
    assert page_side("M01", "unknown", "id_card_back") == "id_card_back"
    assert page_side("M01", "lease", "id_card_back") is None  # a recognised lease is not a card's back
    assert page_side("M01", "other", "lease") is None  # not a side of M01
    assert page_side("M01", "id_card_front", "id_card_back") == "id_card_front"  # the classifier's type wins
    assert assigned_sides("M01", ["id_card_front", "other", "other"], ["", "id_card_back"]) == [
        "id_card_front",
        "id_card_back",
        None,
    ]


def test_side_names_in_both_languages():
    catalog = get_catalog()
    assert catalog.side_label("id_card_back", "zh-CN") == "反面（国徽面）"
    assert catalog.side_label("id_card_back", "en") == "back (emblem side)"


def test_page_flags_name_wrong_type_mismatch_and_each_quality_problem_once():
    flags = page_flags(
        "M01", (), ["id_card_front", "lease"], [STRANGER], ["blurred", "glare", "blurred"], CUSTOMER, None
    )
    assert flags == ["wrong_type", "id_mismatch", "quality:blurred", "quality:glare"]
    clean = page_flags("M01", (), ["id_card_front", "id_card_back", "other"], [CUSTOMER], [], CUSTOMER, None)
    assert clean == []
    # the spouse's card, or a lease that also carries the landlord's number, is no mismatch
    assert page_flags("M01", (), ["id_card_front"], [SPOUSE], [], CUSTOMER, SPOUSE) == []
    assert page_flags("M10", (), ["lease"], [STRANGER, CUSTOMER], [], CUSTOMER, None) == []
    # an alternative's type fits; a material with no known type is never of the wrong type
    assert page_flags("M03", ("M32",), ["marital_status_declaration"], [CUSTOMER], [], CUSTOMER, None) == []
    assert page_flags("M03", (), ["marital_status_declaration"], [CUSTOMER], [], CUSTOMER, None) == ["wrong_type"]
    assert page_flags("M11", (), ["lease"], [], [], CUSTOMER, None) == []


def test_flag_labels_in_both_languages():
    with use_language("zh-CN"):
        assert [flag_label(f) for f in ("wrong_type", "id_mismatch")] == ["类型不符", "证件号码不一致"]
        assert flag_label("quality:blurred").startswith("质量问题：") and "模糊" in flag_label("quality:blurred")
    with use_language("en"):
        assert flag_label("id_mismatch") == "ID number does not match"


def test_a_reason_is_picked_or_typed_never_empty():
    reasons = flag_reasons()
    assert list(reasons)[-1] == "other" and reasons["other"].free_text
    assert all(reason.zh and reason.en for reason in reasons.values())
    assert reason_value("verified_in_person") == "verified_in_person"
    assert reason_value("other", "  客户带来的是 旧版证件  ") == "other:客户带来的是 旧版证件"
    for incomplete in (reason_value(None), reason_value(""), reason_value("other", "   "), reason_value("lost")):
        assert incomplete is None
    assert describe("other:客户带来的是旧版证件", "zh-CN") == "其他（请说明）：客户带来的是旧版证件"
    assert describe("spouse_document", "en") == "The paper belongs to the spouse"


def test_m32_is_the_single_status_alternative_of_m03_wherever_m03_depends_on_marriage():
    catalog = get_catalog()
    assert catalog.materials["M32"].form == "single_status"
    needs = [
        need
        for business in catalog.business.values()
        for need in business.materials
        if need.code == "M03" and need.when == "married"
    ]
    assert needs and all(need.alternatives == ("M32",) for need in needs)
    assert type_fit("M03", ("M32",), ["marital_status_declaration"]) == FITS


def test_the_declaration_prints_the_customers_own_name_and_id_with_signature_and_date_lines():
    pdf = form_pdf(forms()["single_status"], name="于海洋", id_number=CUSTOMER, printed_on=date(2026, 11, 16))
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    text = document[0].get_textpage().get_text_range().replace("\r", "").replace("\n", "")
    for printed in (
        "婚姻状况声明",
        "于海洋",
        CUSTOMER,
        "单身",
        "声明人（签名并按手印）",
        "年",
        "月",
        "日",
        "2026-11-16",
    ):
        assert printed in text, printed
    assert forms()["single_status"].offered_to("unmarried") and forms()["single_status"].offered_to(None)
    assert not forms()["single_status"].offered_to("married")

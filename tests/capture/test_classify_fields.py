"""Document types from keywords (with the deciding evidence) and fields: IDs repaired only when valid."""

from __future__ import annotations

from datetime import date

import pytest

from desk.capture import classify, fields, id_numbers
from desk.i18n import t
from desk.validators import id_check_char

TODAY = date(2026, 8, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "姓名 张伟 性别 男 民族 汉\n出生 1949年12月31日\n住址 北京市\n公民身份号码 11010519491231002X",
            "id_card_front",
        ),
        ("中华人民共和国\n居民身份证\n签发机关 大连市公安局\n有效期限 2010.01.01-2030.01.01", "id_card_back"),
        ("常住人口登记卡\n姓名 陈斌 户主或与户主关系 户主", "household_register"),
        ("户别 家庭户 户主姓名 王芳 户号 123", "household_register"),
        ("结婚证\n持证人 李娜\n登记日期 2015年05月20日\n结婚证字号 J210202-2015-001234", "marriage_certificate"),
        ("离婚证\n持证人 李娜\n离婚证字号 L210202-2020-000321", "divorce_certificate"),
        ("不动产权证书\n辽(2020)大连市不动产权第0012345号\n权利人 王芳\n坐落 大连市中山区", "real_estate_certificate"),
        ("商品房买卖合同\n出卖人 某公司 买受人 王芳\n总价款 1200000元", "purchase_contract"),
        ("房屋租赁合同\n出租人（甲方）：黄丽华\n承租人（乙方）：刘秀梅\n月租金 1650元", "lease"),
        ("电子发票（普通发票）\n发票号码 26212000000012345678\n价税合计 ¥1,234.00", "invoice"),
        ("中华人民共和国税收完税证明\n税种 契税\n实缴(退)金额 36,000.00", "deed_tax_proof"),
        ("大连市中心医院\n疾病诊断证明书\n科别 内科\n诊断 肺炎", "diagnosis_certificate"),
        ("辽宁省医疗住院收费票据（电子）\n票据代码 21060121\n交款人 王芳 个人自付 3,200.00", "medical_bill"),
        ("退休证\n姓名 王建国\n工作单位 大连机床厂\n退休时间 2024年3月", "retirement_certificate"),
        ("大连市住房公积金提取申请表\n申请人签字", "application_form"),
        ("今天天气很好，我们去公园散步。", "other"),
    ],
)
def test_document_types(text, expected):
    result = classify.classify(text)
    assert result.doc_type == expected
    if expected != "other":
        assert result.evidence, "the keywords that decided it are reported"


def test_evidence_names_the_deciding_keywords():
    result = classify.classify("房屋租赁合同 出租人 张三 承租人 李四 租赁期限 一年")
    assert {"房屋租赁合同", "出租人", "承租人", "租赁期限"} <= set(result.keywords)
    assert "title:房屋租赁合同" in result.evidence  # what decided, by kind


def test_one_misread_character_in_a_long_keyword_still_counts():
    assert classify.classify("公民身份号玛 11010519491231002X 姓名 张伟").doc_type == "id_card_front"


def test_every_type_has_a_name_in_both_languages():
    for name in classify.doc_type_names():
        assert t(f"capture.doc_type.{name}", "zh-CN") != f"capture.doc_type.{name}"
        assert t(f"capture.doc_type.{name}", "en") != t(f"capture.doc_type.{name}", "zh-CN")


def test_valid_id_number_is_found():
    found = fields.find_id_numbers("公民身份号码 11010519491231002X", TODAY)
    assert found == [{"value": "11010519491231002X", "raw": "11010519491231002X", "repaired": []}]


@pytest.mark.parametrize(
    ("reading", "positions"),
    [("11010519491231002×", [17]), ("1101O519491231002X", [4]), ("11O1O5l9491231002X", [2, 4, 6])],
)
def test_ocr_confusions_are_repaired_when_the_check_passes(reading, positions):
    found = fields.find_id_numbers(f"身份证号 {reading} 男", TODAY)
    assert found and found[0]["value"] == "11010519491231002X" and found[0]["repaired"] == positions


def test_a_wrong_digit_is_not_repaired_into_a_valid_number():
    assert fields.find_id_numbers("11010519491231003X", TODAY) == []  # a real digit misread: check fails
    assert fields.find_id_numbers("11010519491331002X", TODAY) == []  # month 13


def test_id_check_character():
    assert id_check_char("53010219200508011") == "X"
    assert id_numbers.is_valid("53010219200508011X", TODAY)
    assert not id_numbers.is_valid("53010219200508011X", date(1920, 1, 1))  # born after "today"


def test_dates_amounts_certificates_and_names():
    text = (
        "辽(2020)大连市不动产权第0012345号\n权利人：王芳\n登记日期 2020年5月8日，签订 2026-08-01\n"
        "总价款 ¥1,200,000.00 首付 360000元\n结婚证字号 J210202-2015-001234\n发票号码 12345678\n"
        "姓名：张伟\n假日期 2021年2月30日"
    )
    extracted = fields.extract(text, ("owner", "name"), TODAY)
    assert extracted["dates"] == ["2020-05-08", "2026-08-01"]
    assert extracted["amounts"] == ["1200000.00", "360000"]
    kinds = {c["kind"]: c["value"] for c in extracted["certificate_numbers"]}
    assert kinds["real_estate"] == "辽(2020)大连市不动产权第0012345号"
    assert kinds["marriage"] == "J210202-2015-001234" and kinds["invoice"] == "12345678"
    assert extracted["labelled"]["owner"] == "王芳" and extracted["names"] == ["张伟"]


def test_too_many_confusions_are_not_guessed():
    assert fields.find_id_numbers("11O1O5l9491231OO2x", TODAY) == []

"""Masking of ID, phone, name and card numbers, and of a whole profile tree."""

from __future__ import annotations

from datetime import UTC, date, datetime

from desk.records.profile import AccountInfo, CustomerProfile, EmployerInfo, PersonInfo
from desk.records.registries import PROVEN, FactView, RegistryAnswer
from desk.security.masking import mask_card, mask_dataclass, mask_id_number, mask_name, mask_payload, mask_phone


def test_single_values():
    assert mask_id_number("210203199001011234") == "2102**********1234"
    assert mask_id_number("21020319900101123X") == "2102**********123X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "*"
    assert mask_card("6217001234567890123") == "621700*********0123"
    assert mask_card("6222021234567890") == "622202******7890"
    assert mask_id_number(None) is None and mask_phone(None) is None


def test_short_values_are_fully_hidden():
    assert mask_phone("1234") == "****"
    assert mask_id_number("12345678") == "********"


def test_payload_masking_reaches_nested_personal_keys():
    payload = {
        "status": "married",
        "spouse_id_number": "210203199001011234",
        "spouse_name": "王芳",
        "homes": [{"owner_name": "王芳", "area_m2": 90}],
        "alive": True,
    }
    masked = mask_payload(payload)
    assert masked == {
        "status": "married",
        "spouse_id_number": "2102**********1234",
        "spouse_name": "王*",
        "homes": [{"owner_name": "王*", "area_m2": 90}],
        "alive": True,
    }
    assert payload["spouse_name"] == "王芳", "the original is untouched"


def test_profile_tree_is_masked_but_employer_name_is_not():
    fact = FactView(
        1,
        "marriage",
        "mca_marriage",
        datetime(2026, 9, 1, tzinfo=UTC),
        {"spouse_id_number": "210203199001011234", "spouse_name": "王芳"},
    )
    profile = CustomerProfile(
        person=PersonInfo(1, "210203199001011234", "张伟", "M", date(1990, 1, 1), 36, "13812341234", "大连"),
        account=AccountInfo(
            "210200000001",
            "01",
            date(2020, 1, 1),
            date(2020, 1, 1),
            100,
            100,
            5,
            5,
            10,
            12,
            12,
            date(2026, 8, 1),
            "6217001234567890123",
            None,
        ),
        employer=EmployerInfo("2102000001", "大连港务有限公司", "91350100M000100Y43", None, "01"),
        deposits=(),
        withdrawals=(),
        next_allowed={},
        loans=(),
        registry=(RegistryAnswer("marriage", "mca_marriage", PROVEN, (fact,), fact.as_of),),
    )
    masked = mask_dataclass(profile)
    assert masked.person.id_number == "2102**********1234"
    assert masked.person.phone == "138****1234"
    assert masked.person.name == "张*"
    assert masked.account.bank_card_no == "621700*********0123"
    assert masked.employer.name == "大连港务有限公司"
    assert masked.registry[0].facts[0].payload["spouse_id_number"] == "2102**********1234"
    assert profile.person.id_number == "210203199001011234", "the original is untouched"


def test_numbers_in_free_text_are_masked_in_place():
    from desk.security.masking import mask_numbers_in_text

    text = "承租人 身份证号:21020319980416639X 电话13812345678；合同编号 DLZL2026003390，金额 1200"
    masked = mask_numbers_in_text(text)
    assert len(masked) == len(text)
    assert "2102**********639X" in masked and "138****5678" in masked
    assert "21020319980416639X" not in masked and "13812345678" not in masked
    assert "DLZL2026003390" in masked and "1200" in masked  # not personal numbers
    assert mask_numbers_in_text("x210203199804166391234") == "x210203199804166391234"  # too long: not an ID

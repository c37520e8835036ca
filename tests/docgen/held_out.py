"""Held-out counter documents: other titles, label wordings, label orders, layouts, fonts and hands.

These templates were written apart from the wording the classifier keys on (desk/capture/doc_types.toml)
and from the tuning templates of documents.py. They exist to measure whether the capture code
generalises: the benchmark reports them in their own rows (`generate(seed, n, held_out=True)` with
the seeds of HELD_OUT_SEEDS), and no classifier or detector test may use them. Only
tests/test_docgen*.py renders them, to check that their ground truth is exact.

What differs from the tuning templates:
- leases titled 租房契约 / 住房出租合同 with 出租方/承租方 parties, one of them citing the landlord's
  不动产权证书 number in its body, one a printed form filled in by hand;
- an application form whose title is neither 申请表 nor 申请书, with the ID number written one digit
  per box (18 boxes), handwriting-like fills in blue or black ink and the employer's seal over the amount;
- a 退休审批表 table, a 疾病情况证明 instead of a 诊断证明书, a 房屋转让契约 with 卖方/买方;
- an ID-card front with a colour portrait, other faces and letter-spaced number; an upright light bank
  card with flat-printed digits grouped 6 + 13;
- faces AR PL UKai (楷体, the fills), AR PL UMing and WenQuanYi Zen Hei; red seals over numbers.
Ground truth stays the printed (or written) text: seals over it do not change it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from PIL import Image

from .content import Facts, cn_date, yuan_in_words
from .documents import Document, _chip, _finish, _unionpay
from .ids import DALIAN_DISTRICTS, make_address
from .sheet import BLACK_INK, BLUE_INK, MM_PER_INCH, PT_PER_INCH, Sheet

# Seeds the benchmark draws held-out samples with; `generate()` refuses them for tuning templates, so a
# tuned test never meets the benchmark's held-out photo conditions either.
HELD_OUT_SEEDS: tuple[int, ...] = (7331, 7332, 7333)

# the titles of the templates whose point is a different wording: none of them may become a keyword
# of its type in desk/capture/doc_types.toml (tests/test_docgen_held_out.py checks)
REWORDED_TITLES: dict[str, tuple[str, ...]] = {
    "lease_rental_agreement": ("租房契约", "住房租用协议"),
    "lease_letting_contract": ("住房出租合同", "房屋出租契约"),
    "application_digit_boxes": ("职工住房公积金支取登记表", "住房公积金支取核定单"),
    "purchase_resale_agreement": ("房屋转让契约", "二手房转让协议"),
    "diagnosis_medical_proof": ("疾病情况证明", "患病证明书"),
}


def _ink(rng: random.Random) -> tuple[int, int, int]:
    return rng.choice([BLUE_INK, BLUE_INK, BLACK_INK])


def _months_later(day: date, months: int) -> date:
    """The same day of the month `months` later (days past 28 fall back to 28)."""
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, min(day.day, 28))


def _spaced_title(sheet: Sheet, y_mm: float, text: str, *, pt: float, style: str, gap_mm: float) -> None:
    """A title printed with wide letter spacing, centred; recorded as its characters."""
    widths = [sheet.width_of(char, pt=pt, style=style) for char in text]
    x = (sheet.width_mm - sum(widths) - gap_mm * (len(text) - 1)) / 2
    for char, width in zip(text, widths):
        sheet.text(x, y_mm, char, pt=pt, style=style, record=False)
        x += width + gap_mm
    sheet.record(text)


def _filled(
    sheet: Sheet,
    x_mm: float,
    y_mm: float,
    parts: list[tuple[str, bool]],
    *,
    rng: random.Random,
    ink: tuple[int, int, int],
    pt: float = 10.5,
    style: str = "ming",
    underline: bool = True,
) -> float:
    """One line of a printed form whose blanks are filled by hand: `parts` are (text, handwritten).
    Handwritten parts sit on an underline in 楷体; the line is recorded as its parts joined. Returns x."""
    x = x_mm
    hand_pt = pt * 1.15
    for text, by_hand in parts:
        if not by_hand:
            x += sheet.text(x, y_mm, text, pt=pt, style=style, record=False)
            continue
        start = x
        x += 1.2 + sheet.handwrite(x + 1.2, y_mm - 0.6, text, rng=rng, pt=hand_pt, ink=ink, record=False) + 1.2
        if underline:
            line_y = y_mm + pt * MM_PER_INCH / PT_PER_INCH * 1.3
            sheet.rule(start, line_y, x, line_y, width_mm=0.15)
    sheet.record("".join(text for text, _ in parts))
    return x


def _hand_date(day: date, rng: random.Random) -> str:
    """A date as people write it on forms: 2026.5.8, 2026-05-08 or 2026年5月8日."""
    return rng.choice([f"{day.year}.{day.month}.{day.day}", f"{day:%Y-%m-%d}", f"{day.year}年{day.month}月{day.day}日"])


def lease_rental_agreement(facts: Facts) -> Document:
    """租房契约 (M10) between private persons, typed: 出租方/承租方 stacked with phone before ID number; the
    body cites the landlord's 不动产权证书 number; rent as 房租 paid 押一付三; signatures by hand."""
    rng = facts.rng
    lessor, tenant = facts.person(), facts.person()
    certificate = facts.property_certificate_no()
    rent = Decimal(rng.randrange(1000, 4501, 100))
    start = facts.recent_date(120).replace(day=rng.choice([1, 5, 10, 15]))
    months = rng.choice([6, 12, 12, 24])
    end = _months_later(start, months) - timedelta(days=1)
    area = Decimal(rng.randrange(4000, 12000)) / 100
    payment = rng.choice(["押一付三", "押一付一", "押二付三"])
    title = rng.choice(REWORDED_TITLES["lease_rental_agreement"])
    sheet = Sheet(210, 297)
    _spaced_title(sheet, 24, title, pt=22, style="zenhei", gap_mm=6)
    y = 44.0
    for role, person in (("出租方（甲方）", lessor), ("承租方（乙方）", tenant)):
        for line in (f"{role}：{person.name}", f"联系电话：{facts.phone()}", f"身份证号码：{person.id_number}"):
            sheet.text(24, y, line, pt=11, style="ming")
            y += 7.5
        y += 3
    clauses = [
        "经甲乙双方友好协商，就乙方租住甲方房屋一事达成以下协议，双方共同遵守：",
        f"一、房屋情况：甲方将其位于{lessor.address}的住房一套（不动产权证书号：{certificate}，"
        f"建筑面积{area}平方米）租给乙方居住。",
        f"二、租期：共{months}个月，自{cn_date(start)}起至{cn_date(end)}止。",
        f"三、房租及支付：每月房租人民币{rent}元（{yuan_in_words(rent)}），{payment}，先付后住；"
        f"押金{rent}元，租期届满房屋及设施无损坏的，押金全额退还。",
        "四、乙方不得将房屋转租他人，不得在房屋内从事违法活动，因使用不当造成损坏的照价赔偿。",
        "五、水费、电费、燃气费、网费及物业管理费由乙方自理。",
        "六、本协议一式二份，双方各持一份，签字后生效。",
    ]
    y += 4
    for clause in clauses:
        y = sheet.paragraph(24, y, 162, clause, pt=11, style="ming", leading=1.8) + 2.5
    signed = start - timedelta(days=rng.randint(1, 12))
    ink = _ink(rng)
    y += 12
    for role, person in (("甲方（签名）：", lessor), ("乙方（签名）：", tenant)):
        _filled(sheet, 24, y, [(role, False), (person.name, True)], rng=rng, ink=ink, pt=11, underline=False)
        _filled(
            sheet,
            112,
            y,
            [("日期：", False), (_hand_date(signed, rng), True)],
            rng=rng,
            ink=ink,
            pt=11,
            underline=False,
        )
        y += 14
    fields = {
        "lessor": lessor.name,
        "lessor_id_number": lessor.id_number,
        "name": tenant.name,
        "id_number": tenant.id_number,
        "address": lessor.address,
        "term_start": start.isoformat(),
        "term_end": end.isoformat(),
        "monthly_rent": str(rent),
        "property_certificate_no": certificate,
        "signed_on": signed.isoformat(),
    }
    return _finish(sheet, "lease", "M10", fields)


def lease_letting_contract(facts: Facts) -> Document:
    """住房出租合同 (M10): an agency's printed form filled in by hand in 楷体, the agency's seal over its
    red serial number; 出租方/承租方 "以下简称甲方/乙方"; term, rent and payment as blanks."""
    rng = facts.rng
    lessor, tenant = facts.person(), facts.person()
    agency, _ = facts.company()
    agency = agency.replace("有限公司", "房地产经纪有限公司")
    rent = Decimal(rng.randrange(1200, 4001, 50))
    start = facts.recent_date(90).replace(day=1)
    end = _months_later(start, 12) - timedelta(days=1)
    area = rng.randint(42, 130)
    title = rng.choice(REWORDED_TITLES["lease_letting_contract"])
    ink = _ink(rng)
    sheet = Sheet(210, 297, paper=(250, 249, 243))
    sheet.centered(20, title, pt=20, style="serif-bold")
    serial = f"No.{facts.digits(7)}"
    sheet.text(150, 34, serial, pt=11, style="latin", fill=(196, 40, 40))
    sheet.seal(rng.uniform(160, 176), 37, 16, agency, "合同专用章", strength=rng.uniform(0.65, 0.95))
    y = 48.0
    rows = [
        [("出租方（以下简称甲方）：", False), (lessor.name, True)],
        [("身份证号：", False), (lessor.id_number, True)],
        [("承租方（以下简称乙方）：", False), (tenant.name, True)],
        [("身份证号：", False), (tenant.id_number, True)],
        [("房屋坐落：", False), (lessor.address.removeprefix("辽宁省"), True)],
        [("建筑面积：", False), (str(area), True), ("平方米，房屋用途：", False), ("住宅", True)],
        [
            ("租用期限：自", False),
            (str(start.year), True),
            ("年", False),
            (str(start.month), True),
            ("月", False),
            (str(start.day), True),
            ("日起至", False),
            (str(end.year), True),
            ("年", False),
            (str(end.month), True),
            ("月", False),
            (str(end.day), True),
            ("日止", False),
        ],
        [
            ("月租金：人民币", False),
            (str(rent), True),
            ("元（大写：", False),
            (yuan_in_words(rent), True),
            ("）", False),
        ],
        [("付款方式：", False), (rng.choice(["按季支付", "按月支付", "半年一付"]), True)],
    ]
    for parts in rows:
        _filled(sheet, 22, y, parts, rng=rng, ink=ink, pt=10.5)
        y += 11
    clauses = [
        "甲方保证所出租的房屋权属清楚，无产权纠纷；乙方应爱护房屋及设施，按时交纳房租。",
        "租用期间乙方如需改变房屋用途或转租，须事先征得甲方书面同意。",
        "任何一方违反本合同约定的，应向对方支付相当于一个月房租的违约金。",
    ]
    y += 4
    for clause in clauses:
        y = sheet.paragraph(22, y, 166, clause, pt=10.5, style="ming") + 2
    y += 12
    _filled(sheet, 22, y, [("甲方签字：", False), (lessor.name, True)], rng=rng, ink=ink, underline=False)
    _filled(sheet, 112, y, [("乙方签字：", False), (tenant.name, True)], rng=rng, ink=ink, underline=False)
    fields = {
        "lessor": lessor.name,
        "lessor_id_number": lessor.id_number,
        "name": tenant.name,
        "id_number": tenant.id_number,
        "address": lessor.address.removeprefix("辽宁省"),
        "term_start": start.isoformat(),
        "term_end": end.isoformat(),
        "monthly_rent": str(rent),
        "contract_no": serial,
        "agency": agency,
    }
    return _finish(sheet, "lease", "M10", fields)


_REASONS = ["购房", "租房", "退休", "偿还贷款", "大病医疗"]


def application_digit_boxes(facts: Facts) -> Document:
    """职工住房公积金支取登记表 (M30) filled in by hand: the ID number one digit per box (18 boxes), a ticked
    reason, the amount in words and figures, the employer's seal over the amount row."""
    rng = facts.rng
    applicant = facts.person()
    company, _ = facts.company()
    amount = Decimal(rng.randrange(5000, 30001, 100))
    reason = rng.choice(_REASONS)
    account = facts.digits(rng.choice([11, 12]))
    card = facts.card_number(rng.choice(["621700", "622202", "621799"]), 19)
    phone = facts.phone()
    applied = facts.recent_date(15)
    ink = _ink(rng)
    title = rng.choice(REWORDED_TITLES["application_digit_boxes"])
    sheet = Sheet(210, 297)
    sheet.centered(20, title, pt=18, style="zenhei")
    number = f"编号：{applied:%Y}{facts.digits(6)}"
    sheet.text(150, 32, number, pt=9, style="ming")
    left, right, row = 15.0, 195.0, 14.0
    top = 40.0

    def ruled(r: int, cuts: list[float]) -> tuple[float, float]:
        y = top + r * row
        sheet.rule(left, y, right, y, width_mm=0.35)
        sheet.rule(left, y + row, right, y + row, width_mm=0.35)
        for x in [left, *cuts, right]:
            sheet.rule(x, y, x, y + row, width_mm=0.35)
        return y, y + row / 2 - 2.3

    def label(x: float, y: float, text: str) -> None:
        sheet.text(x, y, text, pt=10.5, style="ming", record=False)

    def hand(x: float, y: float, text: str, pt: float = 12.0) -> None:
        sheet.handwrite(x, y - 0.6, text, rng=rng, pt=pt, ink=ink, record=False)

    _, y = ruled(0, [40, 92, 108, 132, 155])
    label(18, y, "职工姓名")
    hand(43, y, applicant.name)
    label(95, y, "性别")
    hand(116, y, applicant.sex)
    label(135, y, "联系电话")
    hand(157, y, phone, pt=10.5)
    sheet.record(f"职工姓名 {applicant.name} 性别 {applicant.sex} 联系电话 {phone}")
    cell_top, y = ruled(1, [40])
    label(18, y, "身份证号")
    sheet.digit_boxes(45, cell_top + 3, applicant.id_number, cell_mm=6.2, height_mm=8, pt=12, rng=rng, ink=ink)
    sheet.record(f"身份证号 {applicant.id_number}")
    _, y = ruled(2, [40, 100, 124])
    label(18, y, "公积金账号")
    hand(43, y, account, pt=11)
    label(103, y, "工作单位")
    hand(126, y, company, pt=10.5 if len(company) < 14 else 8.5)
    sheet.record(f"公积金账号 {account} 工作单位 {company}")
    _, y = ruled(3, [40])
    label(18, y, "提取原因")
    x = 45.0
    for option in _REASONS:
        sheet.box(x, y + 0.3, 3.6, 3.6, width_mm=0.25)
        if option == reason:
            sheet.handwrite(x + 0.1, y - 1.2, "√", rng=rng, pt=12, ink=ink, record=False)
        x += 4.8 + sheet.text(x + 4.8, y, option, pt=10.5, style="ming", record=False) + 6
    sheet.record("提取原因 " + " ".join(_REASONS))
    _, y = ruled(4, [40, 62, 140, 152])
    label(18, y, "提取金额")
    label(43, y, "（大写）")
    words = yuan_in_words(amount)
    hand(64, y, words, pt=11 if len(words) < 8 else 9.5)
    label(143, y, "¥")
    hand(155, y, f"{amount:.2f}", pt=11.5)
    sheet.record(f"提取金额 （大写） {words} ¥ {amount:.2f}")
    _, y = ruled(5, [40, 92, 112])
    label(18, y, "收款银行")
    bank = rng.choice(["建设银行", "工商银行", "邮储银行"])
    hand(43, y, bank)
    label(95, y, "卡号")
    hand(114, y, card, pt=10.5)
    sheet.record(f"收款银行 {bank} 卡号 {card}")
    sheet.seal(
        rng.uniform(160, 178), top + 4.5 * row + rng.uniform(-3, 3), 19, company, "", strength=rng.uniform(0.7, 1.0)
    )
    y = sheet.paragraph(
        17,
        top + 6 * row + 8,
        176,
        "本人保证以上所填内容属实，所提供材料真实有效，如有不实，愿承担一切责任。",
        pt=10.5,
        style="ming",
    )
    _filled(sheet, 17, y + 10, [("职工签名：", False), (applicant.name, True)], rng=rng, ink=ink, underline=False)
    _filled(
        sheet, 112, y + 10, [("填表日期：", False), (_hand_date(applied, rng), True)], rng=rng, ink=ink, underline=False
    )
    fields = {
        "name": applicant.name,
        "sex": applicant.sex,
        "id_number": applicant.id_number,
        "phone": phone,
        "account_no": account,
        "employer": company,
        "reason": reason,
        "amount": f"{amount:.2f}",
        "bank_card": card,
        "applied_on": applied.isoformat(),
        "form_no": number.removeprefix("编号："),
    }
    return _finish(sheet, "application_form", "M30", fields)


def retirement_approval_form(facts: Facts) -> Document:
    """企业职工退休审批表 (M12): a typed table (name, ID number, years of contribution, category), the
    human-resources bureau's approval and its seal over the approval date."""
    rng = facts.rng
    person = facts.retiree()
    company, _ = facts.company()
    age = 60 if person.sex == "男" else rng.choice([50, 55])
    retired = person.birth.replace(year=person.birth.year + age, day=1)
    started = date(person.birth.year + rng.randint(18, 24), rng.randint(1, 12), 1)
    years = retired.year - started.year - rng.randint(0, 3)
    approved = retired - timedelta(days=rng.randint(5, 40))
    sheet = Sheet(210, 297)
    sheet.centered(22, rng.choice(["企业职工退休审批表", "职工退休审批表"]), pt=18, style="zenhei")
    sheet.text(20, 36, f"填报单位（盖章）：{company}", pt=10, style="ming")
    rows = [
        ["姓名", person.name, "性别", person.sex, "出生日期", f"{person.birth:%Y.%m.%d}"],
        ["身份证号码", person.id_number],
        ["参加工作时间", f"{started:%Y.%m}", "缴费年限", f"{years}年", "退休类别", "正常退休"],
        ["退休时间", f"{retired.year}年{retired.month:02d}月"],
        ["人社部门意见", "经审核，符合国家规定的退休条件，同意退休。"],
    ]
    bottom = sheet.table(15, 44, [28, 34, 22, 22, 34, 40], rows, row_mm=15, pt=10.5, style="zenhei")
    sheet.text(110, bottom + 14, f"审批日期：{cn_date(approved)}", pt=10.5, style="ming")
    sheet.seal(150, bottom + 12, 18, "大连市人力资源和社会保障局", "退休审批专用章", strength=rng.uniform(0.7, 1.0))
    fields = {
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth.isoformat(),
        "id_number": person.id_number,
        "employer": company,
        "retirement_date": retired.isoformat()[:7],
        "approved_on": approved.isoformat(),
    }
    return _finish(sheet, "retirement_certificate", "M12", fields)


def id_card_front_photo(facts: Facts) -> Document:
    """居民身份证 front (M01) in another rendering: rosette tint, colour portrait, Zen Hei lettering,
    address wrapped at 11 characters, the number letter-spaced in DejaVu Sans; rounded corners."""
    rng = facts.rng
    person = facts.person()
    sheet = Sheet(85.6, 54.0, dpi=400, paper=(242, 238, 232))
    _rosette(sheet, rng)
    _colour_portrait(sheet, rng, 56, 6, 25, 32)
    label = dict(pt=6.2, style="zenhei", fill=(40, 110, 170), record=False)
    value = dict(pt=8.2, style="zenhei", record=False)
    sheet.text(6, 6.5, "姓名", **label)
    sheet.text(15.5, 6, person.name, **value)
    sheet.record(f"姓名 {person.name}")
    sheet.text(6, 13, "性别", **label)
    sheet.text(15.5, 12.5, person.sex, **value)
    sheet.text(25, 13, "民族", **label)
    sheet.text(34.5, 12.5, person.ethnicity, **value)
    sheet.record(f"性别 {person.sex} 民族 {person.ethnicity}")
    born = f"{person.birth.year} 年 {person.birth.month} 月 {person.birth.day} 日"
    sheet.text(6, 19.5, "出生", **label)
    sheet.text(15.5, 19, born, **value)
    sheet.record(f"出生 {born}")
    address = person.address.removeprefix("辽宁省")
    sheet.text(6, 26, "住址", **label)
    for i in range(0, len(address), 11):
        sheet.text(15.5, 25.5 + (i // 11) * 4.4, address[i : i + 11], **value)
        sheet.record(("住址 " if i == 0 else "") + address[i : i + 11])
    sheet.text(6, 45.5, "公民身份号码", **label)
    x = 27.5
    for char in person.id_number:
        sheet.text(x, 44.6, char, pt=9.5, style="latin-bold", record=False)
        x += 2.75
    sheet.record(f"公民身份号码 {person.id_number}")
    fields = {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_date": person.birth.isoformat(),
        "address": address,
        "id_number": person.id_number,
    }
    return _finish(sheet, "id_card_front", "M01", fields, corner_mm=3.2)


_PRINTED_CARD_BANKS = [
    ("交通银行", "BANK OF COMMUNICATIONS", "622262"),
    ("中国邮政储蓄银行", "POSTAL SAVINGS BANK OF CHINA", "621799"),
    ("中国建设银行", "CHINA CONSTRUCTION BANK", "621700"),
]
_LIGHT_CARDS = [(216, 218, 222), (204, 222, 238), (242, 240, 234), (236, 214, 214)]


def bank_card_printed(facts: Facts) -> Document:
    """An upright (portrait) light debit card (M04): flat-printed dark digits grouped 6 + 13, bank name
    on top, chip, UnionPay mark at the foot."""
    rng = facts.rng
    bank, english, prefix = rng.choice(_PRINTED_CARD_BANKS)
    number = facts.card_number(prefix, 19)
    sheet = Sheet(54.0, 85.6, dpi=400, paper=rng.choice(_LIGHT_CARDS))
    ink = (30, 36, 52)
    sheet.text(27, 6, bank, pt=9.5 if len(bank) < 7 else 8, style="zenhei", fill=ink, anchor="ma")
    sheet.text(27, 11.5, english, pt=4.2, style="latin-bold", fill=ink, anchor="ma")
    sheet.text(27, 16, "借记卡 DEBIT", pt=5, style="zenhei", fill=ink, anchor="ma")
    _chip(sheet, 8, 24)
    sheet.text(5.5, 50, number[:6], pt=10, style="latin", fill=ink, record=False)
    sheet.text(5.5, 55.5, number[6:], pt=10, style="latin", fill=ink, record=False)
    sheet.record(number[:6])
    sheet.record(number[6:])
    _unionpay(sheet, 28, 70)
    sheet.record("银联 UnionPay")
    fields = {"card_number": number, "bank": bank, "bank_en": english}
    return _finish(sheet, "bank_card", "M04", fields, corner_mm=3.2)


def purchase_resale_agreement(facts: Facts) -> Document:
    """房屋转让契约 (M28) of a second-hand flat: 卖方/买方 with ID numbers, the seller's 不动产权证号,
    the price as 成交价, an agency seal over the agreement number, signatures by hand."""
    rng = facts.rng
    buyer, seller = facts.person(), facts.person()
    agency, _ = facts.company()
    certificate = facts.property_certificate_no()
    address = make_address(rng, rng.choice(sorted(DALIAN_DISTRICTS)))
    area = Decimal(rng.randrange(5000, 13000)) / 100
    total = Decimal(rng.randrange(50, 260)) * 10000
    number = f"MM{facts.today.year}{facts.digits(6)}"
    signed = facts.recent_date(40)
    ink = _ink(rng)
    sheet = Sheet(210, 297)
    sheet.centered(22, rng.choice(REWORDED_TITLES["purchase_resale_agreement"]), pt=20, style="zenhei")
    sheet.text(140, 36, f"协议编号：{number}", pt=10, style="ming")
    sheet.seal(
        rng.uniform(166, 184),
        38,
        15,
        agency.replace("有限公司", "房产经纪有限公司"),
        "业务专用章",
        strength=rng.uniform(0.65, 0.95),
    )
    y = 50.0
    for line in (
        f"卖方（甲方）：{seller.name}",
        f"身份证号码：{seller.id_number}",
        f"买方（乙方）：{buyer.name}",
        f"身份证号码：{buyer.id_number}",
    ):
        sheet.text(24, y, line, pt=11, style="ming")
        y += 8
    clauses = [
        f"一、甲方自愿将位于{address}的房屋（不动产权证号：{certificate}，建筑面积{area}平方米）出售给乙方。",
        f"二、成交价：人民币{total}元（{yuan_in_words(total)}），含房屋内现有装修及设施。",
        "三、乙方于本协议签订之日付定金，余款以住房公积金贷款方式支付。",
        "四、甲乙双方应于贷款批准后三十日内共同办理过户手续，税费按国家规定各自承担。",
        "五、本协议一式三份，甲乙双方及居间方各执一份，自双方签字之日起生效。",
    ]
    y += 6
    for clause in clauses:
        y = sheet.paragraph(24, y, 162, clause, pt=11, style="ming", leading=1.8) + 3
    y += 12
    _filled(sheet, 24, y, [("甲方：", False), (seller.name, True)], rng=rng, ink=ink, pt=11, underline=False)
    _filled(sheet, 112, y, [("乙方：", False), (buyer.name, True)], rng=rng, ink=ink, pt=11, underline=False)
    _filled(
        sheet,
        24,
        y + 13,
        [("签订日期：", False), (_hand_date(signed, rng), True)],
        rng=rng,
        ink=ink,
        pt=11,
        underline=False,
    )
    fields = {
        "seller": seller.name,
        "seller_id_number": seller.id_number,
        "name": buyer.name,
        "id_number": buyer.id_number,
        "contract_no": number,
        "address": address,
        "total": str(total),
        "property_certificate_no": certificate,
        "signed_on": signed.isoformat(),
    }
    return _finish(sheet, "purchase_contract", "M28", fields)


_ILLNESSES = [
    ("心血管内科", "冠状动脉粥样硬化性心脏病"),
    ("肿瘤内科", "乳腺恶性肿瘤术后"),
    ("肾脏内科", "慢性肾脏病5期"),
    ("神经内科", "脑出血后遗症"),
    ("血液内科", "再生障碍性贫血"),
]


def diagnosis_medical_proof(facts: Facts) -> Document:
    """疾病情况证明 (M18): hospital in 明体, 门诊号 first, the diagnosis and advice written by the doctor's
    hand, the hospital's seal over the date."""
    rng = facts.rng
    patient = facts.person()
    department, illness = rng.choice(_ILLNESSES)
    hospital = rng.choice(["大连医科大学附属第一医院", "大连医科大学附属第二医院", "大连市中心医院", "大连市友谊医院"])
    issued = facts.recent_date(30)
    age = (issued - patient.birth).days // 365
    clinic_no = facts.digits(10)
    doctor = facts.person().name
    ink = _ink(rng)
    sheet = Sheet(148, 210)
    sheet.centered(12, hospital, pt=14, style="ming")
    sheet.centered(22, rng.choice(REWORDED_TITLES["diagnosis_medical_proof"]), pt=17, style="zenhei")
    y = 38.0
    for line in (
        f"门诊号：{clinic_no}",
        f"患者姓名：{patient.name}  性别：{patient.sex}  年龄：{age}岁",
        f"身份证号：{patient.id_number}",
        f"就诊科室：{department}",
    ):
        sheet.text(14, y, line, pt=10.5, style="ming")
        y += 8.5
    sheet.rule(12, y, 136, y, width_mm=0.3)
    _filled(sheet, 14, y + 6, [("临床诊断：", False), (illness, True)], rng=rng, ink=ink, underline=False)
    advice = rng.choice(["需长期治疗，定期复查。", "建议休息两周，门诊随访。", "需住院治疗。"])
    _filled(sheet, 14, y + 18, [("医嘱：", False), (advice, True)], rng=rng, ink=ink, underline=False)
    _filled(sheet, 76, y + 44, [("医生签字：", False), (doctor, True)], rng=rng, ink=ink, underline=False)
    sheet.text(76, y + 56, f"日期：{cn_date(issued)}", pt=10.5, style="ming")
    sheet.seal(rng.uniform(100, 112), y + 55, 16, hospital, "医务处", strength=rng.uniform(0.7, 1.0))
    fields = {
        "name": patient.name,
        "sex": patient.sex,
        "id_number": patient.id_number,
        "hospital": hospital,
        "department": department,
        "diagnosis": illness,
        "clinic_no": clinic_no,
        "issued_on": issued.isoformat(),
    }
    return _finish(sheet, "diagnosis_certificate", "M18", fields)


def _rosette(sheet: Sheet, rng: random.Random) -> None:
    """Pale concentric wavy rings in red and blue, another security tint than the tuning card's."""
    width, height = sheet.image.size
    cx, cy = width * rng.uniform(0.3, 0.5), height * rng.uniform(0.4, 0.6)
    for k, radius in enumerate(range(30, int(math.hypot(width, height)), 22)):
        colour = (232, 214, 214) if k % 2 else (212, 224, 236)
        wavy = [(radius + 5 * math.sin(12 * t), t) for t in np.linspace(0, math.tau, 360)]
        points = [(cx + r * math.cos(t), cy + r * math.sin(t)) for r, t in wavy]
        sheet.draw.line(points, fill=colour, width=2)


def _colour_portrait(sheet: Sheet, rng: random.Random, x_mm: float, y_mm: float, w_mm: float, h_mm: float) -> None:
    """A colour head-and-shoulders: pale backdrop, skin-toned face, dark hair, dark clothes."""
    px = sheet.px
    backdrop = Image.new("RGB", (px(w_mm), px(h_mm)), (236, 240, 244))
    sheet.image.paste(backdrop, (px(x_mm), px(y_mm)))
    skin = rng.choice([(226, 190, 160), (214, 176, 142), (232, 200, 176)])
    sheet.draw.ellipse(
        [px(x_mm + w_mm * 0.22), px(y_mm + h_mm * 0.02), px(x_mm + w_mm * 0.78), px(y_mm + h_mm * 0.45)],
        fill=(30, 26, 24),
    )  # hair
    sheet.draw.ellipse(
        [px(x_mm + w_mm * 0.28), px(y_mm + h_mm * 0.1), px(x_mm + w_mm * 0.72), px(y_mm + h_mm * 0.62)], fill=skin
    )
    sheet.draw.ellipse(
        [px(x_mm), px(y_mm + h_mm * 0.68), px(x_mm + w_mm), px(y_mm + h_mm * 1.4)],
        fill=rng.choice([(40, 44, 60), (24, 24, 28), (60, 40, 40)]),
    )
    sheet.draw.rectangle([px(x_mm), px(y_mm + h_mm), px(x_mm + w_mm), px(y_mm + h_mm * 1.4)], fill=sheet.paper)


HELD_OUT_TEMPLATES: dict[str, Callable[[Facts], Document]] = {
    "lease_rental_agreement": lease_rental_agreement,
    "lease_letting_contract": lease_letting_contract,
    "application_digit_boxes": application_digit_boxes,
    "retirement_approval_form": retirement_approval_form,
    "id_card_front_photo": id_card_front_photo,
    "bank_card_printed": bank_card_printed,
    "purchase_resale_agreement": purchase_resale_agreement,
    "diagnosis_medical_proof": diagnosis_medical_proof,
}

# held-out templates that print a card: photographed small on a dark or wooden desk
HELD_OUT_CARDS = frozenset({"id_card_front_photo", "bank_card_printed"})

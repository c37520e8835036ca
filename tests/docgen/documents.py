"""Counter-document templates. Each renders one upright page and returns it with its ground truth.

Ground truth = every printed line in reading order (tables row by row), the document type code,
the material code of /work/shared/domain.md §1, and the fields a clerk would check (ID number,
name, dates, amounts). Seal lettering is decoration, not ground-truth text.

`TEMPLATES` holds the six classic types that `generate()` draws by default (its sequence never
changes, so tests keep their exact inputs); `TUNING_TEMPLATES` adds the ID card's back, the
retirement certificate, the bank card, the real-estate certificate and the purchase contract.
Cards (`CARD_TEMPLATES`) have rounded corners: their image carries an alpha channel, and their
corners in a photo are where the straight edges meet.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from PIL import Image, ImageDraw

from .content import Facts, cn_date, yuan_in_words
from .ids import DALIAN_DISTRICTS, make_address
from .sheet import Sheet

TODAY = date(2026, 8, 20)  # fixed, so a seed renders the same documents on any day


@dataclass
class Document:
    """One rendered upright page and what is printed on it."""

    image: Image.Image
    doc_type: str
    material: str
    lines: list[str]
    fields: dict[str, str]
    size_mm: tuple[float, float]
    lang: str = "chi_sim+eng"

    @property
    def text(self) -> str:
        """The full printed text, one line per printed line, in reading order."""
        return "\n".join(self.lines)


def _finish(sheet: Sheet, doc_type: str, material: str, fields: dict[str, str], *, corner_mm: float = 0.0) -> Document:
    """The sheet as a Document; `corner_mm` rounds a card's corners (ISO/IEC 7810 cards: 3.18 mm)."""
    image = _rounded(sheet.image, sheet.px(corner_mm)) if corner_mm else sheet.image
    return Document(image, doc_type, material, list(sheet.lines), fields, (sheet.width_mm, sheet.height_mm))


def id_card_front(facts: Facts) -> Document:
    """居民身份证 front (M01): name, sex, ethnicity, birth date, address, ID number; guilloche background."""
    person = facts.person()
    sheet = Sheet(85.6, 54.0, dpi=400, paper=(236, 241, 243))
    _guilloche(sheet, facts.rng)
    _portrait(sheet, 58, 7, 22, 30)
    label = dict(pt=6.5, style="sans", fill=(20, 100, 160), record=False)
    value = dict(pt=8.5, style="sans", record=False)
    sheet.text(5, 6, "姓名", **label)
    sheet.text(16, 5.5, person.name, **value)
    sheet.record(f"姓名 {person.name}")
    sheet.text(5, 13, "性别", **label)
    sheet.text(16, 12.5, person.sex, **value)
    sheet.text(26, 13, "民族", **label)
    sheet.text(36, 12.5, person.ethnicity, **value)
    sheet.record(f"性别 {person.sex} 民族 {person.ethnicity}")
    born = f"{person.birth.year} 年 {person.birth.month} 月 {person.birth.day} 日"
    sheet.text(5, 20, "出生", **label)
    sheet.text(16, 19.5, born, **value)
    sheet.record(f"出生 {born}")
    address = person.address.removeprefix("辽宁省")
    sheet.text(5, 27, "住址", **label)
    for i, line in enumerate(sheet.wrap(address, 37, 37, pt=8.5, style="sans")):
        sheet.text(16, 26.5 + i * 4.6, line, **value)
        sheet.record(("住址 " if i == 0 else "") + line)
    sheet.text(5, 44.5, "公民身份号码", **label)
    sheet.text(28, 43.8, person.id_number, pt=10, style="mono", record=False)
    sheet.record(f"公民身份号码 {person.id_number}")
    fields = {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_date": person.birth.isoformat(),
        "address": address,
        "id_number": person.id_number,
    }
    return _finish(sheet, "id_card_front", "M01", fields)


def household_register(facts: Facts) -> Document:
    """户口簿 常住人口登记卡 (M02): a ruled person page with the 户口专用章 seal."""
    person = facts.person()
    company, _ = facts.company()
    registered = facts.today - timedelta(days=facts.rng.randint(400, 4000))
    address = person.address.removeprefix("辽宁省")
    sheet = Sheet(105, 143, dpi=300)
    sheet.centered(6, "常住人口登记卡", pt=14)
    rows = [
        ["姓名", person.name, "户主或与户主关系", "户主"],
        ["性别", person.sex, "民族", person.ethnicity],
        ["出生地", "辽宁省大连市", "出生日期", cn_date(person.birth)],
        ["住址", address],
        ["宗教信仰", "无", "公民身份证件编号", person.id_number],
        [
            "文化程度",
            facts.rng.choice(["大学本科", "大学专科", "高中", "研究生"]),
            "婚姻状况",
            facts.rng.choice(["已婚", "未婚"]),
        ],
        ["服务处所", company],
        ["职业", facts.rng.choice(["职员", "工程师", "教师", "会计"]), "登记日期", cn_date(registered)],
    ]
    bottom = sheet.table(4, 16, [17, 27, 23, 30], rows, row_mm=11, pt=7)
    sheet.text(6, bottom + 8, "承办人签章：", pt=8, style="sans")
    precinct = facts.rng.choice(["人民路", "春柳", "香炉礁", "马栏", "泉水", "黑石礁"])
    sheet.seal(72, bottom + 12, 15, f"大连市公安局{precinct}派出所", "户口专用章")
    fields = {
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth.isoformat(),
        "address": address,
        "id_number": person.id_number,
        "relation": "户主",
        "registered_on": registered.isoformat(),
    }
    return _finish(sheet, "household_register", "M02", fields)


def lease(facts: Facts) -> Document:
    """房屋租赁合同 (M10): parties with ID numbers, address, term, monthly rent in figures and words."""
    lessor, tenant = facts.person(), facts.person()
    rent = Decimal(facts.rng.randrange(1200, 4001, 50))
    start = facts.recent_date(90).replace(day=1)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    area = facts.rng.randint(45, 120)
    sheet = Sheet(210, 297)
    sheet.centered(22, "房屋租赁合同", pt=20)
    number = f"DLZL{start.year}{facts.digits(6)}"
    sheet.text(140, 36, f"合同编号：{number}", pt=9, style="sans")
    y = 48.0
    for line in (
        f"出租人（甲方）：{lessor.name}    身份证号：{lessor.id_number}",
        f"承租人（乙方）：{tenant.name}    身份证号：{tenant.id_number}",
    ):
        sheet.text(22, y, line)
        y += 8
    clauses = [
        "根据《中华人民共和国民法典》及有关规定，甲乙双方在平等、自愿、协商一致的基础上，"
        "就乙方承租甲方房屋事宜订立本合同。",
        f"第一条 甲方将坐落于{lessor.address}的房屋出租给乙方居住使用，建筑面积{area}平方米。",
        f"第二条 租赁期限自{cn_date(start)}起至{cn_date(end)}止，共十二个月。",
        f"第三条 月租金为人民币{rent}元（大写：{yuan_in_words(rent)}），按季度支付，每季度第一个月的五日前付清。",
        "第四条 租赁期间，乙方应合理使用房屋及其附属设施，不得擅自改变房屋结构和用途。",
        "第五条 租赁期间发生的水、电、燃气、物业等费用由乙方承担。",
        "第六条 本合同一式两份，甲乙双方各执一份，自双方签字之日起生效。",
    ]
    y += 4
    for clause in clauses:
        y = sheet.paragraph(22, y, 166, clause) + 3
    y += 10
    sheet.text(22, y, f"甲方（签字）：{lessor.name}", record=False)
    sheet.text(112, y, f"乙方（签字）：{tenant.name}", record=False)
    sheet.record(f"甲方（签字）：{lessor.name} 乙方（签字）：{tenant.name}")
    signed = start - timedelta(days=facts.rng.randint(1, 10))
    sheet.text(22, y + 10, f"签订日期：{cn_date(signed)}")
    fields = {
        "lessor": lessor.name,
        "lessor_id_number": lessor.id_number,
        "name": tenant.name,
        "id_number": tenant.id_number,
        "address": lessor.address,
        "term_start": start.isoformat(),
        "term_end": end.isoformat(),
        "monthly_rent": str(rent),
        "contract_no": number,
        "signed_on": signed.isoformat(),
    }
    return _finish(sheet, "lease", "M10", fields)


_DIAGNOSES = [
    ("心内科", "急性心肌梗死"),
    ("肿瘤科", "肺恶性肿瘤"),
    ("肾内科", "慢性肾功能衰竭（尿毒症期）"),
    ("神经内科", "脑梗死"),
    ("血液科", "急性白血病"),
    ("骨科", "股骨颈骨折"),
]


def diagnosis_certificate(facts: Facts) -> Document:
    """疾病诊断证明书 (M18): hospital, patient with ID number, department, diagnosis, the hospital seal."""
    patient = facts.person()
    department, diagnosis = facts.rng.choice(_DIAGNOSES)
    hospital = f"大连市第{facts.rng.choice('一二三四五六')}人民医院"
    issued = facts.recent_date(30)
    age = (issued - patient.birth).days // 365
    admission = facts.digits(7)
    doctor = facts.person().name
    sheet = Sheet(148, 210)
    sheet.centered(14, hospital, pt=16)
    sheet.centered(26, "诊断证明书", pt=18)
    y = 44.0
    for line in (
        f"姓名：{patient.name}  性别：{patient.sex}  年龄：{age}岁",
        f"身份证号：{patient.id_number}",
        f"科别：{department}  住院号：{admission}",
    ):
        sheet.text(14, y, line, pt=10.5)
        y += 9
    sheet.rule(12, y, 136, y, width_mm=0.4)
    y = sheet.paragraph(14, y + 6, 120, f"诊断：{diagnosis}。", indent_chars=0)
    y = sheet.paragraph(14, y + 3, 120, "处理意见：建议住院治疗，出院后门诊定期复查，全休一个月。", indent_chars=0)
    sheet.text(76, y + 22, f"医师签名：{doctor}")
    sheet.text(76, y + 32, f"日期：{cn_date(issued)}")
    sheet.seal(104, y + 32, 17, hospital, "诊断证明专用章")
    fields = {
        "name": patient.name,
        "sex": patient.sex,
        "id_number": patient.id_number,
        "hospital": hospital,
        "department": department,
        "diagnosis": diagnosis,
        "admission_no": admission,
        "issued_on": issued.isoformat(),
    }
    return _finish(sheet, "diagnosis_certificate", "M18", fields)


def invoice(facts: Facts) -> Document:
    """电子发票（普通发票） (M06) for a year's rent: 20-digit number, buyer with ID number, items, totals."""
    buyer = facts.person()
    seller, seller_code = facts.company()
    months = 12
    unit = Decimal(facts.rng.randrange(1200, 4001, 50))
    total = unit * months
    amount = (total / Decimal("1.05")).quantize(Decimal("0.01"))
    tax = total - amount
    issued = facts.recent_date(60)
    number = f"{issued.year % 100:02d}21{facts.digits(16)}"
    brown = (150, 70, 40)
    sheet = Sheet(210, 140)
    sheet.centered(8, "电子发票（普通发票）", pt=17, fill=brown)
    sheet.rule(72, 19, 138, 19, fill=brown, width_mm=0.5)
    sheet.text(140, 24, f"发票号码：{number}", pt=9, style="sans")
    sheet.text(140, 30, f"开票日期：{cn_date(issued)}", pt=9, style="sans")
    parties = [
        ["购买方 名称", buyer.name, "销售方 名称", seller],
        ["纳税人识别号", buyer.id_number, "统一社会信用代码", seller_code],
    ]
    y = sheet.table(8, 38, [24, 70, 30, 70], parties, row_mm=9, pt=8.5)
    items = [
        ["项目名称", "单位", "数量", "单价", "金额", "税率", "税额"],
        ["*经营租赁*房屋租赁费", "月", str(months), f"{unit:.2f}", f"{amount:.2f}", "5%", f"{tax:.2f}"],
        ["合计", "", "", "", f"¥{amount:.2f}", "", f"¥{tax:.2f}"],
    ]
    y = sheet.table(8, y + 3, [52, 16, 16, 28, 32, 18, 32], items, row_mm=9, pt=8.5)
    sheet.text(10, y + 5, f"价税合计（大写） {yuan_in_words(total)}", pt=9.5, style="sans", record=False)
    sheet.text(130, y + 5, f"（小写）¥{total:.2f}", pt=9.5, style="sans", record=False)
    sheet.record(f"价税合计（大写） {yuan_in_words(total)} （小写）¥{total:.2f}")
    drawer = facts.person().name
    sheet.text(10, y + 16, f"开票人：{drawer}", pt=9, style="sans")
    fields = {
        "invoice_no": number,
        "issued_on": issued.isoformat(),
        "name": buyer.name,
        "id_number": buyer.id_number,
        "seller": seller,
        "seller_uscc": seller_code,
        "total": f"{total:.2f}",
    }
    return _finish(sheet, "invoice", "M06", fields)


def application_form(facts: Facts) -> Document:
    """住房公积金提取申请表 (M30): a ruled form, amounts in figures and words, the employer's red seal."""
    applicant = facts.person()
    company, company_code = facts.company()
    amount = Decimal(facts.rng.randrange(6000, 21601, 100))
    reason = facts.rng.choice(["租房提取", "偿还商业住房贷款提取", "离退休销户提取", "重大疾病提取"])
    account = facts.digits(12)
    card = facts.bank_card()
    phone = facts.phone()
    applied = facts.recent_date(10)
    sheet = Sheet(210, 297)
    sheet.centered(22, "大连市住房公积金提取申请表", pt=17)
    serial = f"TQ{applied:%Y%m%d}{facts.digits(4)}"
    sheet.text(130, 34, f"业务流水号：{serial}", pt=9, style="sans")
    rows = [
        ["姓名", applicant.name, "证件号码", applicant.id_number],
        ["个人账号", account, "联系电话", phone],
        ["单位名称", company],
        ["统一社会信用代码", company_code],
        ["提取类型", reason],
        ["提取金额（小写）", f"¥{amount:.2f}", "（大写）", yuan_in_words(amount)],
        ["收款银行", "中国建设银行大连分行", "银行卡号", card],
    ]
    y = sheet.table(15, 42, [38, 52, 24, 66], rows, row_mm=13, pt=10.5)
    y = sheet.paragraph(
        17,
        y + 10,
        176,
        "本人承诺所提供的材料和信息真实、准确、完整，如有虚假，愿意承担相应的法律责任，并退回所提取的住房公积金。",
    )
    sheet.text(17, y + 12, f"申请人签字：{applicant.name}", record=False)
    sheet.text(120, y + 12, f"日期：{cn_date(applied)}", record=False)
    sheet.record(f"申请人签字：{applicant.name} 日期：{cn_date(applied)}")
    sheet.text(17, y + 32, "单位意见：情况属实，同意提取。")
    sheet.text(17, y + 44, "单位（盖章）：")
    sheet.seal(75, y + 44, 20, company, "")
    fields = {
        "name": applicant.name,
        "id_number": applicant.id_number,
        "account_no": account,
        "phone": phone,
        "employer": company,
        "employer_uscc": company_code,
        "reason": reason,
        "amount": f"{amount:.2f}",
        "bank_card": card,
        "applied_on": applied.isoformat(),
        "serial_no": serial,
    }
    return _finish(sheet, "application_form", "M30", fields)


def id_card_back(facts: Facts) -> Document:
    """居民身份证 back (M01): national emblem, 中华人民共和国 居民身份证, issuing office and validity."""
    person = facts.person()
    sheet = Sheet(85.6, 54.0, dpi=400, paper=(236, 241, 243))
    _guilloche(sheet, facts.rng)
    _national_emblem(sheet, 13.5, 14.5, 8.5)
    sheet.text(52, 7.5, "中华人民共和国", pt=11, style="serif-bold", anchor="ma")
    sheet.text(52, 16.5, "居民身份证", pt=19, style="serif-bold", anchor="ma")
    office = _issuing_office(person.district_code)
    valid_from, valid_to = _id_validity(facts, person.birth)
    validity = f"{valid_from:%Y.%m.%d}-{valid_to:%Y.%m.%d}" if valid_to else f"{valid_from:%Y.%m.%d}-长期"
    label = dict(pt=6.5, style="sans", fill=(20, 100, 160), record=False)
    sheet.text(14, 38.8, "签发机关", **label)
    sheet.text(29, 38.2, office, pt=8.5, style="sans", record=False)
    sheet.record(f"签发机关 {office}")
    sheet.text(14, 45.8, "有效期限", **label)
    sheet.text(29, 45.2, validity, pt=8.5, style="sans", record=False)
    sheet.record(f"有效期限 {validity}")
    fields = {
        "issuing_office": office,
        "validity": validity,
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else "长期",
    }
    return _finish(sheet, "id_card_back", "M01", fields, corner_mm=3.2)


def retirement_certificate(facts: Facts) -> Document:
    """退休证 (M12) inside page: photo, name, sex, birth, ID number, employer, retirement date, approving office."""
    person = facts.retiree()
    company, _ = facts.company()
    retire_age = 60 if person.sex == "男" else facts.rng.choice([50, 55])
    retired = person.birth.replace(year=person.birth.year + retire_age, day=1)
    number = f"大退字第{retired.year}{facts.digits(5)}号"
    sheet = Sheet(100, 136, dpi=300, paper=(244, 246, 238))
    sheet.centered(8, "退休证", pt=20)
    sheet.text(8, 21, f"编号：{number}", pt=8, style="sans")
    sheet.box(68, 30, 24, 32, width_mm=0.25)
    _portrait(sheet, 69, 31, 22, 30)
    rows = [
        ("姓名", person.name),
        ("性别", person.sex),
        ("出生年月", f"{person.birth.year}年{person.birth.month:02d}月"),
        ("身份证号码", person.id_number),
        ("工作单位", company),
        ("退休时间", f"{retired.year}年{retired.month:02d}月"),
        ("批准机关", "大连市人力资源和社会保障局"),
    ]
    y = 32.0
    for name, value in rows:
        label = f"{name}："
        sheet.text(8, y, label, pt=9, record=False)
        x = 8 + sheet.width_of(label, pt=9)
        right = 66 if y < 62 else 92  # beside the photo, then the full width
        for i, part in enumerate(sheet.wrap(value, right - x, right - x, pt=9, style="sans")):
            sheet.text(x, y, part, pt=9, style="sans", record=False)
            sheet.record((label if i == 0 else "") + part)
            sheet.rule(x, y + 5, right, y + 5, width_mm=0.15)
            y += 6
        y += 4
    issued = retired + timedelta(days=facts.rng.randint(10, 60))
    sheet.text(44, y + 8, f"发证日期：{cn_date(issued)}", pt=9)
    sheet.seal(70, y + 4, 14, "大连市人力资源和社会保障局", "退休审批专用章", strength=facts.rng.uniform(0.7, 1.0))
    fields = {
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth.isoformat(),
        "id_number": person.id_number,
        "employer": company,
        "retirement_date": retired.isoformat()[:7],
        "approved_by": "大连市人力资源和社会保障局",
        "certificate_no": number,
        "issued_on": issued.isoformat(),
    }
    return _finish(sheet, "retirement_certificate", "M12", fields)


# issuer prefixes (BINs) of UnionPay cards as these banks print them, with the card's length and kind
_BANKS = [
    ("中国建设银行", "China Construction Bank", [("621700", 19, "龙卡储蓄卡"), ("625362", 16, "龙卡信用卡")]),
    (
        "中国工商银行",
        "Industrial and Commercial Bank of China",
        [("622202", 19, "牡丹灵通卡"), ("625330", 16, "牡丹信用卡")],
    ),
    ("招商银行", "China Merchants Bank", [("621483", 16, "一卡通"), ("622588", 16, "信用卡")]),
    ("中国银行", "Bank of China", [("621661", 19, "长城电子借记卡"), ("625908", 16, "长城信用卡")]),
    ("中国农业银行", "Agricultural Bank of China", [("622848", 19, "金穗借记卡")]),
]
# card colour → (embossed digit face, its shadow, the printed lettering)
_CARD_COLOURS = {
    "navy": ((22, 38, 86), (226, 228, 222), (6, 12, 30), (236, 236, 230)),
    "dark green": ((16, 72, 54), (222, 226, 214), (4, 24, 16), (232, 236, 226)),
    "black": ((22, 22, 26), (214, 214, 208), (0, 0, 0), (226, 226, 220)),
    "gold": ((196, 164, 96), (70, 52, 22), (240, 222, 170), (58, 42, 16)),
}


def bank_card(facts: Facts) -> Document:
    """Bank card (M04): bank name in Chinese and English, chip, a Luhn-valid number printed in groups of
    four in embossed-looking digits, validity, the UnionPay mark; navy, green, black or gold."""
    bank, english, products = facts.rng.choice(_BANKS)
    prefix, length, product = facts.rng.choice(products)
    number = facts.card_number(prefix, length)
    colour = facts.rng.choice(sorted(_CARD_COLOURS))
    paper, digit, shadow, lettering = _CARD_COLOURS[colour]
    # about one card in four is a vertical one; drawn apart from facts.rng so that the landscape
    # cards of every seed stay as they were
    if random.Random(number).random() < 0.25:
        return _vertical_bank_card(facts, bank, english, product, number, colour)
    sheet = Sheet(85.6, 54.0, dpi=400, paper=paper)
    _card_sheen(sheet, facts.rng)
    sheet.draw.ellipse(
        [sheet.px(5), sheet.px(4.5), sheet.px(12), sheet.px(11.5)], outline=lettering, width=sheet.px(0.8)
    )
    sheet.text(14, 4.4, bank, pt=10, style="sans-bold", fill=lettering)
    sheet.text(14, 9.6, english, pt=4.8, style="latin", fill=lettering)
    sheet.text(81, 5.0, product, pt=6.5, style="sans", fill=lettering, anchor="ra")
    _chip(sheet, 9, 18.5)
    grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    _embossed(
        sheet, 6.5 if length == 19 else 9.5, 31.5, grouped, pt=12 if length == 19 else 13, face=digit, shadow=shadow
    )
    sheet.record(grouped)
    expires = facts.today.replace(year=facts.today.year + facts.rng.randint(2, 6))
    thru = f"{expires:%m/%y}"
    sheet.text(30, 41.5, "有效期", pt=4.5, style="sans", fill=lettering, record=False)
    _embossed(sheet, 37, 40.6, thru, pt=8, face=digit, shadow=shadow)
    sheet.record(f"有效期 {thru}")
    _unionpay(sheet, 64, 38.5)
    sheet.record("银联 UnionPay")
    fields = {"card_number": number, "bank": bank, "bank_en": english, "valid_thru": thru, "colour": colour}
    return _finish(sheet, "bank_card", "M04", fields, corner_mm=3.2)


def _vertical_bank_card(facts: Facts, bank: str, english: str, product: str, number: str, colour: str) -> Document:
    """A vertical (portrait) card: flat-printed digits in groups of four wrapped over two rows, the
    bank's name across the top, the chip beside it, the UnionPay mark at the foot."""
    paper, _, _, lettering = _CARD_COLOURS[colour]
    sheet = Sheet(54.0, 85.6, dpi=400, paper=paper)
    _card_sheen(sheet, facts.rng)
    sheet.text(5, 5, bank, pt=9, style="sans-bold", fill=lettering)
    sheet.text(5, 10, english, pt=3.8, style="latin", fill=lettering)
    sheet.text(5, 14, product, pt=5.5, style="sans", fill=lettering)
    _chip(sheet, 36, 22)
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    cut = facts.rng.choice([2, 3])  # two or three groups on the first row
    for row, part in enumerate((" ".join(groups[:cut]), " ".join(groups[cut:]))):
        sheet.text(5, 46 + 6 * row, part, pt=9.5, style="latin", fill=lettering)
    _unionpay(sheet, 30, 70)
    sheet.record("银联 UnionPay")
    fields = {"card_number": number, "bank": bank, "bank_en": english, "colour": colour, "layout": "vertical"}
    return _finish(sheet, "bank_card", "M04", fields, corner_mm=3.2)


def real_estate_certificate(facts: Facts) -> Document:
    """不动产权证书 (M08) register page: certificate number, then 权利人 … 使用期限 in a ruled table."""
    owner = facts.person()
    number = facts.property_certificate_no()
    area = Decimal(facts.rng.randrange(4500, 14000)) / 100
    land_from = date(facts.rng.randint(1998, 2018), facts.rng.randint(1, 12), facts.rng.randint(1, 28))
    land_to = land_from.replace(year=land_from.year + 70) - timedelta(days=1)
    unit = f"{owner.district_code}{facts.digits(6)}GB{facts.digits(5)}F{facts.digits(8)}"
    shared = facts.rng.choice(["单独所有", "共同共有"])
    sheet = Sheet(180, 128, dpi=250, paper=(248, 246, 240))
    sheet.text(10, 8, number, pt=10.5, style="serif")
    rows = [
        ["权利人", owner.name],
        ["共有情况", shared],
        ["坐落", owner.address.removeprefix("辽宁省")],
        ["不动产单元号", unit],
        ["权利类型", "国有建设用地使用权/房屋所有权"],
        ["权利性质", "出让/商品房"],
        ["用途", "城镇住宅用地/住宅"],
        ["面积", f"共有宗地面积{facts.rng.randint(8000, 40000)}㎡/房屋建筑面积{area}㎡"],
        ["使用期限", f"国有建设用地使用权{cn_date(land_from)}起{cn_date(land_to)}止"],
        ["权利其他状况", "房屋结构：钢筋混凝土结构"],
    ]
    bottom = sheet.table(10, 17, [32, 128], rows, row_mm=9.5, pt=8.5, style="serif")
    sheet.seal(140, bottom - 10, 15, "大连市自然资源局", "不动产登记专用章", strength=facts.rng.uniform(0.6, 0.9))
    fields = {
        "name": owner.name,
        "certificate_no": number,
        "address": owner.address.removeprefix("辽宁省"),
        "unit_number": unit,
        "area": str(area),
        "sharing": shared,
    }
    return _finish(sheet, "real_estate_certificate", "M08", fields)


def purchase_contract(facts: Facts) -> Document:
    """商品房买卖合同 (M05) or 存量房买卖合同 (M28) first page: number, seller, buyer, the flat, the price."""
    new_build = facts.rng.random() < 0.5
    buyer = facts.person()  # first, so a HolderFacts buyer is the first call either way
    if new_build:
        seller, seller_id = facts.company()
        seller_name = seller.replace("有限公司", "房地产开发有限公司")
    else:
        person = facts.person()
        seller_name, seller_id = person.name, person.id_number
    area = Decimal(facts.rng.randrange(5000, 14000)) / 100
    total = Decimal(facts.rng.randrange(60, 300)) * 10000 + Decimal(facts.rng.randrange(0, 100)) * 100
    number = f"{'YS' if new_build else 'CL'}{facts.today.year}{facts.digits(7)}"
    sheet = Sheet(210, 297)
    title = "商品房买卖合同" if new_build else "存量房买卖合同"
    sheet.centered(26, title, pt=22)
    sheet.centered(40, "（预售）" if new_build else "（示范文本）", pt=12, style="serif")
    sheet.text(132, 52, f"合同编号：{number}", pt=10, style="sans")
    address = make_address(facts.rng, facts.rng.choice(sorted(DALIAN_DISTRICTS)))  # the flat sold
    y = 66.0
    seller_label = "统一社会信用代码" if new_build else "证件号码"
    for line in (
        f"出卖人：{seller_name}",
        f"{seller_label}：{seller_id}",
        f"买受人：{buyer.name}",
        f"证件类型：居民身份证    证件号码：{buyer.id_number}",
    ):
        sheet.text(24, y, line)
        y += 8.5
    clauses = [
        "根据《中华人民共和国民法典》《中华人民共和国城市房地产管理法》及其他有关法律、法规之规定，"
        "出卖人和买受人在平等、自愿、公平、协商一致的基础上就房屋买卖事项达成如下协议：",
        f"第一条 房屋基本情况：该房屋坐落于{address}，房屋用途为住宅，建筑面积{area}平方米。",
        f"第二条 房屋总价款：总价款为人民币{total}元（大写：{yuan_in_words(total)}）。",
        "第三条 付款方式：买受人采取首付款加住房公积金贷款方式付款，首付款于本合同签订之日支付。",
        "第四条 交付期限：出卖人应当于收到全部房价款之日起六十日内将该房屋交付买受人。",
    ]
    y += 6
    for clause in clauses:
        y = sheet.paragraph(24, y, 162, clause) + 3
    fields = {
        "seller": seller_name,
        "seller_id": seller_id,
        "name": buyer.name,
        "id_number": buyer.id_number,
        "contract_no": number,
        "address": address,
        "area": str(area),
        "total": str(total),
        "kind": "new" if new_build else "resale",
    }
    return _finish(sheet, "purchase_contract", "M05" if new_build else "M28", fields)


def _issuing_office(district_code: str) -> str:
    """The police office that issues ID cards in a Dalian district (城区分局, or a county's own bureau)."""
    district = DALIAN_DISTRICTS[district_code]
    if district.endswith(("市", "县")):
        return f"{district}公安局"
    return f"大连市公安局{district.removesuffix('区')}分局"


def _id_validity(facts: Facts, birth: date) -> tuple[date, date | None]:
    """Issue date and expiry of a card still valid today: 5, 10 or 20 years by the age at issue, or 长期
    (None) from 46 on (GB 11643 / 居民身份证法 §5)."""
    for _ in range(30):
        issued = facts.today - timedelta(days=facts.rng.randint(30, 20 * 365))
        issued = issued.replace(day=min(issued.day, 28))
        age = (issued - birth).days // 365
        if age >= 46:
            return issued, None
        years = 5 if age < 16 else 10 if age < 26 else 20
        if issued.replace(year=issued.year + years) > facts.today:
            return issued, issued.replace(year=issued.year + years)
    issued = (facts.today - timedelta(days=400)).replace(day=1)
    return issued, issued.replace(year=issued.year + 20)


def _national_emblem(sheet: Sheet, cx_mm: float, cy_mm: float, r_mm: float) -> None:
    """The red-and-gold national emblem block of the ID card's back: ring, five stars, the gate."""
    gold, red = (214, 170, 60), (200, 36, 36)
    px = sheet.px
    cx, cy, r = px(cx_mm), px(cy_mm), px(r_mm)
    sheet.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=gold)
    inner = r * 0.8
    sheet.draw.ellipse([cx - inner, cy - inner, cx + inner, cy + inner], fill=red)
    for dx, dy, size in (
        (0, -0.42, 0.2),
        (-0.3, -0.55, 0.08),
        (-0.14, -0.68, 0.08),
        (0.14, -0.68, 0.08),
        (0.3, -0.55, 0.08),
    ):
        _star(sheet, cx + dx * r, cy + dy * r * 0.9, size * r, gold)
    sheet.draw.rectangle([cx - 0.5 * r, cy + 0.05 * r, cx + 0.5 * r, cy + 0.2 * r], fill=gold)  # the roof
    for k in range(5):
        x = cx - 0.4 * r + k * 0.2 * r
        sheet.draw.rectangle([x - 0.05 * r, cy + 0.25 * r, x + 0.05 * r, cy + 0.5 * r], fill=gold)
    sheet.draw.rectangle([cx - 0.6 * r, cy + 0.52 * r, cx + 0.6 * r, cy + 0.6 * r], fill=gold)


def _star(sheet: Sheet, cx: float, cy: float, r: float, fill: tuple[int, int, int]) -> None:
    """A five-pointed star of outer radius `r` pixels."""
    points = [
        (
            cx + r * (1 if a % 2 == 0 else 0.4) * math.sin(math.radians(a * 36)),
            cy - r * (1 if a % 2 == 0 else 0.4) * math.cos(math.radians(a * 36)),
        )
        for a in range(10)
    ]
    sheet.draw.polygon(points, fill=fill)


def _card_sheen(sheet: Sheet, rng: random.Random) -> None:
    """A bank card's printed design: a diagonal light gradient and a few faint wave lines."""
    pixels = np.asarray(sheet.image, dtype=np.float32)
    height, width = pixels.shape[:2]
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels += ((x / width + y / height) * 0.5 - 0.5)[..., None] * -28.0
    sheet.image.paste(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))
    tone = tuple(min(255, c + 18) for c in sheet.paper)
    phase = rng.uniform(0, math.tau)
    for k in range(6):
        points = [
            (x, height * (0.55 + k * 0.06) + height * 0.08 * math.sin(x / width * 5 + phase + k * 0.3))
            for x in range(0, width, 8)
        ]
        sheet.draw.line(points, fill=tone, width=2)


def _chip(sheet: Sheet, x_mm: float, y_mm: float) -> None:
    """The gold EMV contact chip, 11 × 8.5 mm, with its contact pads."""
    px = sheet.px
    box = [px(x_mm), px(y_mm), px(x_mm + 11), px(y_mm + 8.5)]
    sheet.draw.rounded_rectangle(box, radius=px(1.2), fill=(214, 184, 108), outline=(150, 120, 60), width=2)
    for dy in (2.8, 5.7):
        sheet.draw.line([(px(x_mm), px(y_mm + dy)), (px(x_mm + 4), px(y_mm + dy))], fill=(150, 120, 60), width=2)
        sheet.draw.line([(px(x_mm + 7), px(y_mm + dy)), (px(x_mm + 11), px(y_mm + dy))], fill=(150, 120, 60), width=2)
    sheet.draw.rectangle([px(x_mm + 4), px(y_mm + 1.6), px(x_mm + 7), px(y_mm + 6.9)], outline=(150, 120, 60), width=2)


def _embossed(
    sheet: Sheet,
    x_mm: float,
    y_mm: float,
    text: str,
    *,
    pt: float,
    face: tuple[int, int, int],
    shadow: tuple[int, int, int],
) -> None:
    """Raised card digits: a shadow down-right of each stroke, the lit face on top (not recorded)."""
    sheet.text(x_mm + 0.2, y_mm + 0.2, text, pt=pt, style="mono", fill=shadow, record=False)
    sheet.text(x_mm, y_mm, text, pt=pt, style="mono", fill=face, record=False)


def _unionpay(sheet: Sheet, x_mm: float, y_mm: float) -> None:
    """The UnionPay mark: three slanted red, blue and teal panels with 银联 and UnionPay in white."""
    px = sheet.px
    for k, colour in enumerate(((222, 34, 44), (0, 74, 150), (0, 128, 124))):
        left = x_mm + k * 5.6
        sheet.draw.polygon(
            [
                (px(left + 1.6), px(y_mm)),
                (px(left + 7.6), px(y_mm)),
                (px(left + 6.0), px(y_mm + 11)),
                (px(left), px(y_mm + 11)),
            ],
            fill=colour,
        )
    sheet.text(
        x_mm + 11.4, y_mm + 1.4, "银联", pt=8, style="sans-bold", fill=(255, 255, 255), anchor="ma", record=False
    )
    sheet.text(
        x_mm + 11.4, y_mm + 6.6, "UnionPay", pt=4.6, style="latin-bold", fill=(255, 255, 255), anchor="ma", record=False
    )


def _rounded(image: Image.Image, radius_px: int) -> Image.Image:
    """The card with its corners rounded off: an alpha channel, transparent outside the rounded outline."""
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, image.size[0] - 1, image.size[1] - 1], radius=radius_px, fill=255)
    card = image.convert("RGBA")
    card.putalpha(mask)
    return card


def _guilloche(sheet: Sheet, rng: random.Random) -> None:
    """The fine wavy security pattern of an ID card, too pale to be read as text."""
    width, height = sheet.image.size
    phase = rng.uniform(0, math.tau)
    for k in range(0, height, max(4, height // 60)):
        points = [(x, k + 6 * math.sin(x / 37 + phase + k / 50)) for x in range(0, width, 6)]
        sheet.draw.line(points, fill=(205, 222, 230), width=1)


def _portrait(sheet: Sheet, x_mm: float, y_mm: float, w_mm: float, h_mm: float) -> None:
    """A grey head-and-shoulders silhouette where the ID photo sits."""
    px = sheet.px
    sheet.draw.ellipse(
        [px(x_mm + w_mm * 0.28), px(y_mm + h_mm * 0.1), px(x_mm + w_mm * 0.72), px(y_mm + h_mm * 0.55)],
        fill=(150, 150, 155),
    )
    sheet.draw.ellipse([px(x_mm), px(y_mm + h_mm * 0.6), px(x_mm + w_mm), px(y_mm + h_mm * 1.3)], fill=(120, 120, 128))
    sheet.draw.rectangle([px(x_mm), px(y_mm + h_mm), px(x_mm + w_mm), px(y_mm + h_mm * 1.3)], fill=sheet.paper)


TEMPLATES: dict[str, Callable[[Facts], Document]] = {
    "id_card_front": id_card_front,
    "household_register": household_register,
    "lease": lease,
    "diagnosis_certificate": diagnosis_certificate,
    "invoice": invoice,
    "application_form": application_form,
}

# every template the capture code may be tuned and tested on, keyed by document type
TUNING_TEMPLATES: dict[str, Callable[[Facts], Document]] = {
    **TEMPLATES,
    "id_card_back": id_card_back,
    "retirement_certificate": retirement_certificate,
    "bank_card": bank_card,
    "real_estate_certificate": real_estate_certificate,
    "purchase_contract": purchase_contract,
}

# templates that print a card (85.6 × 54 mm): photographed small on a desk rather than filling the frame
CARD_TEMPLATES = frozenset({"id_card_front", "id_card_back", "bank_card"})


def render(doc_type: str, rng: random.Random) -> Document:
    """Render one document of `doc_type` (a key of TUNING_TEMPLATES) with facts drawn from `rng`."""
    return TUNING_TEMPLATES[doc_type](Facts(rng, TODAY))

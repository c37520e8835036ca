"""Counter-document templates. Each renders one upright page and returns it with its ground truth.

Ground truth = every printed line in reading order (tables row by row), the document type code,
the material code of /work/shared/domain.md §1, and the fields a clerk would check (ID number,
name, dates, amounts). Seal lettering is decoration, not ground-truth text.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image

from .content import Facts, cn_date, yuan_in_words
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


def _finish(sheet: Sheet, doc_type: str, material: str, fields: dict[str, str]) -> Document:
    return Document(sheet.image, doc_type, material, list(sheet.lines), fields, (sheet.width_mm, sheet.height_mm))


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
    fields = {"name": person.name, "sex": person.sex, "ethnicity": person.ethnicity,
              "birth_date": person.birth.isoformat(), "address": address, "id_number": person.id_number}
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
        ["文化程度", facts.rng.choice(["大学本科", "大学专科", "高中", "研究生"]),
         "婚姻状况", facts.rng.choice(["已婚", "未婚"])],
        ["服务处所", company],
        ["职业", facts.rng.choice(["职员", "工程师", "教师", "会计"]), "登记日期", cn_date(registered)],
    ]
    bottom = sheet.table(4, 16, [17, 27, 23, 30], rows, row_mm=11, pt=7)
    sheet.text(6, bottom + 8, "承办人签章：", pt=8, style="sans")
    precinct = facts.rng.choice(["人民路", "春柳", "香炉礁", "马栏", "泉水", "黑石礁"])
    sheet.seal(72, bottom + 12, 15, f"大连市公安局{precinct}派出所", "户口专用章")
    fields = {"name": person.name, "sex": person.sex, "birth_date": person.birth.isoformat(),
              "address": address, "id_number": person.id_number, "relation": "户主",
              "registered_on": registered.isoformat()}
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
    for line in (f"出租人（甲方）：{lessor.name}    身份证号：{lessor.id_number}",
                 f"承租人（乙方）：{tenant.name}    身份证号：{tenant.id_number}"):
        sheet.text(22, y, line)
        y += 8
    clauses = [
        "根据《中华人民共和国民法典》及有关规定，甲乙双方在平等、自愿、协商一致的基础上，"
        "就乙方承租甲方房屋事宜订立本合同。",
        f"第一条 甲方将坐落于{lessor.address}的房屋出租给乙方居住使用，建筑面积{area}平方米。",
        f"第二条 租赁期限自{cn_date(start)}起至{cn_date(end)}止，共十二个月。",
        f"第三条 月租金为人民币{rent}元（大写：{yuan_in_words(rent)}），按季度支付，"
        "每季度第一个月的五日前付清。",
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
    fields = {"lessor": lessor.name, "lessor_id_number": lessor.id_number, "name": tenant.name,
              "id_number": tenant.id_number, "address": lessor.address, "term_start": start.isoformat(),
              "term_end": end.isoformat(), "monthly_rent": str(rent), "contract_no": number,
              "signed_on": signed.isoformat()}
    return _finish(sheet, "lease", "M10", fields)


_DIAGNOSES = [("心内科", "急性心肌梗死"), ("肿瘤科", "肺恶性肿瘤"), ("肾内科", "慢性肾功能衰竭（尿毒症期）"),
              ("神经内科", "脑梗死"), ("血液科", "急性白血病"), ("骨科", "股骨颈骨折")]


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
    for line in (f"姓名：{patient.name}  性别：{patient.sex}  年龄：{age}岁",
                 f"身份证号：{patient.id_number}",
                 f"科别：{department}  住院号：{admission}"):
        sheet.text(14, y, line, pt=10.5)
        y += 9
    sheet.rule(12, y, 136, y, width_mm=0.4)
    y = sheet.paragraph(14, y + 6, 120, f"诊断：{diagnosis}。", indent_chars=0)
    y = sheet.paragraph(14, y + 3, 120, "处理意见：建议住院治疗，出院后门诊定期复查，全休一个月。", indent_chars=0)
    sheet.text(76, y + 22, f"医师签名：{doctor}")
    sheet.text(76, y + 32, f"日期：{cn_date(issued)}")
    sheet.seal(104, y + 32, 17, hospital, "诊断证明专用章")
    fields = {"name": patient.name, "sex": patient.sex, "id_number": patient.id_number, "hospital": hospital,
              "department": department, "diagnosis": diagnosis, "admission_no": admission,
              "issued_on": issued.isoformat()}
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
    parties = [["购买方 名称", buyer.name, "销售方 名称", seller],
               ["纳税人识别号", buyer.id_number, "统一社会信用代码", seller_code]]
    y = sheet.table(8, 38, [24, 70, 30, 70], parties, row_mm=9, pt=8.5)
    items = [["项目名称", "单位", "数量", "单价", "金额", "税率", "税额"],
             ["*经营租赁*房屋租赁费", "月", str(months), f"{unit:.2f}", f"{amount:.2f}", "5%", f"{tax:.2f}"],
             ["合计", "", "", "", f"¥{amount:.2f}", "", f"¥{tax:.2f}"]]
    y = sheet.table(8, y + 3, [52, 16, 16, 28, 32, 18, 32], items, row_mm=9, pt=8.5)
    sheet.text(10, y + 5, f"价税合计（大写） {yuan_in_words(total)}", pt=9.5, style="sans", record=False)
    sheet.text(130, y + 5, f"（小写）¥{total:.2f}", pt=9.5, style="sans", record=False)
    sheet.record(f"价税合计（大写） {yuan_in_words(total)} （小写）¥{total:.2f}")
    drawer = facts.person().name
    sheet.text(10, y + 16, f"开票人：{drawer}", pt=9, style="sans")
    fields = {"invoice_no": number, "issued_on": issued.isoformat(), "name": buyer.name,
              "id_number": buyer.id_number, "seller": seller, "seller_uscc": seller_code,
              "total": f"{total:.2f}"}
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
    y = sheet.paragraph(17, y + 10, 176, "本人承诺所提供的材料和信息真实、准确、完整，"
                        "如有虚假，愿意承担相应的法律责任，并退回所提取的住房公积金。")
    sheet.text(17, y + 12, f"申请人签字：{applicant.name}", record=False)
    sheet.text(120, y + 12, f"日期：{cn_date(applied)}", record=False)
    sheet.record(f"申请人签字：{applicant.name} 日期：{cn_date(applied)}")
    sheet.text(17, y + 32, "单位意见：情况属实，同意提取。")
    sheet.text(17, y + 44, "单位（盖章）：")
    sheet.seal(75, y + 44, 20, company, "")
    fields = {"name": applicant.name, "id_number": applicant.id_number, "account_no": account,
              "phone": phone, "employer": company, "employer_uscc": company_code, "reason": reason,
              "amount": f"{amount:.2f}", "bank_card": card, "applied_on": applied.isoformat(),
              "serial_no": serial}
    return _finish(sheet, "application_form", "M30", fields)


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
    sheet.draw.ellipse([px(x_mm + w_mm * 0.28), px(y_mm + h_mm * 0.1), px(x_mm + w_mm * 0.72),
                        px(y_mm + h_mm * 0.55)], fill=(150, 150, 155))
    sheet.draw.ellipse([px(x_mm), px(y_mm + h_mm * 0.6), px(x_mm + w_mm), px(y_mm + h_mm * 1.3)],
                       fill=(120, 120, 128))
    sheet.draw.rectangle([px(x_mm), px(y_mm + h_mm), px(x_mm + w_mm), px(y_mm + h_mm * 1.3)], fill=sheet.paper)


TEMPLATES: dict[str, Callable[[Facts], Document]] = {
    "id_card_front": id_card_front,
    "household_register": household_register,
    "lease": lease,
    "diagnosis_certificate": diagnosis_certificate,
    "invoice": invoice,
    "application_form": application_form,
}


def render(doc_type: str, rng: random.Random) -> Document:
    """Render one document of `doc_type` (a key of TEMPLATES) with facts drawn from `rng`."""
    return TEMPLATES[doc_type](Facts(rng, TODAY))

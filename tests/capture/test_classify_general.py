"""Classification that generalises: title first, then labels, then body words, with layout and numbers.

Pages are built by hand as an engine reads them (segments with boxes, the title printed larger),
in wordings of real documents that differ from tests/docgen's: misread, paraphrased and reordered
keywords, and every type's text carrying another type's words.
"""

from __future__ import annotations

import numpy as np
import pytest

from desk.capture import classify, page_signs, page_text
from desk.capture.classify import classify_page, describe_evidence
from desk.capture.reading import Line, Reading

LESSOR_ID, LESSEE_ID, SPOUSE_ID = "210202196504120015", "210203198807150022", "210211198602030035"
CARD = "6217 0012 3456 7890 122"  # Luhn-valid, 19 digits
BAD_CARD = "6217 0012 3456 7890 123"  # one digit off: fails Luhn

A4 = (1240, 1754)  # width, height in pixels (A4 at 150 dpi)
CARD_SIZE = (856, 540)  # ID-1 card at 254 dpi


def reading(
    title: list[str] | str | None,
    rows: list[list[str] | str],
    *,
    size: tuple[int, int] = A4,
    title_px: int = 56,
    text_px: int = 28,
) -> Reading:
    """A reading as an engine returns it: the title rows large near the top, then one Line per segment,
    segments of a row side by side."""
    titles = [title] if isinstance(title, str) else (title or [])
    lines: list[Line] = []
    y = int(size[1] * 0.04)
    for text in titles:
        width = title_px * len(text)
        lines.append(Line(text, ((size[0] - width) // 2, y, width, title_px), 95.0))
        y += int(title_px * 1.6)
    for row in rows:
        x = int(size[0] * 0.06)
        for text in [row] if isinstance(row, str) else row:
            width = text_px * len(text)
            lines.append(Line(text, (x, y, width, text_px), 92.0))
            x += width + 2 * text_px
        y += int(text_px * 1.8)
    return Reading(text="\n".join(titles + [" ".join([r] if isinstance(r, str) else r) for r in rows]), lines=lines)


def decided(page: Reading, image: np.ndarray | None = None) -> str:
    return classify_page(page, image).doc_type


# --- Pages in real documents' wording (not the generator's) --------------------------------------

PAGES: dict[str, tuple[list[str] | str | None, list[list[str] | str]]] = {
    "lease": (
        "房屋租赁合同",
        [
            "合同编号：ZL-2024-0815",
            ["出租方（甲方）：王建国", f"身份证号码：{LESSOR_ID}"],
            ["承租方（乙方）：李晓红", f"身份证号码：{LESSEE_ID}"],
            "甲乙双方经友好协商，就房屋租赁事宜达成如下协议，以资共同遵守。",
            "第一条 房屋坐落：大连市西岗区长春路88号3单元502室，建筑面积68.5平方米。",
            "第二条 租赁期限：自2024年9月1日起至2025年8月31日止。",
            "第三条 租金：每月人民币2800元，押一付三。",
            "第四条 押金：人民币2800元，期满无违约的，甲方全额退还。",
            ["甲方（签章）：", "乙方（签章）："],
            "签订日期：2024年8月20日",
        ],
    ),
    "real_estate_certificate": (
        None,
        [
            "辽(2021)大连市不动产权第0123456号",
            ["权利人", "王建国"],
            ["共有情况", "单独所有"],
            ["坐落", "大连市西岗区长春路88号3单元502室"],
            ["不动产单元号", "210203008004GB00123F00030052"],
            ["权利类型", "国有建设用地使用权/房屋所有权"],
            ["权利性质", "出让/商品房"],
            ["用途", "城镇住宅用地/住宅"],
            ["面积", "房屋建筑面积68.5㎡"],
            ["使用期限", "2006年01月01日起2076年01月01日止"],
            ["权利其他状况", "房屋结构：钢混"],
        ],
    ),
    "purchase_contract": (
        "商品房买卖合同（预售）",
        [
            "合同编号：YS2023-001234",
            "出卖人：大连万宏房地产开发有限公司",
            "买受人：李晓红",
            "第八条 计价方式与价款：该商品房总价款为人民币1,260,000元。",
            "付款方式：商业贷款",
            "交付期限：2025年12月31日前",
        ],
    ),
    "invoice": (
        "电子发票（增值税专用发票）",
        [
            ["发票号码：24212000000098765432", "开票日期：2024年08月20日"],
            ["购买方信息", "名称：李晓红", f"统一社会信用代码/纳税人识别号：{LESSEE_ID}"],
            ["销售方信息", "名称：大连万宏房地产开发有限公司"],
            ["项目名称", "*不动产*商品房", "金额", "1155963.30", "税率/征收率", "9%"],
            "不动产地址：大连市西岗区长春路88号3单元502室",
            ["价税合计（大写）", "壹佰贰拾陆万元整", "（小写）¥1260000.00"],
            "开票人：赵敏",
        ],
    ),
    "deed_tax_proof": (
        "中华人民共和国税收完税证明",
        [
            ["填发日期：2024年09月05日", "税务机关：国家税务总局大连市西岗区税务局"],
            f"纳税人识别号：{LESSEE_ID}",
            "纳税人名称：李晓红",
            ["原凭证号", "税种", "品目名称", "税款所属时期", "入(退)库日期", "实缴(退)金额"],
            ["321020240905001", "契税", "商品房买卖", "2024-09-01至2024-09-30", "2024-09-05", "37800.00"],
            "金额合计（大写）叁万柒仟捌佰元整",
        ],
    ),
    "diagnosis_certificate": (
        ["大连医科大学附属第一医院", "诊断证明书"],
        [
            ["姓名：李晓红", "性别：女", "年龄：36岁"],
            ["科室：肾内科", "门诊号：0012345"],
            "临床诊断：慢性肾脏病5期",
            "医生建议：规律血液透析，每周三次，避免劳累。",
            ["医师签名：张明", "日期：2024年8月10日"],
        ],
    ),
    "medical_bill": (
        "辽宁省医疗门诊收费票据（电子）",
        [
            ["票据代码：21060124", "票据号码：0012345678"],
            ["交款人：李晓红", "开票日期：2024-08-10"],
            ["项目名称", "金额"],
            ["西药费", "1,200.00"],
            ["治疗费", "800.00"],
            ["医保统筹支付：1,400.00", "个人账户支付：200.00", "个人自付：400.00", "个人自费：0.00"],
            ["收款单位（章）：大连医科大学附属第一医院", "收款人：王丽"],
        ],
    ),
    "retirement_certificate": (
        "退休证",
        [
            ["姓名", "刘福成"],
            ["性别", "男"],
            ["出生年月", "1964年3月"],
            ["参加工作时间", "1982年7月"],
            ["原工作单位", "大连重工起重集团有限公司"],
            ["退休时间", "2024年3月"],
            ["批准机关", "大连市人力资源和社会保障局"],
            ["证号", "2024-0312"],
        ],
    ),
    "application_form": (
        "职工住房公积金提取申请书",
        [
            ["申请人姓名：李晓红", f"身份证号码：{LESSEE_ID}"],
            ["公积金账号：201900123456", "联系电话：13904112345"],
            "提取原因：租赁住房",
            "申请提取金额：￥12,000.00",
            ["收款银行：中国建设银行大连西岗支行", f"银行账号：{CARD}"],
            "本人承诺以上信息真实有效，如有虚假愿承担法律责任。",
            ["申请人签名：", "年 月 日"],
        ],
    ),
    "marital_status_declaration": (
        "婚姻状况声明",
        [
            "声明人：李晓红",
            f"公民身份号码：{LESSEE_ID}",
            "本人郑重声明：本人目前为单身（未婚），与任何人均不存在合法有效的婚姻关系。",
            "声明人（签名并按手印）：",
            "日期：2024年8月20日",
        ],
    ),
    "household_register": (
        "常住人口登记卡",
        [
            ["姓名", "李晓红", "户主或与户主关系", "女儿"],
            ["曾用名", "", "性别", "女"],
            ["出生地", "辽宁省大连市", "民族", "汉族"],
            ["籍贯", "辽宁省大连市", "出生日期", "1988年7月15日"],
            ["公民身份证件编号", LESSEE_ID],
            ["服务处所", "大连某贸易有限公司", "职业", "会计"],
            ["文化程度", "大学本科", "婚姻状况", "未婚", "兵役状况", "未服兵役"],
        ],
    ),
    "marriage_certificate": (
        "结婚证",
        [
            ["持证人", "李晓红"],
            ["登记日期", "2015年05月20日"],
            ["结婚证字号", "J210203-2015-001234"],
            "备注",
            ["姓名", "王强", "性别", "男"],
            ["国籍", "中国", "出生日期", "1986年02月03日"],
            ["身份证件号", SPOUSE_ID],
            ["姓名", "李晓红", "性别", "女"],
            ["身份证件号", LESSEE_ID],
        ],
    ),
    "divorce_certificate": (
        "离婚证",
        [
            ["持证人", "李晓红"],
            ["登记日期", "2020年11月02日"],
            ["离婚证字号", "L210203-2020-000321"],
            "备注",
            ["姓名", "王强", "性别", "男"],
            ["身份证件号", SPOUSE_ID],
            ["姓名", "李晓红", "性别", "女"],
            ["身份证件号", LESSEE_ID],
        ],
    ),
}

# One sentence of running text per type, as another type's page cites it.
CITATIONS: dict[str, str] = {
    "id_card_front": "双方应出示居民身份证原件，公民身份号码以证件为准，姓名、住址如有变更应及时告知。",
    "id_card_back": "身份证由公安机关签发，签发机关及有效期限以证件背面记载为准。",
    "household_register": "申请人户口簿中常住人口登记卡所载户主姓名及与户主关系应与本人一致。",
    "marriage_certificate": "双方已于2015年登记结婚，结婚证字号为J210203-2015-001234，持证人为女方。",
    "divorce_certificate": "如双方离婚，应提交离婚证及离婚协议书，离婚证字号一并登记。",
    "real_estate_certificate": (
        "该房屋已取得不动产权证书，证号辽(2021)大连市不动产权第0123456号，权利人为王建国，共有情况为单独所有。"
    ),
    "purchase_contract": "甲方于2019年签订商品房买卖合同购得该房屋，出卖人为开发商，买受人为甲方，总价款已付清。",
    "lease": "本人因租房需要与出租人签订房屋租赁合同，承租人按月支付租金，租赁期限一年。",
    "invoice": "上述费用须开具增值税普通发票，价税合计、发票号码及开票日期以发票为准。",
    "deed_tax_proof": "买受人已缴纳契税并取得税收完税证明，实缴金额以税务机关核定为准。",
    "diagnosis_certificate": "患者持医院出具的疾病诊断证明书办理，临床诊断为慢性肾脏病，处理意见见附件。",
    "medical_bill": "个人自付部分以医疗门诊收费票据为准，票据号码及交款人须与患者一致。",
    "retirement_certificate": "申请人已于2024年退休，退休证由原工作单位报批准机关核发，退休时间以退休证为准。",
    "application_form": "乙方可持本合同填写住房公积金提取申请表，申请人应如实填写提取金额并签字。",
    "marital_status_declaration": "申请人本人单身，已签署婚姻状况声明，声明人对其真实性负责。",
    "bank_card": f"租金请转入出租人在中国建设银行开立的账户，卡号{CARD.replace(' ', '')}，户名王建国。",
}


@pytest.mark.parametrize("doc_type", list(PAGES))
def test_pages_in_real_wording(doc_type):
    result = classify_page(reading(*PAGES[doc_type]))
    assert result.doc_type == doc_type, result
    assert result.evidence


@pytest.mark.parametrize(
    ("doc_type", "cited"), [(page, cited) for page in PAGES for cited in CITATIONS if cited != page]
)
def test_a_page_citing_another_types_words_keeps_its_own_type(doc_type, cited):
    title, rows = PAGES[doc_type]
    middle = len(rows) // 2
    assert decided(reading(title, [*rows[:middle], CITATIONS[cited], *rows[middle:]])) == doc_type


@pytest.mark.parametrize("doc_type", list(PAGES))
def test_reordered_rows_keep_the_type(doc_type):
    title, rows = PAGES[doc_type]
    assert decided(reading(title, list(reversed(rows)))) == doc_type
    assert decided(reading(title, rows[1::2] + rows[0::2])) == doc_type


# --- Misread keywords ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_type", "misread"),
    [
        ("lease", "房屋租货合同"),  # one look-alike character
        ("lease", "房屋租赁合问"),
        ("purchase_contract", "商品房买实合问"),  # two in a longer title
        ("household_register", "常住人口登记长"),
        ("diagnosis_certificate", ["大连医科大学附属第一医院", "诊断证朋书"]),
        ("medical_bill", "辽宁省医疗门诊收贵票据（电子）"),
        ("deed_tax_proof", "中华人民共和国税收完税证眀"),
        ("invoice", "电子发禀（增值税专用发票）"),
        ("retirement_certificate", "退休征"),
        ("marital_status_declaration", "婚姻状况声朋"),
    ],
)
def test_a_misread_title_still_counts(doc_type, misread):
    _, rows = PAGES[doc_type]
    result = classify_page(reading(misread, rows))
    assert result.doc_type == doc_type
    assert any(item.startswith("title:") for item in result.evidence), result.evidence


def test_misread_labels_still_count_where_labels_stand():
    page = reading(None, ["出租万：王建国", "承租力：李晓红", "租金：每月2800元", "租货期限：一年"])
    result = classify_page(page)
    assert result.doc_type == "lease"
    labels = next(item for item in result.evidence if item.startswith("labels:")).split(",")
    assert len(labels) == 4 and "租赁期限" in labels  # the lessor, the lessee, the rent and the term


def test_a_misread_keyword_that_reads_as_another_type_does_not_count():
    """离婚证 is one character from 结婚证: printed exactly, it is the divorce certificate,
    not a misread marriage one."""
    title, rows = PAGES["divorce_certificate"]
    result = classify.candidates(page_text.from_reading(reading(title, rows)))
    assert next(iter(result)) == "divorce_certificate"
    assert "marriage_certificate" not in result or "title:结婚证" not in result["marriage_certificate"].evidence


def test_short_keywords_are_not_matched_loosely():
    """Two-character labels with one character wrong are other words; a three-character one misread twice too."""
    assert decided(reading(None, ["姓石：王强", "性列：男", "民旅：汉", "住扯：大连市"])) == "other"
    assert decided(reading(None, ["出祖万：王建国", "承祖力：李晓红"])) == "other"


# --- Paraphrased titles and labels ---------------------------------------------------------------


@pytest.mark.parametrize(
    "title", ["租房协议", "房屋出租合同", "住房租赁合同", "租赁协议", "房屋租赁合同书", "租房合同"]
)
def test_lease_titles_of_other_cities(title):
    assert decided(reading(title, ["甲方：王建国", "乙方：李晓红", "月租金：2800元"])) == "lease"


@pytest.mark.parametrize(
    ("title", "doc_type"),
    [
        ("存量房买卖合同", "purchase_contract"),
        ("二手房买卖协议", "purchase_contract"),
        ("增值税普通发票", "invoice"),
        ("契税完税凭证", "deed_tax_proof"),
        ("离退休证", "retirement_certificate"),
        ("职工退休审批表", "retirement_certificate"),
        ("居民户口簿", "household_register"),
        ("疾病证明书", "diagnosis_certificate"),
        ("住院费用结算单", "medical_bill"),
        ("不动产权证书", "real_estate_certificate"),
    ],
)
def test_paraphrased_titles(title, doc_type):
    assert decided(reading(title, ["编号：2024-0001"])) == doc_type


def test_paraphrased_lease_labels_without_a_title():
    page = reading(None, ["房东：王建国", "租客：李晓红", "租期：2024年9月1日至2025年8月31日", "每月租金：2800元"])
    assert decided(page) == "lease"


def test_the_head_of_the_title_decides():
    """A lease-registration application form is an application form; a retirement approval form is not one."""
    assert decided(reading("房屋租赁登记备案申请表", ["申请人：李晓红", "联系电话：13904112345"])) == "application_form"
    assert decided(reading("职工退休审批表", ["姓名：刘福成", "参加工作时间：1982年7月"])) == "retirement_certificate"


def test_a_lease_never_goes_by_the_certificate_number_it_cites():
    """Title unreadable: the parties decide, not the 不动产权 number and 权利人 quoted in a clause or a table row."""
    rows = [
        ["出租方：王建国", "承租方：李晓红"],
        "房屋已取得不动产权证书，证号辽(2021)大连市不动产权第0123456号，权利人为王建国。",
        ["权利人", "王建国", "坐落", "大连市西岗区长春路88号"],
        "租赁期限：2024年9月1日至2025年8月31日",
        "租金：每月2800元",
    ]
    assert decided(reading(None, rows)) == "lease"


def test_an_application_form_stays_an_application_form():
    """It quotes an ID number, a bank and a card number after a label, and asks about renting."""
    title, rows = PAGES["application_form"]
    page = classify_page(reading(title, [*rows, "出租方：王建国", "租房合同编号：ZL-2024-0815"]))
    assert page.doc_type == "application_form"
    assert "card_number" not in page.evidence


def test_an_invoice_for_a_house_is_an_invoice():
    title, rows = PAGES["invoice"]
    assert (
        decided(reading(title, [*rows, "不动产权证书号：辽(2021)大连市不动产权第0123456号", "权利人：李晓红"]))
        == "invoice"
    )


# --- Cards: layout and validated numbers ---------------------------------------------------------


def card_image(portrait: bool) -> np.ndarray:
    """A light card, with a dark head-and-shoulders block on the right when `portrait`."""
    width, height = CARD_SIZE
    image = np.full((height, width), 232, np.uint8)
    if portrait:
        image[int(0.18 * height) : int(0.45 * height), int(0.70 * width) : int(0.86 * width)] = 95  # head
        image[int(0.45 * height) : int(0.74 * height), int(0.64 * width) : int(0.92 * width)] = 70  # shoulders
    return image


ID_FRONT_ROWS = [
    ["姓名", "李晓红"],
    ["性别", "女", "民族", "汉"],
    ["出生", "1988年7月15日"],
    ["住址", "大连市西岗区"],
    ["长春路88号"],
]


def test_id_card_front_by_its_number_and_portrait_without_the_number_label():
    rows = [*ID_FRONT_ROWS, LESSEE_ID]  # the number label not read at all
    on_card = classify_page(reading(None, rows, size=CARD_SIZE, text_px=24), card_image(portrait=True))
    assert on_card.doc_type == "id_card_front"
    assert {"id_number", "card_shape", "portrait"} <= set(on_card.evidence)
    photocopy = classify_page(reading(None, rows, size=A4), np.full((A4[1], A4[0]), 240, np.uint8))
    assert photocopy.doc_type == "id_card_front" and photocopy.score < on_card.score
    words_only = reading(None, ID_FRONT_ROWS, size=A4)  # the labels alone, no number, no card: not enough
    assert decided(words_only, np.full((A4[1], A4[0]), 240, np.uint8)) == "other"


def test_id_card_front_with_its_label_needs_no_image():
    rows = [*list(reversed(ID_FRONT_ROWS)), ["公民身份号码", LESSEE_ID]]
    assert decided(reading(None, rows, size=CARD_SIZE, text_px=24)) == "id_card_front"


def test_portrait_block():
    boxes = [(40, 40 + 60 * i, 420, 28) for i in range(6)]
    assert page_signs.has_portrait(card_image(portrait=True), boxes)
    assert not page_signs.has_portrait(card_image(portrait=False), boxes)
    text_over_it = boxes + [(560, 120 + 40 * i, 260, 28) for i in range(6)]  # the back: title and labels on the right
    assert not page_signs.has_portrait(card_image(portrait=True), text_over_it)


def test_id_card_back():
    rows = [["签发机关", "大连市公安局西岗分局"], ["有效期限", "2018.05.06-2038.05.06"]]
    page = reading(["中华人民共和国", "居民身份证"], rows, size=CARD_SIZE, title_px=40, text_px=22)
    assert decided(page, card_image(portrait=False)) == "id_card_back"
    assert (
        decided(reading(None, [["签发机美", "大连市公安局"], ["有效期限", "长期"]], size=CARD_SIZE)) == "id_card_back"
    )
    title_only = reading(["中华人民共和国", "居民身份证"], [], size=CARD_SIZE, title_px=40)
    assert decided(title_only, card_image(portrait=False)) == "other"  # its lines unread: the clerk names the side


@pytest.mark.parametrize("bank", ["中国建设银行", "招商银行", "大连农村商业银行", "盛京银行"])
def test_bank_card(bank):
    page = reading(None, [bank, "储蓄卡", CARD, "银联 UnionPay"], size=CARD_SIZE, text_px=30)
    result = classify_page(page, card_image(portrait=False))
    assert result.doc_type == "bank_card"
    assert "card_number" in result.evidence and any(item.startswith("bank_name:") for item in result.evidence)


def test_bank_card_number_in_16_digits_and_without_the_card_shape():
    assert decided(reading(None, ["中国工商银行", "6222 0210 0123 4561"])) == "bank_card"


@pytest.mark.parametrize(
    "groups", [["6222 0210", "0123 4561"], ["621700", "1234567890122"], ["6217", "0000", "1234", "5678", "907"]]
)
def test_a_card_number_printed_over_several_rows(groups):
    """A vertical card wraps its number over two or more rows; nothing else stands on those rows."""
    number = "".join(groups).replace(" ", "")
    page = reading(None, ["中国建设银行", "借记卡", *groups, "银联 UnionPay"], size=(540, 856), text_px=30)
    assert page_signs.card_number(tuple(groups), ()) == number
    assert decided(page) == "bank_card"


def test_digit_rows_of_a_form_do_not_join_into_a_card_number():
    """Two numbers on rows of their own (a date, an amount) are no card number unless together they pass Luhn
    and have a card's length; an amount row between a card's groups breaks the run."""
    assert page_signs.card_number(("6222 0210", "合计 2800", "0123 4561"), ()) is None
    assert page_signs.card_number(("6222 0210", "0123 4562"), ()) is None  # Luhn fails


def test_a_luhn_invalid_number_is_not_a_bank_card():
    page = reading(None, ["中国建设银行", "储蓄卡", BAD_CARD, "银联 UnionPay"], size=CARD_SIZE, text_px=30)
    assert decided(page, card_image(portrait=False)) == "other"


def test_a_bank_name_without_a_card_number_is_not_a_bank_card():
    """A loan contract's letterhead names a bank; without a card's own number it is no card."""
    assert decided(reading("中国建设银行", ["个人住房贷款合同", "借款人：李晓红"])) != "bank_card"


# --- Plain text, evidence -------------------------------------------------------------------------


def test_a_reading_without_lines_is_classified_by_its_text():
    text = "房屋租赁协议\n出租方：王建国\n承租方：李晓红\n租金：每月2800元"
    result = classify_page(Reading(text=text))
    assert result.doc_type == "lease" and result.evidence[0] == "title:房屋租赁协议"


def test_evidence_names_what_decided_by_kind():
    result = classify_page(reading(*PAGES["lease"]))
    assert result.evidence[0] == "title:房屋租赁合同"
    labels = next(item for item in result.evidence if item.startswith("labels:"))
    assert {"出租方", "承租方", "租金", "租赁期限"} <= set(labels.removeprefix("labels:").split(","))


def test_evidence_reads_in_both_languages():
    card = classify_page(reading(None, ["中国建设银行", CARD], size=CARD_SIZE), card_image(portrait=False))
    for item in [*card.evidence, "title:房屋租赁合同", "labels:出租方,承租方", "mentions:权利人", "words:租赁"]:
        zh, en = describe_evidence(item, "zh-CN"), describe_evidence(item, "en")
        assert zh != en and "capture.evidence" not in zh + en
    assert describe_evidence("labels:出租方,承租方", "zh-CN") == "栏目：出租方、承租方"
    assert describe_evidence("bank_name:中国建设银行", "en") == "Bank: 中国建设银行"


def test_evidence_can_be_shown_briefly():
    item = "labels:个人账号,联系电话,提取类型,收款银行,银行卡号,签字"
    assert describe_evidence(item, "zh-CN", most=4) == "栏目：个人账号、联系电话、提取类型、收款银行…"
    assert describe_evidence("labels:出租方,承租方", "en", most=4) == "Labels: 出租方, 承租方"

"""Realistic OCR'd page text for the search benchmark: counter documents in Chinese with some English.

Deterministic for a seed. Each page is a document header with names, ID numbers, addresses,
amounts and dates (as the classifier's document types carry them, domain.md §5) followed by
clauses drawn from a pool of everyday provident-fund wording, sometimes with English lines.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from desk.validators import id_check_char

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文曲"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉萍红华建国志海波宁欣怡子轩浩然雨涵"
    "梓博文俊晨阳佳琪思雅天宇晓东春梅秋菊冬雪丹凤鹏飞"
)
DISTRICTS = {
    "210202": "中山区",
    "210203": "西岗区",
    "210204": "沙河口区",
    "210211": "甘井子区",
    "210212": "旅顺口区",
    "210213": "金州区",
    "210214": "普兰店区",
    "210281": "瓦房店市",
    "210283": "庄河市",
}
STREETS = ["人民路", "中山路", "解放路", "五四路", "黄河路", "长江路", "西安路", "华北路", "友好路", "鲁迅路", "金马路"]
ESTATES = [
    "星海湾小区",
    "锦绣家园",
    "华润海中国",
    "万科城",
    "泉水小区",
    "春柳小区",
    "石道街小区",
    "山水人家",
    "海昌新城",
]
HOSPITALS = ["大连医科大学附属第一医院", "大连市中心医院", "大连市友谊医院", "大连医科大学附属第二医院"]
DIAGNOSES = ["高血压", "冠状动脉粥样硬化性心脏病", "2型糖尿病", "肺炎", "腰椎间盘突出症", "慢性肾功能不全", "脑梗死"]
BANKS = ["中国建设银行大连分行", "中国工商银行大连分行", "中国银行大连分行", "交通银行大连分行"]
CLAUSES = [
    "本合同自双方签字之日起生效，一式三份，甲乙双方各执一份，住房公积金管理中心留存一份。",
    "承租人应按月支付租金，不得擅自将房屋转租他人，租房期间产生的水电费由承租人承担。",
    "申请人承诺所提供的材料真实有效，如有虚假，愿意承担相应的法律责任。",
    "借款人应按照借款合同约定的还款方式和还款计划按时足额偿还贷款本息。",
    "本证明仅用于办理住房公积金提取业务，复印无效。",
    "经诊断，患者需住院治疗，建议休息两周，定期复查。",
    "出租人保证对出租房屋享有合法的所有权或者出租权，房屋无产权纠纷。",
    "租赁期满后，承租人如需续租，应当提前一个月书面通知出租人。",
    "单位和职工缴存的住房公积金属于职工个人所有，任何单位和个人不得挪用。",
    "职工连续足额缴存住房公积金满三个月，且本人及配偶在本市无自有住房的，可以申请租房提取。",
    "贷款发放后，借款人可以申请提取住房公积金用于偿还贷款本息。",
    "抵押物为借款人所购住房，抵押期间未经抵押权人同意不得转让。",
    "本发票为电子发票，可通过全国增值税发票查验平台查验真伪。",
    "契税已按规定缴纳，纳税人凭本完税证明办理不动产登记。",
    "房屋用途为住宅，建筑面积以不动产权证书记载为准。",
    "本人已仔细阅读以上条款并同意遵守，如有变更将及时告知住房公积金管理中心。",
    "离退休职工可以申请销户提取住房公积金账户内的全部余额。",
    "医疗费用中个人自付部分可以作为大病医疗提取的依据。",
    "按照等额本息方式还款，每月还款额保持不变，贷款期限为三十年。",
    "该职工在本单位工作期间按时缴存住房公积金，未发生欠缴情况。",
    "租房合同已在住房租赁服务平台备案，备案编号见附件。",
    "疾病诊断证明书须加盖医院诊断证明专用章方为有效。",
]
ENGLISH = [
    "Lease contract signed by both parties; the tenant pays the rent monthly.",
    "Repayment schedule attached. Monthly installment due on the 20th of each month.",
    "Diagnosis certificate issued by the outpatient department.",
    "Electronic invoice, verify at the national invoice platform.",
    "Statement of account for the housing provident fund, printed by the service counter.",
    "Certificate of employment and income for loan application.",
    "Payment receipt for deed tax; taxpayer identification number shown above.",
]
DOC_TYPES = (
    "lease",
    "diagnosis",
    "loan_contract",
    "invoice",
    "id_card_front",
    "marriage_certificate",
    "real_estate_certificate",
    "deed_tax",
)


@dataclass(frozen=True)
class PersonFacts:
    """A generated customer: name, ID number and address."""

    name: str
    id_number: str
    address: str
    birth_date: date
    sex: str


def make_person(rng: random.Random) -> PersonFacts:
    """A customer with a valid 18-character ID number from a Dalian district."""
    code = rng.choice(list(DISTRICTS))
    born = date(1962, 1, 1) + timedelta(days=rng.randrange(365 * 40))
    sequence = rng.randrange(1000)
    body = f"{code}{born:%Y%m%d}{sequence:03d}"
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    address = f"辽宁省大连市{DISTRICTS[code]}{rng.choice(STREETS)}{rng.randrange(1, 300)}号{rng.choice(ESTATES)}"
    return PersonFacts(name, body + id_check_char(body), address, born, "M" if sequence % 2 else "F")


def _header(doc_type: str, owner: PersonFacts, other: PersonFacts, rng: random.Random, day: date) -> list[str]:
    money = f"{rng.randrange(800, 6000)}.00"
    if doc_type == "lease":
        return [
            "房屋租赁合同",
            f"合同编号 ZL{day:%Y}{rng.randrange(10**6):06d}",
            f"出租人（甲方）：{other.name} 身份证号：{other.id_number}",
            f"承租人（乙方）：{owner.name} 身份证号：{owner.id_number}",
            f"房屋坐落：{other.address}{rng.randrange(1, 30)}号楼{rng.randrange(1, 6)}单元{rng.randrange(101, 2800)}室",
            f"租赁期限：自{day:%Y年%m月%d日}起至{day + timedelta(days=365):%Y年%m月%d日}止 月租金：人民币{money}元",
        ]
    if doc_type == "diagnosis":
        return [
            "疾病诊断证明书",
            f"姓名：{owner.name} 性别：{'男' if owner.sex == 'M' else '女'} 科别：内科",
            f"住院号：{rng.randrange(10**7):07d} 身份证号：{owner.id_number}",
            f"诊断：{rng.choice(DIAGNOSES)}",
            f"{rng.choice(HOSPITALS)} {day:%Y年%m月%d日}",
        ]
    if doc_type == "loan_contract":
        return [
            "个人住房公积金借款合同",
            f"合同编号 GJJ{day:%Y}{rng.randrange(10**6):06d}",
            f"借款人：{owner.name} 身份证号码：{owner.id_number}",
            f"贷款金额：人民币{rng.randrange(30, 100)}万元",
            f"贷款期限：{rng.choice((240, 300, 360))}个月 年利率：{rng.choice(('2.6', '3.075', '2.85'))}%",
            f"受托银行：{rng.choice(BANKS)}",
        ]
    if doc_type == "invoice":
        return [
            "电子发票（普通发票）",
            f"发票号码 {rng.randrange(10**19, 10**20)}",
            f"购买方：{owner.name}",
            f"纳税人识别号：{owner.id_number}",
            f"价税合计（小写）¥{money}",
            f"开票日期：{day:%Y年%m月%d日}",
        ]
    if doc_type == "id_card_front":
        return [
            f"姓名 {owner.name}",
            f"性别 {'男' if owner.sex == 'M' else '女'} 民族 汉",
            f"出生 {owner.birth_date:%Y年%m月%d日}",
            f"住址 {owner.address}",
            f"公民身份号码 {owner.id_number}",
        ]
    if doc_type == "marriage_certificate":
        return [
            "结婚证",
            f"持证人 {owner.name}",
            f"登记日期 {day:%Y年%m月%d日}",
            f"结婚证字号 J{rng.choice(list(DISTRICTS))}-{day:%Y}-{rng.randrange(10**6):06d}",
            f"姓名 {owner.name} 身份证件号 {owner.id_number}",
            f"姓名 {other.name} 身份证件号 {other.id_number}",
        ]
    if doc_type == "real_estate_certificate":
        return [
            "不动产权证书",
            f"辽（{day:%Y}）大连市不动产权第{rng.randrange(10**7):07d}号",
            f"权利人 {owner.name}",
            "共有情况 单独所有",
            f"坐落 {owner.address}",
            f"面积 {rng.randrange(40, 160)}.{rng.randrange(100):02d}平方米",
        ]
    return [
        "税收完税证明",
        f"纳税人识别号 {owner.id_number}",
        f"纳税人名称 {owner.name}",
        "税种 契税",
        f"实缴(退)金额 {money}",
        f"入库日期 {day:%Y年%m月%d日}",
    ]


def make_page_text(doc_type: str, owner: PersonFacts, other: PersonFacts, rng: random.Random, day: date) -> str:
    """One OCR'd page: header lines, 2–6 clauses, sometimes an English line (about 250–500 characters)."""
    lines = _header(doc_type, owner, other, rng, day) + rng.sample(CLAUSES, rng.randrange(2, 7))
    if rng.random() < 0.3:
        lines.append(rng.choice(ENGLISH))
    return "\n".join(lines)

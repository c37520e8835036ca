"""Fields read from a page: ID numbers (validated, OCR slips repaired), names, dates, amounts,
certificate numbers and the labelled values a document type carries (e.g. 权利人, 坐落).

`extract` reads plain text (a PDF's text layer, a test string). `extract_page` reads an engine's
`Reading` and, where the segments' boxes and the page image allow, does better: an ID card front
label by label, an ID number written one digit per box read cell by cell, a number the engine split
into pieces on its label's row put back together, a number whose check character fails mended with
the engine's runner-up reading of one character.
"""

from __future__ import annotations

import re
from datetime import date

import cv2
import numpy as np

from desk.capture import digit_boxes, id_decoding, id_numbers, segment_fields
from desk.capture.reading import Box, Line, Reading

_CJK_NAME = r"[\u4e00-\u9fff·]{2,5}"
_LABEL_GAP = r"[\s:：]*"

# field -> (labels that introduce it, pattern of its value)
LABELS: dict[str, tuple[tuple[str, ...], str]] = {
    "name": (("姓名",), _CJK_NAME),
    "sex": (("性别",), r"[男女]"),
    "ethnicity": (("民族",), r"[\u4e00-\u9fff]{1,4}?(?=族|出生|$|\s)"),
    "address": (("住址", "地址"), r"[^\n]{4,60}"),
    "issuing_office": (("签发机关",), r"[^\n]{3,30}"),
    "validity": (("有效期限",), r"[0-9.\-—至长期 ]{8,30}"),
    "household_head": (("户主姓名",), _CJK_NAME),
    "relation": (("与户主关系",), r"[\u4e00-\u9fff]{1,4}"),
    "holder": (("持证人",), _CJK_NAME),
    "owner": (("权利人",), r"[\u4e00-\u9fff·、，,]{2,30}"),
    "location": (("坐落", "房屋坐落", "房屋地址", "不动产地址"), r"[^\n]{4,60}"),
    "unit_number": (("不动产单元号",), r"[0-9A-Z]{19,28}"),
    "area": (("面积", "建筑面积"), r"[0-9]+(?:\.[0-9]+)?\s*(?:平方米|㎡|m2)?"),
    "seller": (("出卖人", "销售方名称", "销售方"), r"[^\n]{2,40}"),
    "buyer": (("买受人", "购买方名称", "购买方"), r"[^\n]{2,40}"),
    "contract_number": (("合同编号",), r"[0-9A-Za-z\-]{4,30}"),
    "lessor": (("出租人", "出租方"), r"[^\n]{2,30}"),
    "lessee": (("承租人", "承租方"), r"[^\n]{2,30}"),
    "term": (("租赁期限",), r"[^\n]{4,40}"),
    "monthly_rent": (("月租金",), r"[^\n]{1,30}"),
    "invoice_number": (("发票号码",), r"[0-9]{8,20}"),
    "total": (("价税合计",), r"[^\n]{1,40}"),
    "taxpayer": (("纳税人名称",), r"[^\n]{2,40}"),
    "taxpayer_id": (("纳税人识别号",), r"[0-9A-Z]{15,20}"),
    "patient": (("患者姓名", "病人姓名"), _CJK_NAME),
    "hospital": (("医院", "医疗机构"), r"[^\n]{2,30}"),
    "diagnosis": (("诊断",), r"[^\n]{2,60}"),
    "department": (("科别",), r"[\u4e00-\u9fff]{2,10}"),
    "payer": (("交款人",), _CJK_NAME),
    "self_paid": (("个人自付", "个人自费"), r"[0-9,，.]+"),
    "bill_number": (("票据号码",), r"[0-9]{6,20}"),
    "employer": (("工作单位",), r"[^\n]{2,40}"),
    "retirement_date": (("退休时间", "退休日期"), r"[^\n]{6,16}"),
    "applicant": (("申请人",), _CJK_NAME),
}
_NAME_FIELDS = ("name", "holder", "household_head", "patient", "payer", "applicant")

_DATES = (
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(r"(?P<y>(?:19|20)\d{2})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})(?!\d)"),
)
_AMOUNTS = (
    re.compile(r"[¥￥]\s*(?P<v>\d{1,3}(?:[,，]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"),
    re.compile(r"(?P<v>\d{1,3}(?:[,，]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)\s*元"),
)
_CERTIFICATES = (
    (
        "real_estate",
        re.compile(r"[\u4e00-\u9fff]{1,2}\s*[（(]\s*\d{4}\s*[)）][\u4e00-\u9fff]{0,12}不动产权第\s*\d{5,8}\s*号"),
    ),
    ("marriage", re.compile(r"[JL]\s*\d{6}\s*[-—]\s*\d{4}\s*[-—]\s*\d{3,8}")),
    ("invoice", re.compile(r"(?<=发票号码)[\s:：]*\d{8,20}")),
    ("bill", re.compile(r"(?<=票据号码)[\s:：]*\d{6,20}")),
    ("contract", re.compile(r"(?<=合同编号)[\s:：]*[0-9A-Za-z\-]{4,30}")),
)


def extract(text: str, wanted: tuple[str, ...] = (), today: date | None = None) -> dict:
    """Every field found in `text`; `wanted` lists the labelled fields of the page's document type."""
    labelled = read_labels(text, wanted)
    names = [labelled[f] for f in _NAME_FIELDS if f in labelled]
    return {
        "id_numbers": find_id_numbers(text, today),
        "names": names,
        "dates": find_dates(text, today),
        "amounts": find_amounts(text),
        "certificate_numbers": find_certificates(text),
        "labelled": labelled,
    }


def extract_page(
    reading: Reading, wanted: tuple[str, ...] = (), image: np.ndarray | None = None, today: date | None = None
) -> dict:
    """Every field found on a page the engine read; `image` is the image it read (its boxes' pixels).

    The same keys as `extract`. ID numbers come first from the page's layout (an ID card's number,
    boxes read cell by cell, pieces on a label's row), then from the text, then from lines that fail
    the check, mended with the engine's second choice for one character or decoded again from the line
    read stretched (marked repaired, as the look-alike repairs are); a card's labelled values read
    label by label replace those the text gave.
    """
    found = extract(reading.text, wanted, today)
    card_values, card_ids = segment_fields.card_fields(reading.lines, today)
    labelled = {**found["labelled"], **{name: card_values[name] for name in wanted if name in card_values}}
    labelled = {name: value for name, value in labelled.items() if value}  # a card label with nothing beside it
    found["labelled"] = labelled
    found["names"] = [labelled[f] for f in _NAME_FIELDS if f in labelled]
    boxed, cell_rows = _boxed_ids(reading.lines, image, today)
    found["id_numbers"] = _unique(
        card_ids
        + boxed
        + found["id_numbers"]
        + segment_fields.id_label_rows(reading.lines, today)
        + _mended_ids([line for line in reading.lines if not _on_any(line, cell_rows)], today)
    )
    return found


def _mended_ids(lines: list[Line], today: date | None) -> list[dict]:
    """ID numbers on lines that fail the check as read (only lines the engine kept choices for: those
    with a long run of digits): mended with the engine's runner-up reading of one character where the
    line read stretched bears the mend out, or else decoded again from that stretched reading as a
    number of 18 characters (`id_decoding`)."""
    found = []
    for line in lines:
        # a line that reads valid as it is gives no mend, and the engine read it only once
        mended = id_numbers.find_with_choices(line.text, line.choices, today) if line.choices else []
        if line.id_steps is not None:  # the line read again must bear the mend out, or is decoded itself
            borne_out = [number for number in mended if id_decoding.bears_out(line.id_steps, number["value"])]
            mended = borne_out or id_decoding.decode(line.id_steps, line.text, today)
        found += mended
    return found


def _boxed_ids(lines: list[Line], image: np.ndarray | None, today: date | None) -> tuple[list[dict], list[Box]]:
    """ID numbers written in per-digit boxes after the page's ID labels, and the boxes of the cell rows
    found (none without the image)."""
    if image is None:
        return [], []
    labels = [segment_fields.label_box(segment, end) for segment, end in segment_fields.id_label_segments(lines)]
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return digit_boxes.read_id_cells(gray, labels, today)


def _on_any(line: Line, rows: list[Box]) -> bool:
    """True when the line lies on one of the cell rows: its middle within the row's height, and it
    overlaps the row's width.

    Such a line is the row's own ink read as text, the box rules read as 1s among the digits: the cells
    were read one by one already, and a runner-up that makes one of its many 18-character windows pass
    the check is no evidence of the number, only a chance pass.
    """
    left, top, width, height = line.box
    middle = top + height / 2
    return any(
        row_top <= middle <= row_top + row_height and left < row_left + row_width and row_left < left + width
        for row_left, row_top, row_width, row_height in rows
    )


def _unique(numbers: list[dict]) -> list[dict]:
    """`numbers` with each value once, in order."""
    first: dict[str, dict] = {}
    for number in numbers:
        first.setdefault(number["value"], number)
    return list(first.values())


def find_id_numbers(text: str, today: date | None = None) -> list[dict]:
    """Valid ID numbers, each with the positions repaired (X/×, 0/O, 1/l …) and the raw reading."""
    return id_numbers.find_in_text(text, today)


def find_dates(text: str, today: date | None = None) -> list[str]:
    """Real calendar dates in ISO form, in order of appearance, without repeats."""
    hits: list[tuple[int, str]] = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            try:
                value = date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                continue
            if value.year >= 1900 and value <= date((today or date.today()).year + 80, 12, 31):
                hits.append((match.start(), value.isoformat()))
    return list(dict.fromkeys(value for _, value in sorted(hits)))


def find_amounts(text: str) -> list[str]:
    """Money amounts written with ¥/￥ or 元, as plain decimal strings."""
    hits: list[tuple[int, str]] = []
    for pattern in _AMOUNTS:
        for match in pattern.finditer(text):
            hits.append((match.start(), re.sub(r"[,，]", "", match["v"])))
    return list(dict.fromkeys(value for _, value in sorted(hits)))


def find_certificates(text: str) -> list[dict]:
    """Certificate, invoice, bill and contract numbers, each with its kind."""
    out = []
    for kind, pattern in _CERTIFICATES:
        for match in pattern.finditer(text):
            out.append({"kind": kind, "value": re.sub(r"[\s:：]", "", match.group())})
    return out


def read_labels(text: str, wanted: tuple[str, ...]) -> dict[str, str]:
    """The value after each wanted field's label, e.g. 权利人：张三 → {"owner": "张三"}."""
    values: dict[str, str] = {}
    for field_name in wanted:
        labels, pattern = LABELS[field_name]
        for label in labels:
            match = re.search(rf"{re.escape(label)}{_LABEL_GAP}({pattern})", text)
            if match and match.group(1).strip():
                values[field_name] = match.group(1).strip()
                break
    return values

"""Pages carrying an ID number the way counters get them, drawn here with exact ground truth.

Application forms with the number written one character per ruled box (printed or handwriting-like,
some digits touching or crossing a rule, boxes alone or in groups, inside a table or free-standing),
ID-card fronts whose labels and values the engine reads as separate segments, and leases whose
parties' numbers are typed in other faces, written by hand on a rule or set in a table. Built on the
generator's Sheet, but with layouts of their own (not tests/docgen's templates).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

import cv2
import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from desk.validators import id_check_char
from tests.docgen.scene import photograph, varied_options
from tests.docgen.sheet import Sheet, font

ID_CELLS = 18
ID_LABELS = ("身份证号码", "公民身份号码", "证件号码", "身份证号")
_DISTRICTS = ("210202", "210203", "210204", "210211", "210213", "110105", "370102", "440305", "510104")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国"
_STREETS = ("中山路", "西安路", "长江路", "黄河路", "人民路", "解放路", "友好路", "胜利路")
_ESTATES = ("金色家园", "海景花园", "山水人家", "阳光小区", "新华苑", "星海湾")
PRINT_FACES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
)
KAI_FACE = "/usr/share/fonts/truetype/arphic/ukai.ttc"  # AR PL UKai: 楷体, a hand-like face forms are filled in
BLUE_INK = (30, 45, 120)
BLACK_INK = (25, 25, 30)
FAINT_INK = (105, 125, 175)  # a ballpoint running dry, or a pale gel pen

# Handwriting-like digits as pen strokes in a unit box (x right, y down): polylines and arcs.
_Stroke = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, steps: int = 24) -> _Stroke:
    """Points on an ellipse from angle `start` to `stop` (degrees; 0 = right, 90 = down)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, stop, steps)
    ]


_STROKES: dict[str, list[_Stroke]] = {
    "0": [_arc(0.5, 0.5, 0.4, 0.5, -90, 275)],
    "1": [[(0.28, 0.22), (0.56, 0.0), (0.56, 1.0)]],
    "2": [[*_arc(0.5, 0.3, 0.4, 0.3, 190, 380), (0.08, 1.0), (0.95, 1.0)]],
    "3": [_arc(0.48, 0.26, 0.36, 0.26, 200, 450), _arc(0.48, 0.73, 0.42, 0.27, 270, 520)],
    "4": [[(0.72, 1.0), (0.72, 0.0), (0.04, 0.68), (0.96, 0.68)]],
    "5": [[(0.86, 0.02), (0.24, 0.02), (0.18, 0.45), *_arc(0.5, 0.69, 0.4, 0.31, 230, 510)]],
    "6": [[(0.8, 0.02), (0.45, 0.22), *_arc(0.5, 0.7, 0.36, 0.3, 220, 580)]],
    "7": [[(0.06, 0.02), (0.94, 0.02), (0.38, 1.0)]],
    "8": [_arc(0.5, 0.25, 0.31, 0.25, 90, 450), _arc(0.5, 0.74, 0.4, 0.26, -90, 270)],
    "9": [_arc(0.5, 0.29, 0.37, 0.29, 20, 380), [(0.87, 0.3), (0.62, 1.0)]],
    "X": [[(0.08, 0.0), (0.92, 1.0)], [(0.92, 0.0), (0.08, 1.0)]],
}


def id_number(rng: random.Random) -> str:
    """A valid resident ID number (real district prefix, birth date, check character)."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    first = f"{rng.choice(_DISTRICTS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first + id_check_char(first)


def person_name(rng: random.Random) -> str:
    """A made-up two- or three-character Chinese name."""
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def handwritten(
    sheet: Sheet,
    char: str,
    box_px: tuple[int, int, int, int],
    rng: random.Random,
    ink: tuple[int, int, int],
    touch: int = 0,
    *,
    hug_top: bool = False,
) -> None:
    """`char` written by pen into the pixel box (left, top, width, height): jittered strokes, a slant,
    uneven size and place. `touch` -1 or 1 pushes it against the left or right rule, over it by up to
    two pen widths; `hug_top` writes it high, its top (a 7's or 5's bar) along the box's top rule."""
    left, top, width, height = box_px
    h = height * rng.uniform(0.58, 0.76)
    w = min(width * 0.8, h * rng.uniform(0.5, 0.68))
    pen = max(2, round(height * rng.uniform(0.045, 0.075)))
    shift = touch * (width / 2 - w / 2 + pen * rng.uniform(0.0, 2.0)) if touch else rng.uniform(-0.08, 0.08) * width
    cx = left + width / 2 + shift
    cy = top + height / 2 + rng.uniform(-0.07, 0.07) * height
    if hug_top:  # the top stroke's centre from half a pen above the rule to one pen below it
        cy = top + h / 2 + pen * rng.uniform(-0.5, 1.0)
    slant = rng.uniform(-0.05, 0.3)
    for stroke in _STROKES[char]:
        points = []
        for x, y in stroke:
            x, y = x + rng.gauss(0, 0.02), y + rng.gauss(0, 0.02)
            points.append((cx + (x - 0.5 + slant * (0.5 - y)) * w, cy + (y - 0.5) * h))
        sheet.draw.line(points, fill=ink, width=pen, joint="curve")


def printed(
    sheet: Sheet,
    char: str,
    box_px: tuple[int, int, int, int],
    rng: random.Random,
    face: str,
    ink: tuple[int, int, int],
    touch: int = 0,
    *,
    hug_top: bool = False,
    jitter: bool = False,
) -> None:
    """`char` typed into the pixel box with the font file `face`, centred; `touch` -1 or 1 pushes it
    against the left or right rule, over it by a stroke's width or so; `hug_top` sets it high, its
    top on the box's top rule; `jitter` moves it about its box a little, as a hand does."""
    left, top, width, height = box_px
    typeface = ImageFont.truetype(face, round(height * rng.uniform(0.6, 0.75)))
    x0, _, x1, _ = typeface.getbbox(char, anchor="mm")
    shift = touch * (width / 2 - (x1 - x0) / 2 + rng.uniform(0.0, 0.12) * (x1 - x0)) if touch else 0.0
    x, y = left + width / 2 + shift, top + height / 2
    if hug_top:  # the glyph's top on the box's top rule, give or take a stroke
        _, y0, _, _ = typeface.getbbox(char, anchor="mm")
        y = top - y0 + rng.uniform(-0.04, 0.06) * height
    elif jitter:  # filled in by hand with a 楷体-like face: size and place vary from box to box
        x, y = x + rng.uniform(-0.08, 0.08) * width, y + rng.uniform(-0.07, 0.07) * height
    sheet.draw.text((x, y), char, font=typeface, fill=ink, anchor="mm")


@dataclass
class BoxStyle:
    """How an application form prints its ID boxes and how the applicant fills them."""

    label: str = "身份证号码"
    pitch_mm: float = 6.5
    height_mm: float = 8.0
    rule_mm: float = 0.3
    groups: tuple[int, ...] = (18,)  # boxes per group, e.g. (6, 8, 4)
    in_table: bool = False
    hand: bool = False
    touching: int = 0  # cells whose digit touches (or runs over) a rule
    dpi: int = 200
    faint: bool = False  # pale ink (FAINT_INK) instead of blue or black
    hugging: int = 0  # cells whose digit is written high, its top stroke along the top rule
    face: str | None = None  # the font file of printed digits (None: one of PRINT_FACES)
    ink_blur: float = 0.0  # the writing (not the rules) soaked into the paper: Gaussian radius in pixels


def boxed_form(number: str, style: BoxStyle, rng: random.Random) -> np.ndarray:
    """A half-A4 application form whose ID number is written in per-digit boxes (BGR)."""
    sheet = Sheet(210, 120, dpi=style.dpi)
    sheet.centered(8, "住房公积金提取申请表", pt=16)
    name = person_name(rng)
    y = 24.0
    if style.in_table:
        y = _table_rows(sheet, name, y)
        label_x, boxes_x = 17.0, 52.0
        sheet.rule(15, y, 195, y)
        sheet.rule(15, y, 15, y + style.height_mm + 4)
        sheet.rule(195, y, 195, y + style.height_mm + 4)
        sheet.rule(48, y, 48, y + style.height_mm + 4)
        sheet.rule(15, y + style.height_mm + 4, 195, y + style.height_mm + 4)
        top = y + 2
    else:
        sheet.text(15, y, "申请人姓名：", pt=11, style="sans")
        sheet.text(42, y, name, pt=11, style="sans")
        sheet.text(110, y, "联系电话：", pt=11, style="sans")
        sheet.text(132, y, "139" + "".join(str(rng.randrange(10)) for _ in range(8)), pt=11, style="sans")
        y += 15
        label_x, boxes_x, top = 15.0, 15 + sheet.width_of(style.label + "：", pt=11, style="sans") + 4, y
    sheet.text(
        label_x,
        top + style.height_mm / 2,
        style.label + ("" if style.in_table else "："),
        pt=11,
        style="sans",
        anchor="lm",
    )
    room = (195 - boxes_x) / (ID_CELLS + 0.6 * (len(style.groups) - 1))
    style = replace(style, pitch_mm=min(style.pitch_mm, room))  # the boxes fit on the form
    cells = _draw_boxes(sheet, boxes_x, top, style)
    if style.ink_blur:
        _fill_soaked(sheet, cells, number, style, rng)
    else:
        _fill(sheet, cells, number, style, rng)
    sheet.text(15, top + style.height_mm + 14, "提取金额：¥12800.00    提取原因：租房提取", pt=11, style="sans")
    sheet.paragraph(
        15,
        top + style.height_mm + 26,
        180,
        "本人承诺所提供的材料和信息真实、准确、完整，如有虚假，愿意承担相应的法律责任。",
        pt=10.5,
    )
    return cv2.cvtColor(np.asarray(sheet.image), cv2.COLOR_RGB2BGR)


def _table_rows(sheet: Sheet, name: str, y: float) -> float:
    """Two ruled rows above the ID row (name, employer), as forms put the number inside a table."""
    for label, value in (("姓名", name), ("工作单位", "大连市某某有限公司")):
        sheet.rule(15, y, 195, y)
        sheet.rule(15, y, 15, y + 12)
        sheet.rule(48, y, 48, y + 12)
        sheet.rule(195, y, 195, y + 12)
        sheet.text(17, y + 6, label, pt=11, style="sans", anchor="lm")
        sheet.text(52, y + 6, value, pt=11, style="sans", anchor="lm")
        y += 12
    return y


def _draw_boxes(sheet: Sheet, x_mm: float, top_mm: float, style: BoxStyle) -> list[tuple[int, int, int, int]]:
    """The ruled boxes, in groups with a small gap between; each cell's pixel box, left to right."""
    cells = []
    x = x_mm
    for size in style.groups:
        sheet.box(x, top_mm, size * style.pitch_mm, style.height_mm, width_mm=style.rule_mm)
        for i in range(1, size):
            sheet.rule(
                x + i * style.pitch_mm, top_mm, x + i * style.pitch_mm, top_mm + style.height_mm, width_mm=style.rule_mm
            )
        for i in range(size):
            left = sheet.px(x + i * style.pitch_mm)
            right = sheet.px(x + (i + 1) * style.pitch_mm)
            cells.append((left, sheet.px(top_mm), right - left, sheet.px(style.height_mm)))
        x += size * style.pitch_mm + style.pitch_mm * 0.6
    return cells


def _fill(
    sheet: Sheet, cells: list[tuple[int, int, int, int]], number: str, style: BoxStyle, rng: random.Random
) -> None:
    """Write the number into the cells; `style.touching` digits are pushed against a rule."""
    touching = set(rng.sample(range(len(number)), style.touching))
    ink = BLUE_INK if style.hand and rng.random() < 0.7 else BLACK_INK
    ink = FAINT_INK if style.faint else ink
    face = rng.choice(PRINT_FACES)
    face = style.face or face
    hugging = _hugging(number, style.hugging, rng) if style.hugging else set()
    for index, (char, cell) in enumerate(zip(number, cells)):
        touch = rng.choice((-1, 1)) if index in touching else 0
        hug = index in hugging
        if style.hand:
            handwritten(sheet, char, cell, rng, ink, touch, hug_top=hug)
        else:
            printed(sheet, char, cell, rng, face, ink, touch, hug_top=hug, jitter=style.face is not None)


def _hugging(number: str, count: int, rng: random.Random) -> set[int]:
    """`count` cells to write high: those holding a digit with a top bar (7, 5) first, as these lose
    the bar to the rule, then others at random."""
    barred = [i for i, char in enumerate(number) if char in "57"]
    others = [i for i in range(len(number)) if i not in barred]
    rng.shuffle(barred)
    rng.shuffle(others)
    return set((barred + others)[:count])


def _fill_soaked(
    sheet: Sheet, cells: list[tuple[int, int, int, int]], number: str, style: BoxStyle, rng: random.Random
) -> None:
    """Write the number on a clear layer, blur it by `style.ink_blur`, and lay it over the boxes: pale
    ink soaked into the paper, while the printed rules stay sharp."""
    layer = Sheet(sheet.width_mm, sheet.height_mm, dpi=sheet.dpi)
    _fill(layer, cells, number, style, rng)
    writing = layer.image.filter(ImageFilter.GaussianBlur(style.ink_blur))
    sheet.image.paste(ImageChops.darker(sheet.image, writing))


@dataclass
class CardFacts:
    """What an ID-card front prints."""

    name: str
    sex: str
    ethnicity: str
    born: date
    address: str
    number: str


def card_facts(rng: random.Random) -> CardFacts:
    """A made-up card holder whose number agrees with the birth date."""
    number = id_number(rng)
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    sex = "男" if int(number[16]) % 2 else "女"
    address = (
        f"辽宁省大连市{rng.choice(('中山区', '西岗区', '沙河口区', '甘井子区'))}{rng.choice(_STREETS)}"
        f"{rng.randrange(1, 300)}号{rng.choice(_ESTATES)}{rng.randrange(1, 40)}号楼{rng.randrange(1, 8)}单元"
        f"{rng.randrange(1, 30)}0{rng.randrange(1, 5)}室"
    )
    return CardFacts(person_name(rng), sex, rng.choice(("汉", "满", "蒙古", "回", "朝鲜")), born, address, number)


def card_front(facts: CardFacts, rng: random.Random, *, split_number: bool = True) -> np.ndarray:
    """An ID-card front: spaced labels (姓  名) in a small blue face, larger values set a little lower,
    the address over three lines, the number in two groups when `split_number` (BGR)."""
    sheet = Sheet(85.6, 54.0, dpi=400, paper=(238, 242, 240))
    for k in range(0, sheet.image.size[1], 14):  # faint security pattern
        phase = rng.uniform(0, math.tau)
        sheet.draw.line(
            [(x, k + 5 * math.sin(x / 41 + phase)) for x in range(0, sheet.image.size[0], 8)],
            fill=(214, 226, 228),
            width=1,
        )
    sheet.draw.rectangle([sheet.px(60), sheet.px(8), sheet.px(81), sheet.px(36)], fill=(160, 160, 166))
    label = dict(pt=6, style="sans", fill=(40, 110, 170), record=False)
    value = dict(pt=8.5, style="sans-bold", record=False)
    sheet.text(4, 6.5, "姓  名", **label)
    sheet.text(13.5, 6.0, facts.name, **value)
    sheet.text(4, 12.5, "性  别", **label)
    sheet.text(13.5, 12.0, facts.sex, **value)
    sheet.text(24, 12.5, "民  族", **label)
    sheet.text(33.5, 12.0, facts.ethnicity, **value)
    sheet.text(4, 18.5, "出  生", **label)
    sheet.text(13.5, 18.0, f"{facts.born.year}  年  {facts.born.month}  月  {facts.born.day}  日", **value)
    sheet.text(4, 24.5, "住  址", **label)
    for i, line in enumerate(sheet.wrap(facts.address, 40, 40, pt=8.5, style="sans-bold")):
        sheet.text(13.5, 24.0 + i * 4.4, line, **value)
    sheet.text(4, 44.5, "公民身份号码", **label)
    digits = facts.number
    shown = f"{digits[:6]}{digits[6:14]}    {digits[14:]}" if split_number else digits
    sheet.text(22, 43.6, shown, pt=10.5, style="mono", record=False)
    return cv2.cvtColor(np.asarray(sheet.image), cv2.COLOR_RGB2BGR)


def photographed(bgr: np.ndarray, rng: random.Random, blur: tuple[float, float] = (0.5, 1.0)) -> np.ndarray:
    """The page as a phone photo of it sees it: a slight turn, light falling off to one side, blur (a Gaussian
    radius drawn from `blur`, pixels), noise, JPEG."""
    height, width = bgr.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-0.8, 0.8), 1.0)
    out = cv2.warpAffine(bgr, turn, (width, height), borderValue=(245, 245, 240)).astype(np.float32)
    ramp = np.linspace(rng.uniform(0.78, 0.9), 1.0, width, dtype=np.float32)[None, :, None]
    out = out * (ramp if rng.random() < 0.5 else ramp[:, ::-1])
    out = out + np.random.default_rng(rng.randrange(2**32)).normal(0, 4, out.shape)
    image = Image.fromarray(cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_BGR2RGB))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(*blur)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=rng.randrange(70, 88))
    return cv2.cvtColor(np.asarray(Image.open(buffer)), cv2.COLOR_RGB2BGR)


def photographed_whole(form: np.ndarray, dpi: int, rng: random.Random) -> np.ndarray:
    """The form at the top of an A4 sheet, photographed whole on a desk by the generator's camera
    (tests/docgen/scene: perspective, a turn of up to 15°, uneven light, blur, JPEG), as a document camera
    sees a page from across the counter: at about 100 dpi its thin rules are a pixel or two wide."""
    sheet = np.full((round(297 / 25.4 * dpi), form.shape[1], 3), 255, np.uint8)
    sheet[: form.shape[0]] = form
    return photographed_page(Image.fromarray(cv2.cvtColor(sheet, cv2.COLOR_BGR2RGB)), rng)


def gray(bgr: np.ndarray) -> np.ndarray:
    """The grey image the engines read."""
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


@dataclass(frozen=True)
class Wear:
    """Damage to one printed character: `part` of its ink box ("top", "bottom", "left", "right", "band"
    across its middle, "blot" a round patch at its centre) wiped to paper, `share` of its size."""

    position: int  # index into the text
    part: str
    share: float


def typed_line(
    text: str, *, face: str = "sans", px: int = 30, wear: Wear | None = None, blur: float = 0.0
) -> np.ndarray:
    """A strip of paper with `text` printed on one line (BGR), one character worn if asked, then blurred
    by a Gaussian of `blur` pixels, as an ID number typed on a lease wears on a much-handled copy."""
    face_font = font(face, px)
    image = Image.new("L", (int(face_font.getlength(text)) + 2 * px, 2 * px + 20), 250)
    draw = ImageDraw.Draw(image)
    draw.text((px, 10 + px // 3), text, font=face_font, fill=30)
    pixels = np.asarray(image).copy()
    if wear is not None:
        x = px + face_font.getlength(text[: wear.position])
        left, top, right, bottom = (
            int(round(v)) for v in draw.textbbox((x, 10 + px // 3), text[wear.position], font=face_font)
        )
        _wipe(pixels, (left, top, right + 1, bottom + 1), wear)
    if blur:
        pixels = cv2.GaussianBlur(pixels, (0, 0), blur)
    return cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)


def _wipe(pixels: np.ndarray, box: tuple[int, int, int, int], wear: Wear) -> None:
    """Paint part of the ink box `box` (left, top, right, bottom) back to paper, as `wear` says."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    if wear.part == "top":
        pixels[top : top + int(height * wear.share), left:right] = 250
    elif wear.part == "bottom":
        pixels[bottom - int(height * wear.share) : bottom, left:right] = 250
    elif wear.part == "left":
        pixels[top:bottom, left : left + int(width * wear.share)] = 250
    elif wear.part == "right":
        pixels[top:bottom, right - int(width * wear.share) : right] = 250
    elif wear.part == "band":
        middle, half = (top + bottom) // 2, int(height * wear.share / 2)
        pixels[middle - half : middle + half, left:right] = 250
    elif wear.part == "blot":
        cv2.circle(pixels, ((left + right) // 2, (top + bottom) // 2), int(width * wear.share), 250, -1)
    else:
        raise ValueError(f"unknown wear: {wear.part}")


PARTY_KINDS = ("typed", "hand", "table")
_PARTY_FACES = ("serif", "sans", "ming", "zenhei", "kai")
_LEASE_CLAUSE = (
    "根据《中华人民共和国民法典》及有关规定，甲乙双方在平等、自愿、协商一致的基础上，就乙方承租甲方房屋事宜"
    "订立本合同。租赁期间，乙方应合理使用房屋及其附属设施，不得擅自改变房屋结构和用途。"
)
_LEASE_CLAUSE_2 = (
    "租赁期间发生的水、电、燃气、物业等费用由乙方承担；本合同一式两份，甲乙双方各执一份，自双方签字之日起生效。"
)


def party_page(rng: random.Random, kind: str) -> tuple[Image.Image, str, str]:
    """An A4 lease whose two parties' ID numbers are `kind` (PARTY_KINDS): "typed" in one of five faces at
    9–12 pt, some grouped 6-8-4; "hand": written on a rule in blue, black or pale ink; "table": in a
    ruled parties table. Returns the page (RGB), the tenant's number and the lessor's."""
    tenant, lessor = id_number(rng), id_number(rng)
    sheet = Sheet(210, 297)
    face, pt = rng.choice(_PARTY_FACES), rng.uniform(9, 12)
    sheet.centered(20, rng.choice(["房屋租赁合同", "房屋租赁协议", "租房合同"]), pt=rng.uniform(16, 22))
    y = 40.0
    label = rng.choice(ID_LABELS)
    for role, number in (("出租方（甲方）", lessor), ("承租方（乙方）", tenant)):
        name = person_name(rng)
        if kind == "typed":
            shown = number if rng.random() < 0.6 else f"{number[:6]} {number[6:14]} {number[14:]}"
            sheet.text(22, y, f"{role}：{name}    {label}：{shown}", pt=pt, style=face)
        elif kind == "hand":
            width = sheet.text(22, y, f"{role}：", pt=pt, style=face)
            sheet.handwrite(22 + width + 2, y - 1, name, rng=rng, pt=pt + 2)
            x = 95 + sheet.text(95, y, f"{label}：", pt=pt, style=face) + 1
            sheet.rule(x, y + pt * 0.45, 190, y + pt * 0.45, width_mm=0.2)
            ink = rng.choice([BLUE_INK, BLACK_INK, FAINT_INK])
            sheet.handwrite(x + 1, y - 1.5, number, rng=rng, pt=pt + rng.uniform(0, 3), ink=ink)
        y += 10
    if kind == "table":
        rows = [["出租方", person_name(rng), label, lessor], ["承租方", person_name(rng), label, tenant]]
        y = sheet.table(22, y, [30, 40, 30, 66], rows, pt=pt, style=face) + 6
    y = sheet.paragraph(22, y + 4, 166, _LEASE_CLAUSE, pt=pt, style=face) + 4
    sheet.paragraph(22, y, 166, _LEASE_CLAUSE_2, pt=pt, style=face)
    return sheet.image, tenant, lessor


def photographed_page(page: Image.Image, rng: random.Random, *, small: bool = False) -> np.ndarray:
    """A whole A4 page photographed on a desk by the generator's camera (BGR); `small`: from farther
    away, the page across 45–65% of the frame (about 70–100 dpi, 10-point text some 12 px high)."""
    options = varied_options(rng)
    if small:
        options = replace(options, fill=rng.uniform(0.45, 0.65))
    scene = photograph(page, options, rng)
    return cv2.imdecode(np.frombuffer(scene.jpeg, np.uint8), cv2.IMREAD_COLOR)

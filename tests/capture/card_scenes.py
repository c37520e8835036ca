"""Bank cards lying on a desk, drawn here with exact corners (test-only; tests/docgen draws documents).

A bank card is 85.6 × 54 mm (ISO/IEC 7810 ID-1) with corners rounded to a 3.18 mm radius, mostly
dark (navy, black, dark green) or metallic gold, with light embossed digits, a gold chip and a
light bank name. It lies on a wooden or a dark desk and fills a third to three fifths of the
frame's tighter side. The ground-truth corners are where the card's straight sides meet (the
rounded corners cut them off), which is what the page finder reports for any rectangle.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np
from docgen import SceneOptions
from docgen.scene import _background, _degrade, _illumination
from PIL import Image, ImageDraw, ImageFont

CARD_MM = (85.6, 54.0)
CORNER_RADIUS_MM = 3.18
PX_PER_MM = 12  # about 300 dpi: the card's print stays sharp after the camera's downscaling
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
CARD_COLOURS = {  # RGB of the card's face: the common dark designs and a metallic one
    "navy": (22, 38, 86),
    "black": (20, 20, 24),
    "dark_green": (16, 62, 44),
    "gold": (168, 136, 72),
}
DARK_DESK_BGR = (0.11, 0.11, 0.12)  # slate or black laminate, as a share of full scale
FRAME = (2592, 1944)  # a 5 MP document camera, as in tests/docgen


@dataclass
class CardScene:
    """A photographed card and the exact corners of its outline (TL, TR, BR, BL of the upright card)."""

    frame: np.ndarray  # BGR, decoded from the JPEG the camera would deliver
    corners: np.ndarray


def card_face(colour: str, rng: random.Random, band: bool = False) -> tuple[Image.Image, Image.Image]:
    """The card's upright face (RGB) and its rounded-corner coverage (L, 255 on the card); `band`: two-tone."""
    width, height = round(CARD_MM[0] * PX_PER_MM), round(CARD_MM[1] * PX_PER_MM)
    base = np.array(CARD_COLOURS[colour], np.float32)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    sheen = 1.0 + 0.18 * (x / width - 0.5) - 0.10 * (y / height - 0.5)  # printed or metallic gradient
    face = np.clip(base[None, None, :] * sheen[..., None], 0, 255).astype(np.uint8)
    image = Image.fromarray(face, "RGB")
    draw = ImageDraw.Draw(image)
    mm = PX_PER_MM
    if band:  # a two-tone design: a panel of another shade across part of the card
        left = rng.uniform(0.45, 0.7) * width
        shade = tuple(int(min(255, c * 1.8 + 20)) for c in CARD_COLOURS[colour])
        draw.polygon([(left, 0), (width, 0), (width, height), (left - 0.25 * height, height)], fill=shade)
    light = (225, 225, 220) if colour != "gold" else (250, 244, 226)
    for i in range(3):  # faint waves of the card's design
        phase = rng.uniform(0, math.tau)
        points = [
            (px, height * (0.55 + 0.08 * i) + 0.06 * height * math.sin(px / width * 5 + phase))
            for px in range(0, width, 8)
        ]
        draw.line(points, fill=tuple(int(c * 1.25) for c in CARD_COLOURS[colour]), width=max(2, mm // 3))
    draw.text(
        (6 * mm, 5 * mm),
        rng.choice(["CITY BANK", "UNION BANK", "CENTRAL SAVINGS"]),
        fill=light,
        font=ImageFont.truetype(SANS, round(4.2 * mm)),
    )
    chip = (9 * mm, 19 * mm, 21 * mm, 28 * mm)
    draw.rounded_rectangle(chip, radius=mm, fill=(214, 180, 96), outline=(150, 120, 60), width=2)
    for offset in (3, 6):
        draw.line([(chip[0], chip[1] + offset * mm), (chip[2], chip[1] + offset * mm)], fill=(150, 120, 60), width=2)
    digits = " ".join("".join(str(rng.randrange(10)) for _ in range(4)) for _ in range(4))
    embossed = ImageFont.truetype(MONO, round(5.2 * mm))
    draw.text((7 * mm + 3, 35 * mm + 3), digits, fill=(0, 0, 0), font=embossed)  # the raised digits' shadow
    draw.text((7 * mm, 35 * mm), digits, fill=light, font=embossed)
    small = ImageFont.truetype(MONO, round(3.0 * mm))
    draw.text((7 * mm, 44 * mm), f"VALID THRU {rng.randint(1, 12):02d}/{rng.randint(27, 33)}", fill=light, font=small)
    draw.ellipse((68 * mm, 40 * mm, 76 * mm, 48 * mm), fill=(200, 40, 40))  # a payment network's circles
    draw.ellipse((73 * mm, 40 * mm, 81 * mm, 48 * mm), fill=(240, 160, 30))
    coverage = Image.new("L", (width, height), 0)
    ImageDraw.Draw(coverage).rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=round(CORNER_RADIUS_MM * mm), fill=255
    )
    return image, coverage


def card_corners(fill: float, angle_deg: float, tilt: float, rng: random.Random) -> np.ndarray:
    """The card's corners in the frame: `fill` of the tighter side, turned `angle_deg` CCW, pulled by `tilt`."""
    width, height = FRAME
    long_mm, short_mm = CARD_MM
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    box_w, box_h = long_mm * abs(c) + short_mm * abs(s), long_mm * abs(s) + short_mm * abs(c)
    scale = fill * min(width / box_w, height / box_h)  # frame pixels per millimetre
    cx = width / 2 + rng.uniform(-0.4, 0.4) * (width - box_w * scale)
    cy = height / 2 + rng.uniform(-0.4, 0.4) * (height - box_h * scale)
    corners = []
    for x, y in (
        (-long_mm / 2, -short_mm / 2),
        (long_mm / 2, -short_mm / 2),
        (long_mm / 2, short_mm / 2),
        (-long_mm / 2, short_mm / 2),
    ):
        corners.append((cx + scale * (x * c + y * s), cy + scale * (-x * s + y * c)))
    quad = np.array(corners)
    size = float(np.linalg.norm(quad[2] - quad[0]))
    return quad + np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * tilt * size


def dark_desk(np_rng: np.random.Generator) -> np.ndarray:
    """A dark desk (slate, black laminate): a near-black surface with a faint mottle, float BGR 0..1."""
    width, height = FRAME
    mottle = cv2.resize(
        np_rng.normal(0, 0.06, (height // 48 + 1, width // 48 + 1)).astype(np.float32),
        (width, height),
        interpolation=cv2.INTER_CUBIC,
    )
    return np.clip((1.0 + mottle)[..., None] * np.float32(DARK_DESK_BGR), 0, 1)


def card_scene(
    seed: int,
    *,
    colour: str,
    desk: str,
    fill: float,
    angle_deg: float,
    tilt: float = 0.03,
    light: float = 0.25,
    band: bool = False,
) -> CardScene:
    """A card of `colour` photographed on `desk` ("dark", or a desk of tests/docgen: "wood", "grey", "green")."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    face, coverage = card_face(colour, rng, band)
    corners = card_corners(fill, angle_deg, tilt, rng)
    width, height = FRAME
    source = np.float32([[0, 0], [face.width, 0], [face.width, face.height], [0, face.height]])
    homography = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    frame = dark_desk(np_rng) if desk == "dark" else _background(desk, width, height, np_rng)
    alpha = cv2.warpPerspective(np.asarray(coverage, np.float32) / 255.0, homography, (width, height))
    shadow = cv2.GaussianBlur(cv2.warpAffine(alpha, np.float32([[1, 0, 6], [0, 1, 8]]), (width, height)), (0, 0), 6)
    frame *= (1 - 0.4 * shadow)[..., None]  # the card's soft shadow on the desk
    card = np.asarray(face, np.float32)[:, :, ::-1] / 255.0
    warped = cv2.warpPerspective(
        card, homography, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    frame = frame * (1 - alpha[..., None]) + warped * alpha[..., None]
    options = SceneOptions(light=light, exposure=0.95, blur_sigma=0.7, noise_sigma=3.0)
    frame *= _illumination(width, height, options, rng)[..., None]
    frame = _degrade(frame, options, np_rng)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return CardScene(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), corners)

"""Small synthetic images with exact ground truth, drawn in the test itself (no corpus needed)."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
LINES = [
    "大连市住房公积金提取申请表",
    "姓名 张伟 公民身份号码 11010519491231002X",
    "本人承诺所提供的材料和信息真实准确完整",
    "提取金额 ¥12800.00 元 日期 2026年08月20日",
    "The quick brown fox jumps over the lazy dog",
    "如有虚假愿意承担相应的法律责任并退回所提取",
    "单位意见 情况属实 同意提取 单位盖章",
]


def text_page(width: int = 1240, height: int = 1754, lines: list[str] | None = None, size: int = 34) -> np.ndarray:
    """A white A4 page at 150 dpi with lines of Chinese and English text (grey, BGR)."""
    page = Image.new("RGB", (width, height), (252, 252, 250))
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, size)
    y = 120
    for i in range(3):
        for line in lines or LINES:
            draw.text((110, y), line, fill=(20, 20, 20), font=font)
            y += int(size * 1.9)
        y += size
        del i
    return cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)


def table_page(width: int = 1240, height: int = 1754) -> np.ndarray:
    """A form: a ruled table with only a few words in it."""
    page = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 30)
    for row in range(9):
        y = 200 + row * 110
        draw.line([(100, y), (width - 100, y)], fill=(0, 0, 0), width=3)
    for x in (100, 420, 760, width - 100):
        draw.line([(x, 200), (x, 200 + 8 * 110)], fill=(0, 0, 0), width=3)
    for row, word in enumerate(["姓名", "性别", "住址", "日期"]):
        draw.text((130, 235 + row * 220), word, fill=(0, 0, 0), font=font)
    return cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)


def turn_content(image: np.ndarray, correction_deg: float, border: int = 255) -> np.ndarray:
    """`image` with its content turned clockwise so that `correction_deg` (CCW) levels it again."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -correction_deg, 1.0)
    value = (border,) * 3 if image.ndim == 3 else border
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=value)


def on_desk(
    page: np.ndarray,
    corners: np.ndarray,
    size: tuple[int, int] = (2400, 1800),
    seed: int = 0,
    desk: tuple[int, int, int] = (70, 100, 140),
) -> np.ndarray:
    """`page` warped onto a textured desk so that its corners (TL, TR, BR, BL) land on `corners`."""
    width, height = size
    rng = np.random.default_rng(seed)
    frame = np.empty((height, width, 3), np.float32)
    frame[:] = desk
    frame += cv2.resize(rng.normal(0, 12, (height // 40, width // 40, 3)).astype(np.float32), (width, height))
    ph, pw = page.shape[:2]
    source = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    homography = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    warped = cv2.warpPerspective(page.astype(np.float32), homography, (width, height))
    alpha = cv2.warpPerspective(np.ones((ph, pw), np.float32), homography, (width, height))[..., None]
    frame = frame * (1 - alpha) + warped * alpha
    frame += rng.normal(0, 2.0, frame.shape)
    return np.clip(frame, 0, 255).astype(np.uint8)


def corner_error(found: np.ndarray, truth: np.ndarray, shape: tuple[int, ...]) -> float:
    """Mean corner distance over the image diagonal."""
    diagonal = float(np.hypot(shape[0], shape[1]))
    return float(np.linalg.norm(np.asarray(found) - np.asarray(truth), axis=1).mean() / diagonal)

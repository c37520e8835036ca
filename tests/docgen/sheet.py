"""A sheet of paper to draw a document on, which remembers every text line it prints (the ground truth).

Lengths are in millimetres so templates read like the paper they imitate; `dpi` decides the pixels.
Fonts are Debian's Noto CJK (Simplified Chinese faces of the .ttc collections); the held-out templates
also use AR PL UKai (楷体, for handwriting-like fills), AR PL UMing and WenQuanYi Zen Hei
(fonts-arphic-ukai, fonts-arphic-uming, fonts-wqy-zenhei), falling back to a Noto face where missing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

_SC = 2  # faces of a Noto CJK collection: JP, KR, SC, TC, HK; we want Simplified Chinese
_FONT_FILES = {
    "sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", _SC),
    "sans-bold": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", _SC),
    "serif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", _SC),
    "serif-bold": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", _SC),
    "mono": ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0),  # ID numbers, like OCR-B
    "latin": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
    "latin-bold": ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    "kai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),  # AR PL UKai CN: 楷体, the hand of form fillers
    "ming": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # AR PL UMing CN: another 宋体
    "zenhei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # WenQuanYi Zen Hei: another 黑体
}
# where an optional face is not installed, the nearest Noto face stands in (same text, other shapes)
_FALLBACK = {"kai": "serif", "ming": "serif", "zenhei": "sans"}
INK = (25, 25, 30)
SEAL_RED = (214, 40, 40)
BLUE_INK = (30, 55, 150)  # ballpoint pens at a counter: blue or black
BLACK_INK = (35, 35, 42)
MM_PER_INCH = 25.4
PT_PER_INCH = 72.0


@lru_cache(maxsize=256)
def font(style: str, px: int) -> ImageFont.FreeTypeFont:
    """The face `style` at `px` pixels: sans, sans-bold, serif, serif-bold (Noto CJK SC); mono, latin,
    latin-bold (DejaVu); kai, ming, zenhei (AR PL UKai, AR PL UMing, WenQuanYi; Noto where missing)."""
    path, index = _FONT_FILES[style]
    if not Path(path).exists():
        if style in _FALLBACK:
            return font(_FALLBACK[style], px)
        raise FileNotFoundError(f"font missing: {path} (Debian packages fonts-noto-cjk, fonts-dejavu-core)")
    return ImageFont.truetype(path, px, index=index)


def installed(style: str) -> bool:
    """True when the face of `style` itself is installed (not a fallback standing in for it)."""
    return Path(_FONT_FILES[style][0]).exists()


@lru_cache(maxsize=4096)
def has_glyph(style: str, char: str) -> bool:
    """True when the face of `style` draws `char` itself rather than its missing-glyph box."""
    face = font(style, 48)

    def bitmap(text: str) -> bytes:
        mask = face.getmask(text)
        return bytes(mask) + bytes(mask.size)

    # a private-use code point no face here draws: its bitmap is the face's missing-glyph box
    return char.isspace() or bitmap(char) != bitmap("\U0010fffd")


@dataclass
class Sheet:
    """A white page `width_mm` × `height_mm` rendered at `dpi`, collecting printed lines in reading order."""

    width_mm: float
    height_mm: float
    dpi: int = 200
    paper: tuple[int, int, int] = (250, 250, 246)
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.image = Image.new("RGB", (self.px(self.width_mm), self.px(self.height_mm)), self.paper)
        self.draw = ImageDraw.Draw(self.image)

    def px(self, mm: float) -> int:
        """Millimetres to pixels at this sheet's resolution."""
        return round(mm * self.dpi / MM_PER_INCH)

    def font_px(self, pt: float) -> int:
        """Font size in points to pixels."""
        return round(pt * self.dpi / PT_PER_INCH)

    def text(
        self,
        x_mm: float,
        y_mm: float,
        text: str,
        *,
        pt: float = 10.5,
        style: str = "serif",
        fill: tuple[int, int, int] = INK,
        record: bool = True,
        anchor: str = "la",
    ) -> float:
        """Print `text` at (x, y) mm (top-left unless `anchor` says otherwise); returns its width in mm."""
        face = font(style, self.font_px(pt))
        self.draw.text((self.px(x_mm), self.px(y_mm)), text, font=face, fill=fill, anchor=anchor)
        if record:
            self.lines.append(text)
        return self.width_of(text, pt=pt, style=style)

    def record(self, line: str) -> None:
        """Add a ground-truth line printed in pieces (label and value drawn separately)."""
        self.lines.append(line)

    def centered(
        self, y_mm: float, text: str, *, pt: float, style: str = "serif-bold", fill: tuple[int, int, int] = INK
    ) -> None:
        """Print `text` centred horizontally on the sheet."""
        self.text(self.width_mm / 2, y_mm, text, pt=pt, style=style, fill=fill, anchor="ma")

    def width_of(self, text: str, *, pt: float, style: str = "serif") -> float:
        """Printed width of `text` in mm."""
        return font(style, self.font_px(pt)).getlength(text) * MM_PER_INCH / self.dpi

    def paragraph(
        self,
        x_mm: float,
        y_mm: float,
        width_mm: float,
        text: str,
        *,
        pt: float = 10.5,
        style: str = "serif",
        leading: float = 1.7,
        indent_chars: int = 2,
    ) -> float:
        """Print `text` wrapped to `width_mm` with a first-line indent; returns the y below it (mm)."""
        line_mm = pt * MM_PER_INCH / PT_PER_INCH * leading
        indent = self.width_of("中" * indent_chars, pt=pt, style=style)
        for i, line in enumerate(self.wrap(text, width_mm - indent, width_mm, pt=pt, style=style)):
            self.text(x_mm + (indent if i == 0 else 0), y_mm, line, pt=pt, style=style)
            y_mm += line_mm
        return y_mm

    def wrap(self, text: str, first_mm: float, rest_mm: float, *, pt: float, style: str) -> list[str]:
        """Break `text` into lines no wider than `first_mm` (first line) and `rest_mm` (the others)."""
        lines, current = [], ""
        for char in text:
            limit = first_mm if not lines else rest_mm
            if current and self.width_of(current + char, pt=pt, style=style) > limit:
                lines.append(current)
                current = char.lstrip()
            else:
                current += char
        return lines + ([current] if current else [])

    def rule(
        self,
        x0_mm: float,
        y0_mm: float,
        x1_mm: float,
        y1_mm: float,
        *,
        width_mm: float = 0.3,
        fill: tuple[int, int, int] = INK,
    ) -> None:
        """A straight line (table rule, underline)."""
        self.draw.line(
            [(self.px(x0_mm), self.px(y0_mm)), (self.px(x1_mm), self.px(y1_mm))],
            fill=fill,
            width=max(1, self.px(width_mm)),
        )

    def box(
        self,
        x_mm: float,
        y_mm: float,
        w_mm: float,
        h_mm: float,
        *,
        width_mm: float = 0.3,
        outline: tuple[int, int, int] = INK,
        fill: tuple[int, int, int] | None = None,
    ) -> None:
        """A rectangle (check box, photo frame, border)."""
        self.draw.rectangle(
            [self.px(x_mm), self.px(y_mm), self.px(x_mm + w_mm), self.px(y_mm + h_mm)],
            outline=outline,
            fill=fill,
            width=max(1, self.px(width_mm)),
        )

    def table(
        self,
        x_mm: float,
        y_mm: float,
        col_mm: list[float],
        rows: list[list[str]],
        *,
        row_mm: float = 10.0,
        pt: float = 10.5,
        style: str = "sans",
    ) -> float:
        """A ruled table; a row with fewer cells than columns lets its last cell span the rest.

        Each row is recorded as one ground-truth line (its non-empty cells joined by spaces), which is
        the reading order of a table. Returns the y below the table (mm).
        """
        right = x_mm + sum(col_mm)
        for r, row in enumerate(rows):
            top = y_mm + r * row_mm
            widths = [*col_mm[: len(row) - 1], sum(col_mm[len(row) - 1 :])]
            self.rule(x_mm, top, right, top)
            x = x_mm
            for width, cell in zip(widths, row):
                self.rule(x, top, x, top + row_mm)
                if cell:
                    self.text(x + 1.5, top + row_mm / 2, cell, pt=pt, style=style, anchor="lm", record=False)
                x += width
            self.rule(right, top, right, top + row_mm)
            self.record(" ".join(cell for cell in row if cell))
        bottom = y_mm + len(rows) * row_mm
        self.rule(x_mm, bottom, right, bottom)
        return bottom

    def handwrite(
        self,
        x_mm: float,
        y_mm: float,
        text: str,
        *,
        rng: random.Random,
        pt: float = 12.0,
        ink: tuple[int, int, int] = BLUE_INK,
        style: str = "kai",
        record: bool = True,
    ) -> float:
        """Write `text` as a hand fills a form: each character a little turned, scaled, lifted or dropped
        off the baseline and spaced unevenly, in pen ink. (x, y) is the top-left like `text`; returns
        the width written in mm. A character the face lacks is written in Noto serif."""
        size = self.font_px(pt)
        x = float(self.px(x_mm))
        for char in text:
            if char.isspace():
                x += size * rng.uniform(0.3, 0.5)
                continue
            px = max(6, round(size * rng.uniform(0.9, 1.1)))
            face = font(style if has_glyph(style, char) else "serif", px)
            advance = face.getlength(char)
            glyph = Image.new("L", (2 * px, 2 * px), 0)
            ImageDraw.Draw(glyph).text((px, px), char, font=face, fill=round(255 * rng.uniform(0.8, 1.0)), anchor="mm")
            glyph = glyph.rotate(rng.uniform(-6, 6), resample=Image.BICUBIC)
            cx = x + advance / 2 + rng.uniform(-0.04, 0.04) * size
            cy = self.px(y_mm) + size * 0.55 + rng.uniform(-0.08, 0.08) * size
            self.image.paste(ink, (round(cx - px), round(cy - px), round(cx + px), round(cy + px)), glyph)
            x += advance * rng.uniform(0.96, 1.12)
        if record:
            self.lines.append(text)
        return (x - self.px(x_mm)) * MM_PER_INCH / self.dpi

    def digit_boxes(
        self,
        x_mm: float,
        y_mm: float,
        text: str,
        *,
        cell_mm: float = 5.5,
        height_mm: float = 7.0,
        pt: float = 12.0,
        rng: random.Random | None = None,
        ink: tuple[int, int, int] = BLUE_INK,
    ) -> float:
        """One character per ruled cell, as forms ask for ID numbers; handwritten when `rng` is given,
        printed otherwise. Not recorded (the caller records the whole line). Returns the right edge (mm)."""
        for i, char in enumerate(text):
            left = x_mm + i * cell_mm
            self.box(left, y_mm, cell_mm, height_mm, width_mm=0.25)
            if rng is None:
                self.text(
                    left + cell_mm / 2, y_mm + height_mm / 2, char, pt=pt, style="sans", anchor="mm", record=False
                )
                continue
            width = self.width_of(char, pt=pt, style="kai")
            self.handwrite(
                left + (cell_mm - width) / 2 + rng.uniform(-0.4, 0.4),
                y_mm + (height_mm - pt * MM_PER_INCH / PT_PER_INCH) / 2 + rng.uniform(-0.5, 0.3),
                char,
                rng=rng,
                pt=pt,
                ink=ink,
                record=False,
            )
        return x_mm + len(text) * cell_mm

    def seal(
        self,
        cx_mm: float,
        cy_mm: float,
        radius_mm: float,
        ring_text: str,
        centre_text: str = "",
        *,
        strength: float = 1.0,
    ) -> None:
        """A round red seal: ring, five-pointed star, `ring_text` along the upper arc, `centre_text` below.

        Drawn on a separate layer and multiplied onto the page, as stamp ink darkens what is under it;
        `strength` below 1 inks it more lightly.
        Seal text is not recorded as a ground-truth line: it is curved and overprinted, and no OCR reads it.
        """
        size = self.px(radius_mm * 2) + 8
        layer = Image.new("RGB", (size, size), (255, 255, 255))
        pen = ImageDraw.Draw(layer)
        c, r = size / 2, self.px(radius_mm)
        pen.ellipse([c - r, c - r, c + r, c + r], outline=SEAL_RED, width=max(2, self.px(1.0)))
        star = [
            (
                c + r * 0.28 * math.sin(math.radians(a * 36)) * (1 if a % 2 == 0 else 0.4),
                c - r * 0.28 * math.cos(math.radians(a * 36)) * (1 if a % 2 == 0 else 0.4),
            )
            for a in range(10)
        ]
        pen.polygon(star, fill=SEAL_RED)
        self._ring_text(layer, c, r * 0.72, ring_text)
        if centre_text:
            face = font("sans-bold", max(8, int(r * 0.22)))
            pen.text((c, c + r * 0.55), centre_text, font=face, fill=SEAL_RED, anchor="mm")
        if strength < 1.0:  # a lightly inked stamp: paler red, the print under it shows through more
            layer = Image.blend(Image.new("RGB", layer.size, (255, 255, 255)), layer, strength)
        x0, y0 = self.px(cx_mm) - size // 2, self.px(cy_mm) - size // 2
        under = self.image.crop((x0, y0, x0 + size, y0 + size))
        self.image.paste(_multiply(under, layer), (x0, y0))

    def _ring_text(self, layer: Image.Image, c: float, radius: float, text: str) -> None:
        """Characters of `text` spread over the upper 240° arc, each turned to face the centre."""
        span = 240.0
        step = span / max(1, len(text) - 1) if len(text) > 1 else 0.0
        face = font("sans-bold", max(8, int(radius * 0.36)))
        for i, char in enumerate(text):
            angle = -span / 2 + i * step  # degrees clockwise from 12 o'clock
            glyph = Image.new("RGBA", (int(radius * 0.6), int(radius * 0.6)), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), char, font=face, fill=SEAL_RED, anchor="mm")
            glyph = glyph.rotate(-angle, resample=Image.BICUBIC)
            gx = c + radius * math.sin(math.radians(angle)) - glyph.width / 2
            gy = c - radius * math.cos(math.radians(angle)) - glyph.height / 2
            layer.paste(glyph, (round(gx), round(gy)), glyph)


def _multiply(base: Image.Image, ink: Image.Image) -> Image.Image:
    """Multiply blend: white ink leaves `base` unchanged, red ink darkens it."""
    return ImageChops.multiply(base, ink)

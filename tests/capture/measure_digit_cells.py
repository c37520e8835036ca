"""How many ID numbers the per-digit box reader alone reads on measure_id_fields' forms, and how many wrong.

Quicker than measure_id_fields (no page OCR: the label's box comes from the form's layout), so the cell
reading and its repair can be compared on many forms. Run from the repository root:

    PYTHONPATH=. .venv/bin/python -m tests.capture.measure_digit_cells --forms 40 [--hard] [--seed 7000] [-v]

A measurement, not a test.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date

from desk.capture import digit_boxes
from tests.capture import id_pages, measure_id_fields
from tests.docgen.sheet import Sheet

TODAY = date(2026, 12, 6)
_LABEL_PT = 11
# where boxed_form puts the ID row's top (mm): below the name line, or the third row of its table
_ROW_TOP_MM, _TABLE_ROW_TOP_MM = 39.0, 50.0


def label_box(style: id_pages.BoxStyle) -> tuple[int, int, int, int]:
    """The pixel box of the ID label boxed_form prints for `style` (as the engine would find it)."""
    sheet = Sheet(210, 120, dpi=style.dpi)
    text = style.label if style.in_table else style.label + "："
    left = 17.0 if style.in_table else 15.0
    top = _TABLE_ROW_TOP_MM if style.in_table else _ROW_TOP_MM
    height = sheet.font_px(_LABEL_PT)
    centre = sheet.px(top + style.height_mm / 2)
    return sheet.px(left), centre - height // 2, sheet.px(sheet.width_of(text, pt=_LABEL_PT, style="sans")), height


def measure(count: int, seed: int, hard: bool, verbose: bool) -> None:
    """Read the cells of `count` forms (the pages measure_id_fields draws for these seeds) and tally."""
    right = wrong = 0
    started = time.perf_counter()
    for index in range(count):
        rng = random.Random(seed + index)
        number = id_pages.id_number(rng)
        style = measure_id_fields.form_style(rng, hard)
        page = id_pages.boxed_form(number, style, rng)
        if hard:
            page = id_pages.photographed(page, rng, blur=(1.0, 1.8))
        elif index % 2:
            page = id_pages.photographed(page, rng)
        gray = id_pages.gray(page)
        row = digit_boxes.find_cell_row(gray, label_box(style))
        readings = digit_boxes.read_cells(gray, row) if row is not None else []
        found = digit_boxes.id_from_cells(readings, TODAY)
        value = found["value"] if found else None
        right += value == number
        wrong += value is not None and value != number
        if verbose and value != number:
            raw = "".join(r.char for r in readings)
            print(f"  form-{index} {'WRONG' if value else 'miss'}: {number} read {raw} ({style})")
    seconds = (time.perf_counter() - started) / max(count, 1)
    print(f"{'hard' if hard else 'ordinary'} forms: right {right}/{count}, wrong {wrong}, {seconds:.1f} s a form")


def main() -> None:
    """Parse the arguments and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7000)
    parser.add_argument("--hard", action="store_true", help="pale writing, photographed out of focus")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each miss")
    args = parser.parse_args()
    measure(args.forms, args.seed, args.hard, args.verbose)


if __name__ == "__main__":
    main()

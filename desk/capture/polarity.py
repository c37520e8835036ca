"""Which way the print contrasts with its ground: dark ink on paper, or light print on a dark card.

Ink finding (skew, orientation) looks for marks darker than their surroundings. A bank card's
digits, name and chip are lighter than its navy, black or gold ground; turned into a negative,
the card reads like paper.
"""

from __future__ import annotations

import numpy as np

_MARK_STEP = 24  # grey levels from the ground's median that make a pixel a mark rather than the ground
_SAMPLE_STEP = 4  # look at every fourth pixel each way: the share of marks needs no more


def dark_on_light(gray: np.ndarray) -> np.ndarray:
    """`gray` itself when its marks are darker than the ground, else its negative."""
    sample = gray[::_SAMPLE_STEP, ::_SAMPLE_STEP]
    ground = float(np.median(sample))
    lighter = int(np.count_nonzero(sample > ground + _MARK_STEP))
    darker = int(np.count_nonzero(sample < ground - _MARK_STEP))
    return 255 - gray if lighter > darker else gray

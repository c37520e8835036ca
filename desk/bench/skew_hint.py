"""What the `deskew` package's Hough hint buys the skew estimate: the same pages levelled with and without it.

The hint (desk/capture/skew.py) is a second starting point for the fine search. On ordinary pages
the coarse projection scan already starts it in the right place and the angles come out identical;
a card with few short lines of print, lying turned on the desk, is where the coarse scan can peak
at a wrong angle. So the pages are the card scenes of tests/capture/card_scenes.py (dark and gold
bank cards on dark and wooden desks, at every cardinal turn): each is found, flattened and levelled
as the pipeline does, and its outline's sides are level, so any angle left is the estimate's error.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from desk.bench.materials import load_docgen
from desk.bench.metrics import Summary, angle_error
from desk.capture import page_detection, perspective, skew

# (seed, colour, desk) of the card scenes; each lies at every cardinal turn, 5° off it
_SCENES = ((700, "navy", "wood"), (701, "black", "dark"), (702, "dark_green", "dark"), (703, "gold", "wood"))
_TURNS = (0, 90, 180, 270)
_OFF_CARDINAL_DEG = 5.0
_FILL = 0.5  # of the frame's tighter side: a card at the document camera's distance
_FLAT_DPI = 300.0  # CaptureOptions' default resolution of a flattened page


@dataclass
class SkewHint:
    """Skew errors (degrees) of the same pages levelled with and without the hint, and seconds per page."""

    with_hint: list[float] = field(default_factory=list)
    without_hint: list[float] = field(default_factory=list)
    seconds_with: float = 0.0
    seconds_without: float = 0.0

    @property
    def pages(self) -> int:
        """How many pages were levelled both ways."""
        return len(self.with_hint)

    def summaries(self) -> tuple[Summary, Summary]:
        """Mean and max error with the hint, then without it."""
        return Summary.of(self.with_hint), Summary.of(self.without_hint)


def measure() -> SkewHint:
    """Level every card scene with and without the hint; the error is the angle left on a level outline."""
    load_docgen()  # puts tests/ on the path: the card scenes draw their desks with the generator's
    card_scene = importlib.import_module("capture.card_scenes").card_scene
    result = SkewHint()
    for seed, colour, desk in _SCENES:
        for turn in _TURNS:
            scene = card_scene(seed, colour=colour, desk=desk, fill=_FILL, angle_deg=turn + _OFF_CARDINAL_DEG)
            gray = _flattened(scene.frame)
            for hint, errors in ((True, result.with_hint), (False, result.without_hint)):
                began = time.perf_counter()
                errors.append(angle_error(skew.estimate_skew(gray, hough_hint=hint), 0.0))
                seconds = time.perf_counter() - began
                if hint:
                    result.seconds_with += seconds / (len(_SCENES) * len(_TURNS))
                else:
                    result.seconds_without += seconds / (len(_SCENES) * len(_TURNS))
    return result


def _flattened(bgr: np.ndarray) -> np.ndarray:
    """The grey page as the pipeline levels it: found and flattened (the frame itself when not found)."""
    outline = page_detection.detect_page(bgr)
    flat = perspective.flatten(bgr, outline.corners, _FLAT_DPI) if outline.found else bgr
    return cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)

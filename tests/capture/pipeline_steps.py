"""The capture steps before OCR, called one by one in the order of pipeline.process_page."""

from __future__ import annotations

import cv2
import numpy as np

from desk.capture import engine_tesseract, orientation, page_detection, perspective, skew

FLAT_DPI = 300  # CaptureOptions' default resolution of a flattened page


def upright_and_level(
    bgr: np.ndarray, languages: str = "eng", engine: str = engine_tesseract.NAME
) -> tuple[np.ndarray, int, float]:
    """The upright grey page, the clockwise turn that uprighted it and the total skew correction (degrees
    CCW); `engine` reads the strip that tells a page from its 180° turn."""
    outline = page_detection.detect_page(bgr)
    flat = perspective.flatten(bgr, outline.corners, FLAT_DPI) if outline.found else bgr
    gray = cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)
    residual = skew.estimate_skew(gray)
    gray = skew.rotate(gray, residual)
    turn = orientation.detect_orientation(gray, languages=languages, timeout_s=60, engine=engine)
    upright = orientation.turn_clockwise(gray, turn.rotation)
    if turn.rotation in (90, 270):
        across = skew.estimate_skew(upright, limit_deg=2.0)
        residual += across
        upright = skew.rotate(upright, across)
    return upright, turn.rotation, residual

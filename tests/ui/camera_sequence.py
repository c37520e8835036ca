"""A Y4M video for Chromium's fake camera that shows pages coming and going on a desk: an empty desk,
page A sliding in from the right and lying still, A sliding out to the left while page B slides in,
then B lying still. Pages are generated documents (tests/docgen) photographed on a desk; each is
cut out along its exact corners and laid on one empty desk at each frame's offset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from docgen import SceneOptions, make_sample
from docgen.scene import _background

FPS = 4
SIZE = (1600, 1200)  # width, height: a smaller frame than a 5 MP camera's, to keep the file near 300 MB


@dataclass(frozen=True)
class Timeline:
    """Seconds from the start of the video: when each page lies still (whole and unmoving)."""

    a_still: float
    b_still: float
    end: float


def _layer(seed: int, doc_type: str) -> tuple[np.ndarray, np.ndarray]:
    """A generated page photo at SIZE and its mask (255 on the page)."""
    sample = make_sample(seed, doc_type, SceneOptions(angle_deg=3.0, fill=0.72, tilt=0.02, background="wood"))
    scale = SIZE[0] / sample.scene.size[0]
    photo = cv2.resize(sample.decode(), SIZE, interpolation=cv2.INTER_AREA)
    mask = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(sample.corners * scale).astype(np.int32), 255)
    return photo, mask


def _lay(desk: np.ndarray, layer: tuple[np.ndarray, np.ndarray], dx: float) -> np.ndarray:
    photo, mask = layer
    shift = np.float32([[1, 0, dx], [0, 1, 0]])
    moved = cv2.warpAffine(photo, shift, SIZE)
    alpha = cv2.warpAffine(mask, shift, SIZE).astype(np.float32)[..., None] / 255.0
    return (desk * (1 - alpha) + moved * alpha).astype(np.uint8)


def write_sequence(path: Path, *, empty_s: float = 2.0, slide_s: float = 1.0, a_s: float = 8.0,
                   swap_s: float = 1.5, b_s: float = 14.0) -> Timeline:
    """Write the video to `path`; returns when each page lies still."""
    width, height = SIZE
    desk = (_background("wood", width, height, np.random.default_rng(3)) * 235).astype(np.uint8)
    a, b = _layer(61, "lease"), _layer(62, "application_form")
    frames: list[tuple[np.ndarray, float]] = []  # (frame, seconds it shows)

    def hold(image: np.ndarray, seconds: float) -> None:
        frames.append((image, seconds))

    hold(desk, empty_s)
    steps = max(1, round(slide_s * FPS))
    for k in range(1, steps + 1):
        hold(_lay(desk, a, width * (1 - k / steps)), 1 / FPS)
    hold(_lay(desk, a, 0), a_s)
    steps = max(1, round(swap_s * FPS))
    for k in range(1, steps + 1):
        half = steps / 2
        hold(_lay(desk, a, -width * k / half) if k <= half else _lay(desk, b, width * (1 - (k - half) / half)),
             1 / FPS)
    hold(_lay(desk, b, 0), b_s)
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for image, seconds in frames:
            yuv = cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420).tobytes()
            for _ in range(max(1, round(seconds * FPS))):
                fh.write(b"FRAME\n")
                fh.write(yuv)
    a_still = empty_s + slide_s
    b_still = a_still + a_s + swap_s
    return Timeline(a_still, b_still, b_still + b_s)

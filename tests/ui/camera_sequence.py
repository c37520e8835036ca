"""A Y4M video for Chromium's fake camera that shows pages coming and going on a desk: an empty desk,
page A sliding in from the right (cut off at the frame's edge at every step) and lying still, A
sliding out to the left, the empty desk, page B sliding in and lying still, then the empty desk again.
Pages are generated documents (tests/docgen) photographed on a desk; each is cut out along its exact
corners and laid on one empty desk at each step's offset.

Y4M is uncompressed (a 960×720 frame is 1 MB), so the frame rate is low and a stretch where nothing
moves is one frame repeated: the file stays near 40 MB. Chromium plays it in a loop and, on a busy
machine, slower than its frame rate: tests follow the order of what the page shows, not seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from docgen import SceneOptions, make_sample
from docgen.scene import _background

FPS = 1
SIZE = (960, 720)  # width, height: enough for the pipeline to read a page's type, small to write and play
PAGES = {"a": (61, "lease"), "b": (62, "application_form")}  # docgen seed and document type
CUT_OFF_SHARES = (0.5, 0.3, 0.12)  # while sliding, this share of the page's width is outside the frame


@dataclass(frozen=True)
class Layer:
    """A generated page photo at SIZE, its mask (255 on the page) and the page's span across the frame."""

    photo: np.ndarray
    mask: np.ndarray
    left: float
    right: float


def _layer(seed: int, doc_type: str) -> Layer:
    sample = make_sample(seed, doc_type, SceneOptions(angle_deg=3.0, fill=0.72, tilt=0.02, background="wood"))
    scale = SIZE[0] / sample.scene.size[0]
    photo = cv2.resize(sample.decode(), SIZE, interpolation=cv2.INTER_AREA)
    corners = sample.corners * scale
    mask = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 255)
    return Layer(photo, mask, float(corners[:, 0].min()), float(corners[:, 0].max()))


def _lay(desk: np.ndarray, layer: Layer, dx: float) -> np.ndarray:
    shift = np.float32([[1, 0, dx], [0, 1, 0]])
    moved = cv2.warpAffine(layer.photo, shift, SIZE)
    alpha = cv2.warpAffine(layer.mask, shift, SIZE).astype(np.float32)[..., None] / 255.0
    return (desk * (1 - alpha) + moved * alpha).astype(np.uint8)


def _cut_off_right(layer: Layer, share: float) -> float:
    """The shift that leaves `share` of the page's width beyond the frame's right edge."""
    return SIZE[0] - layer.right + share * (layer.right - layer.left)


def _cut_off_left(layer: Layer, share: float) -> float:
    return -layer.left - share * (layer.right - layer.left)


def write_sequence(
    path: Path,
    *,
    empty_s: float = 2.0,
    step_s: float = 1.0,
    still_s: float = 12.0,
    gap_s: float = 1.0,
    tail_s: float = 3.0,
) -> int:
    """Write the video to `path`; returns its size in bytes."""
    width, height = SIZE
    desk = (_background("wood", width, height, np.random.default_rng(3)) * 235).astype(np.uint8)
    a, b = (_layer(*PAGES[key]) for key in ("a", "b"))
    frames: list[tuple[np.ndarray, float]] = [(desk, empty_s)]  # (frame, seconds it shows)
    frames += [(_lay(desk, a, _cut_off_right(a, share)), step_s) for share in CUT_OFF_SHARES]
    frames.append((_lay(desk, a, 0), still_s))
    frames += [(_lay(desk, a, _cut_off_left(a, share)), step_s) for share in reversed(CUT_OFF_SHARES[:2])]
    frames.append((desk, gap_s))
    frames += [(_lay(desk, b, _cut_off_right(b, share)), step_s) for share in CUT_OFF_SHARES[1:]]
    frames += [(_lay(desk, b, 0), still_s), (desk, tail_s)]
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for image, seconds in frames:
            yuv = cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420).tobytes()
            for _ in range(max(1, round(seconds * FPS))):
                fh.write(b"FRAME\n")
                fh.write(yuv)
    return path.stat().st_size

"""Synthetic counter documents photographed on a desk, with exact ground truth.

    from docgen import generate          # tests (tests/ is on sys.path)
    samples = generate(seed=7, n=12)     # camera photos; generate(7, 6, flat=True) for flat scans

Each `Sample` holds the encoded photo and what is exactly known about it: the page corners,
the cardinal turn and residual skew, the printed text in reading order, the document type and
the fields. The same seed gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .documents import TEMPLATES, Document, render
from .ids import is_valid_id
from .scene import CARDINALS, Scene, SceneOptions, photograph, random_options

__all__ = ["Sample", "generate", "make_sample", "random_options", "TEMPLATES", "SceneOptions", "is_valid_id"]


@dataclass
class Sample:
    """One generated photo or scan and its ground truth."""

    name: str
    document: Document
    scene: Scene
    options: SceneOptions

    @property
    def data(self) -> bytes:
        """The encoded image (JPEG), as a camera or scanner would deliver it."""
        return self.scene.jpeg

    @property
    def corners(self) -> np.ndarray:
        """Page corners in image pixels, clockwise from the top-left of the upright page (4×2)."""
        return self.scene.corners

    @property
    def turned_deg(self) -> int:
        """How far the page is turned counter-clockwise in the image: 0, 90, 180 or 270."""
        return self.scene.turned_deg

    @property
    def skew_deg(self) -> float:
        """Counter-clockwise rotation that makes the text lines horizontal once the page is upright."""
        return self.scene.skew_deg

    @property
    def doc_type(self) -> str:
        """The document type code (a key of TEMPLATES)."""
        return self.document.doc_type

    @property
    def text(self) -> str:
        """The printed text, one line per printed line, in reading order."""
        return self.document.text

    @property
    def fields(self) -> dict[str, str]:
        """The fields printed on the page (id_number, name, dates, amounts…)."""
        return self.document.fields

    def decode(self) -> np.ndarray:
        """The image as an 8-bit BGR array."""
        return cv2.imdecode(np.frombuffer(self.data, np.uint8), cv2.IMREAD_COLOR)


def make_sample(seed: int, doc_type: str, options: SceneOptions, name: str | None = None) -> Sample:
    """One sample of `doc_type` photographed exactly as `options` says (for tests that pin conditions)."""
    rng = random.Random(seed)
    document = render(doc_type, rng)
    scene = photograph(document.image, options, rng)
    kind = "scan" if options.flat else "photo"
    return Sample(name or f"gen-{seed}-{doc_type}-{kind}.jpg", document, scene, options)


def generate(seed: int, n: int, *, flat: bool = False) -> list[Sample]:
    """`n` samples, deterministic by `seed`: every document type in turn, every cardinal turn early on.

    Camera photos by default (every fifth on a light desk); `flat=True` gives flatbed scans (white
    bed, small skew, no perspective).
    """
    rng = random.Random(seed)
    types = list(TEMPLATES)
    samples = []
    for i in range(n):
        doc_type = types[i % len(types)]
        # the first photos cover all four turns, later ones follow the usual counter mix
        turned = CARDINALS[i % 4] if i < 4 and not flat else None
        options = random_options(rng, flat=flat, turned_deg=turned)
        if not flat and i % 5 == 4:  # every fifth photo: white paper on a light desk, the low-contrast case
            options = replace(options, background="light")
        kind = "scan" if flat else "photo"
        samples.append(make_sample(rng.getrandbits(32), doc_type, options, f"gen-{seed}-{i:03d}-{doc_type}-{kind}.jpg"))
    return samples

"""Synthetic counter documents photographed on a desk, with exact ground truth.

    from docgen import generate          # tests (tests/ is on sys.path)
    samples = generate(seed=7, n=12)     # camera photos; generate(7, 6, flat=True) for flat scans

Each `Sample` holds the encoded photo and what is exactly known about it: the page corners,
the cardinal turn and residual skew, the printed text in reading order, the document type and
the fields. The same seed gives the same bytes.

Three sets of templates, drawn by three calls:
    generate(seed, n)                    # the six classic TEMPLATES; this sequence never changes
    generate(seed, n, all_types=True)    # every TUNING_TEMPLATES type (bank card, ID back, …),
                                         # cards small on dark or wooden desks
    generate(seed, n, held_out=True)     # HELD_OUT_TEMPLATES (held_out.py): other wordings, layouts,
                                         # fonts, hands; for the benchmark's own rows, with HELD_OUT_SEEDS
Tuning draws refuse the seeds of HELD_OUT_SEEDS. Capture tests (classifier, detector, fields) may
use the tuning templates only; the held-out ones are rendered by tests/test_docgen*.py alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .content import Facts
from .documents import CARD_TEMPLATES, TEMPLATES, TODAY, TUNING_TEMPLATES, Document
from .held_out import HELD_OUT_CARDS, HELD_OUT_SEEDS, HELD_OUT_TEMPLATES
from .ids import is_valid_id
from .scene import CARDINALS, Scene, SceneOptions, card_options, photograph, random_options, varied_options

__all__ = [
    "HELD_OUT_SEEDS",
    "HELD_OUT_TEMPLATES",
    "TEMPLATES",
    "TUNING_TEMPLATES",
    "Sample",
    "SceneOptions",
    "card_options",
    "generate",
    "is_card",
    "is_valid_id",
    "make_sample",
    "random_options",
    "render_template",
    "varied_options",
]

_ALL_TEMPLATES = {**TUNING_TEMPLATES, **HELD_OUT_TEMPLATES}


@dataclass
class Sample:
    """One generated photo or scan and its ground truth."""

    name: str
    document: Document
    scene: Scene
    options: SceneOptions
    template: str = ""  # the template's name: a key of TUNING_TEMPLATES or HELD_OUT_TEMPLATES

    @property
    def held_out(self) -> bool:
        """True when a held-out template drew this sample."""
        return self.template in HELD_OUT_TEMPLATES

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
        """The document type code (a key of TUNING_TEMPLATES, whichever template drew it)."""
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


def render_template(template: str, rng: random.Random) -> Document:
    """The upright page of `template` (a key of TUNING_TEMPLATES or HELD_OUT_TEMPLATES), facts from `rng`."""
    return _ALL_TEMPLATES[template](Facts(rng, TODAY))


def is_card(template: str) -> bool:
    """True when `template` prints a card (85.6 × 54 mm), which a camera sees small on a desk."""
    return template in CARD_TEMPLATES or template in HELD_OUT_CARDS


def make_sample(seed: int, doc_type: str, options: SceneOptions, name: str | None = None) -> Sample:
    """One sample of `doc_type` photographed exactly as `options` says (for tests that pin conditions).

    `doc_type` names a template: a document type of TUNING_TEMPLATES, or a held-out template's name."""
    rng = random.Random(seed)
    document = render_template(doc_type, rng)
    scene = photograph(document.image, options, rng)
    kind = "scan" if options.flat else "photo"
    return Sample(name or f"gen-{seed}-{doc_type}-{kind}.jpg", document, scene, options, doc_type)


def generate(seed: int, n: int, *, flat: bool = False, all_types: bool = False, held_out: bool = False) -> list[Sample]:
    """`n` samples, deterministic by `seed`: every template in turn, every cardinal turn early on.

    Camera photos by default (every fifth on a light desk); `flat=True` gives flatbed scans (white
    bed, small skew, no perspective). By default the six classic TEMPLATES, in a sequence that never
    changes; `all_types=True` every TUNING_TEMPLATES type and `held_out=True` the HELD_OUT_TEMPLATES,
    both over every desk of scene.DESKS with cards small on the desk (names start `gen-` and `held-`).
    A seed of HELD_OUT_SEEDS is refused unless `held_out`.
    """
    if held_out and all_types:
        raise ValueError("all_types draws the tuning templates; held_out draws the held-out ones: ask for one")
    if not held_out and seed in HELD_OUT_SEEDS:
        raise ValueError(f"seed {seed} is a held-out seed (HELD_OUT_SEEDS); tuning draws must use another")
    if held_out or all_types:
        return _generate_varied(
            seed,
            n,
            HELD_OUT_TEMPLATES if held_out else TUNING_TEMPLATES,
            flat=flat,
            prefix="held" if held_out else "gen",
        )
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


def _generate_varied(seed: int, n: int, templates: dict, *, flat: bool, prefix: str) -> list[Sample]:
    """`n` samples of `templates` in turn, over every desk; cards lie small on the desk (`card_options`)."""
    rng = random.Random(seed)
    names = list(templates)
    kind = "scan" if flat else "photo"
    samples = []
    for i in range(n):
        template = names[i % len(names)]
        turned = CARDINALS[i % 4] if i < 4 and not flat else None
        options = varied_options(rng, card=is_card(template), flat=flat, turned_deg=turned)
        name = f"{prefix}-{seed}-{i:03d}-{template}-{kind}.jpg"
        samples.append(make_sample(rng.getrandbits(32), template, options, name))
    return samples

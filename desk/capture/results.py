"""What the pipeline hands back per page: the JSON of `desk capture --json` plus the images for the archive."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from desk.capture.quality import QualityReport
from desk.capture.reading import Line, Word

JSON_KEYS = (
    "file",
    "page",
    "page_found",
    "corners",
    "rotation",
    "skew_deg",
    "quality",
    "doc_type",
    "fields",
    "text",
    "confidence",
    "timings_ms",
    "engine",
)


@dataclass
class PageResult:
    """One captured page. Images are BGR uint8 arrays; `png()` encodes any of them for the archive."""

    file: str
    page: int
    page_found: bool
    corners: np.ndarray  # (4, 2) in input pixels after EXIF orientation, clockwise from the upright top-left
    rotation: int
    skew_deg: float
    quality: QualityReport
    doc_type: str
    fields: dict
    text: str
    confidence: float
    timings_ms: dict[str, float]
    original: np.ndarray  # the decoded colour original, untouched
    flattened: np.ndarray  # the flattened colour page, upright and deskewed
    ocr_input: np.ndarray  # the grey image the OCR engine read (word boxes refer to it)
    thumbnail: np.ndarray
    words: list[Word] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)  # the engine's text lines (segments), with boxes
    evidence: list[str] = field(
        default_factory=list
    )  # what decided doc_type, "kind:keywords" (classify.describe_evidence)
    text_source: str = "ocr"  # "ocr", "pdf_text_layer" or "none"
    engine: str = ""  # the OCR engine that read the page ("rapidocr", "tesseract"), "" when none did
    language: str | None = None
    dpi: float | None = None  # the flattened page's resolution; None when its paper size is not known

    def to_json(self) -> dict:
        """The page as `desk capture --json` prints it (exactly JSON_KEYS)."""
        return {
            "file": self.file,
            "page": self.page,
            "page_found": self.page_found,
            "corners": [[round(float(x), 1), round(float(y), 1)] for x, y in self.corners],
            "rotation": self.rotation,
            "skew_deg": round(self.skew_deg, 3),
            "quality": self.quality.to_json(self.language),
            "doc_type": self.doc_type,
            "fields": self.fields,
            "text": self.text,
            "confidence": round(self.confidence, 1),
            "timings_ms": {step: round(ms, 1) for step, ms in self.timings_ms.items()},
            "engine": self.engine,
        }

    @staticmethod
    def png(image: np.ndarray) -> bytes:
        """`image` as PNG bytes."""
        ok, encoded = cv2.imencode(".png", image)
        if not ok:
            raise ValueError("PNG encoding failed")
        return encoded.tobytes()

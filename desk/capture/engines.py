"""Which OCR engine reads a page, the start-up check of the engines, and loading them ahead of use.

PP-OCRv4 (RapidOCR) reads by default: on Chinese counter documents it makes half the errors
Tesseract makes. Tesseract stays for pages that turn out to be Latin script only (English scans,
where it reads better and keeps the spaces between words), for languages other than Chinese and
English, and for every page with `DESK_OCR_ENGINE=tesseract`.
"""

from __future__ import annotations

import numpy as np

from desk.capture import engine_rapidocr, engine_tesseract, ocr_input
from desk.capture.reading import OcrEngine, Reading, is_latin_text

ENGINE_NAMES = (engine_rapidocr.NAME, engine_tesseract.NAME)
_RAPIDOCR_LANGUAGES = {"chi_sim", "eng"}  # what the PP-OCRv4 Chinese model reads
_CHINESE = {"chi_sim", "chi_sim_vert", "chi_tra", "chi_tra_vert"}


def read_page(
    gray: np.ndarray, *, engine: str, languages: str, timeout_s: float, photographed: bool
) -> tuple[np.ndarray, Reading]:
    """The image the engine read (its boxes refer to it) and the reading of an upright grey page."""
    if orientation_engine(engine, languages) == engine_rapidocr.NAME:
        image = ocr_input.flat_field(gray) if photographed else gray
        reading = engine_rapidocr.RapidOcrEngine().read(image, languages=languages, timeout_s=timeout_s)
        if not is_latin_text(reading.text):
            return image, reading
        languages = _latin_only(languages)  # with chi_sim loaded Tesseract runs English words together
    return _tesseract(gray, languages=languages, timeout_s=timeout_s, photographed=photographed)


def orientation_engine(engine: str, languages: str) -> str:
    """The engine that tells a page from its 180° turn: PP-OCR where it reads the page's languages."""
    if engine == engine_rapidocr.NAME and set(languages.split("+")) <= _RAPIDOCR_LANGUAGES:
        return engine_rapidocr.NAME
    return engine_tesseract.NAME


def _latin_only(languages: str) -> str:
    latin = [lang for lang in languages.split("+") if lang not in _CHINESE]
    return "+".join(latin) or "eng"


def _tesseract(gray: np.ndarray, *, languages: str, timeout_s: float, photographed: bool) -> tuple[np.ndarray, Reading]:
    image, psm = ocr_input.prepare(gray, camera=photographed)
    return image, engine_tesseract.TesseractEngine(psm).read(image, languages=languages, timeout_s=timeout_s)


def problems(engine: str, languages: str) -> list[str]:
    """Everything missing for reading with `engine` (Tesseract is always needed: orientation, Latin pages)."""
    if engine not in ENGINE_NAMES:
        return [f"DESK_OCR_ENGINE={engine}: unknown engine; choose one of {', '.join(ENGINE_NAMES)}"]
    needed: list[OcrEngine] = [engine_tesseract.TesseractEngine()]
    if engine == engine_rapidocr.NAME:
        needed.append(engine_rapidocr.RapidOcrEngine())
    return [problem for checked in needed for problem in checked.problems(languages)]


def warm_up(engine: str) -> None:
    """Load `engine`'s models in this process now rather than on its first page."""
    if engine == engine_rapidocr.NAME:
        engine_rapidocr.warm_up()

"""The one options model of the capture pipeline (like OCRmyPDF's options: every knob in one place)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaptureOptions:
    """How to run the pipeline. Defaults suit the document camera on a counter desk."""

    ocr_languages: str = "chi_sim+eng"
    ocr_engine: str = "rapidocr"  # desk.capture.engines.ENGINE_NAMES
    ocr_timeout_s: float = 60.0
    run_ocr: bool = True
    language: str | None = None  # language of messages (zh-CN / en); None: the current one
    workers: int | None = None  # process-pool size for multi-page files; None: one per core
    max_file_bytes: int = 200 * 1024 * 1024
    max_pixels: int = 60_000_000  # per decoded page: a pixel bomb is refused before decoding
    max_total_pixels: int = 2_000_000_000  # all pages of one file together, counted before decoding
    max_pages: int = 200
    pdf_dpi: float = 300.0  # render resolution for PDF pages without images
    flat_dpi: float = 300.0  # resolution of the flattened page (≥300 dpi per DA/T 31-2017)
    thumbnail_px: int = 320

    @classmethod
    def from_settings(cls, **overrides: object) -> CaptureOptions:
        """Options with the OCR languages, timeout and budgets of `desk.settings`, plus `overrides`."""
        from desk.settings import get_settings

        settings = get_settings()
        values: dict[str, object] = {
            "ocr_languages": settings.ocr_languages,
            "ocr_engine": settings.ocr_engine,
            "ocr_timeout_s": settings.ocr_timeout_s,
            "max_pages": settings.capture_max_pages,
            "max_pixels": settings.capture_max_page_megapixels * 1_000_000,
            "max_total_pixels": settings.capture_max_total_megapixels * 1_000_000,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

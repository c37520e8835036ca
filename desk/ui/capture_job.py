"""The capture work of one camera frame or uploaded file, run in a worker process (`run.cpu_bound`).

Module-level and picklable both ways: bytes and plain values in; archive-ready pages plus what the
clerk must see before accepting (retake reasons, document type, ID numbers read) out, or the
reason the input was refused. No NiceGUI here, so the worker imports only the pipeline and the
archive's page adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desk.archive.intake import PageInput, page_input_from_result
from desk.capture.errors import InputRefused
from desk.capture.options import CaptureOptions
from desk.capture.pipeline import process_file

CAMERA, UPLOAD, PDF = "camera", "upload", "pdf"  # archive document sources


@dataclass
class CapturedPage:
    """One page ready for the archive, with the findings shown to the clerk."""

    page: PageInput
    problems: list[str]  # quality codes: capture.retake.<code>
    doc_type: str
    id_numbers: list[str]
    page_found: bool
    side: str | None = None  # the side the clerk says it shows, where the classifier found no type


@dataclass
class CaptureOutcome:
    """The pages of one frame or file, or why it was refused (`refused_key`, an i18n key)."""

    source: str
    title: str
    pages: list[CapturedPage] = field(default_factory=list)
    refused_key: str | None = None
    refused_params: dict = field(default_factory=dict)


def _is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == b"%PDF-"


def capture_bytes(data: bytes, *, name: str, camera: bool, ocr_languages: str,
                  ocr_timeout_s: float) -> CaptureOutcome:
    """Run the pipeline over a frame (`camera`) or an uploaded image or PDF; never raises for bad input."""
    source = CAMERA if camera else (PDF if _is_pdf(data) else UPLOAD)
    # workers=1: this already runs in a pool worker; a pool inside it would fight for the same cores
    options = CaptureOptions(ocr_languages=ocr_languages, ocr_timeout_s=ocr_timeout_s, workers=1)
    try:
        results = process_file(data, name=name, options=options)
    except InputRefused as refused:
        return CaptureOutcome(source, name, refused_key=refused.key, refused_params=dict(refused.params))
    # a photo or scan of one page is kept exactly as it arrived; a PDF's pages are kept as decoded
    keep_received = len(results) == 1 and source != PDF
    pages = [CapturedPage(page_input_from_result(result, received=data if keep_received else None,
                                                 flat_dpi=options.flat_dpi),
                          list(result.quality.problems), result.doc_type,
                          [found["value"] for found in result.fields.get("id_numbers", [])], result.page_found)
             for result in results]
    return CaptureOutcome(source, name, pages)

"""The capture work of one camera frame or uploaded file: run in a worker process of the page pool
(desk.capture.pool) or by a queue worker (desk.queue.worker, DESK_CAPTURE_QUEUE=postgres).

Module-level and picklable both ways: bytes and plain values in; archive-ready pages plus what the
clerk must see before accepting (retake reasons, document type, ID numbers read) out, or the
reason the input was refused. No NiceGUI here, so a worker imports only the pipeline and the
archive's page adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desk.archive.intake import PageInput, page_input_from_result
from desk.capture.errors import InputRefused
from desk.capture.options import CaptureOptions
from desk.capture.pipeline import stream_file

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
    evidence: list[str] = field(default_factory=list)  # what decided doc_type (classify.describe_evidence)
    mended_ids: list[str] = field(default_factory=list)  # ID numbers valid only after a character was mended


@dataclass(frozen=True)
class CaptureJob:
    """What one capture works on: a camera frame or an uploaded file, kept to try it again."""

    data: bytes
    name: str
    camera: bool


@dataclass
class CaptureOutcome:
    """The pages of one frame or file, or why it was refused (`refused_key`, an i18n key).

    `retry` is the job when trying it again may help (its worker died); None for bad input.
    """

    source: str
    title: str
    pages: list[CapturedPage] = field(default_factory=list)
    refused_key: str | None = None
    refused_params: dict = field(default_factory=dict)
    retry: CaptureJob | None = None


def _is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == b"%PDF-"


def capture_bytes(data: bytes, *, name: str, camera: bool, ocr_languages: str, ocr_timeout_s: float) -> CaptureOutcome:
    """Run the pipeline over a frame (`camera`) or an uploaded image or PDF; never raises for bad input."""
    source = CAMERA if camera else (PDF if _is_pdf(data) else UPLOAD)
    # workers=1: this already runs in a pool worker; a pool inside it would fight for the same cores
    options = CaptureOptions.from_settings(ocr_languages=ocr_languages, ocr_timeout_s=ocr_timeout_s, workers=1)
    try:
        streamed = stream_file(data, name=name, options=options)
        # a photo or scan of one page is kept exactly as it arrived; a PDF's pages are kept as decoded
        keep_received = streamed.count == 1 and source != PDF
        # each page is made archive-ready (encoded) as it comes, so its arrays are freed before the next
        pages = [
            CapturedPage(
                page_input_from_result(result, received=data if keep_received else None),
                list(result.quality.problems),
                result.doc_type,
                [found["value"] for found in result.fields.get("id_numbers", [])],
                result.page_found,
                evidence=list(result.evidence),
                mended_ids=[found["value"] for found in result.fields.get("id_numbers", []) if found.get("repaired")],
            )
            for result in streamed.results
        ]
    except InputRefused as refused:
        return CaptureOutcome(source, name, refused_key=refused.key, refused_params=dict(refused.params))
    return CaptureOutcome(source, name, pages)


def failed(job: CaptureJob, key: str) -> CaptureOutcome:
    """The outcome of a job that did not finish (its worker died): the reason, and the job to retry."""
    source = CAMERA if job.camera else (PDF if _is_pdf(job.data) else UPLOAD)
    return CaptureOutcome(source, job.name, refused_key=key, retry=job)

"""`python -m desk capture FILE... [--json] [--lang L] [--out DIR]`: run files through the pipeline.

Exit status 0 when every file was read, 2 when any could not be (its reason on stderr); the
other files are still processed and printed. Pages are processed one at a time and only their
JSON (or summary line) is kept, so a long file does not pile up images in memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2

from desk.capture.errors import InputRefused
from desk.capture.options import CaptureOptions
from desk.capture.results import PageResult
from desk.i18n import current_language, t


def capture_command(args: argparse.Namespace) -> int:
    """Process every file in `args.files`; print JSON or one line per page."""
    options = CaptureOptions.from_settings(ocr_languages=args.lang, language=current_language())
    from desk.capture.pipeline import stream_file

    status = 0
    printed: list[dict | str] = []
    for file in args.files:
        try:
            kept = []  # a file refused half way prints none of its pages
            for page in stream_file(file, name=file, options=options).results:
                if args.out:
                    _write_images([page], Path(args.out))
                kept.append(page.to_json() if args.json else _summary_line(page))
            printed.extend(kept)
        except InputRefused as refused:
            print(t("capture.cli.refused", file=file, reason=refused.message()), file=sys.stderr)
            status = 2
    if args.json:
        json.dump({"pages": printed}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        for line in printed:
            print(line)
    return status


def _summary_line(page: PageResult) -> str:
    quality = t("capture.cli.quality_ok") if page.quality.ok else "; ".join(page.quality.to_json()["messages"])
    return t(
        "capture.cli.page_line",
        file=page.file,
        page=page.page,
        doc_type=t(f"capture.doc_type.{page.doc_type}"),
        rotation=page.rotation,
        skew=f"{page.skew_deg:.2f}",
        confidence=f"{page.confidence:.0f}",
        quality=quality,
    )


def _write_images(pages: list[PageResult], folder: Path) -> None:
    """The flattened page and its thumbnail per page, as PNG: <file stem>-p<page>.png / -thumb.png."""
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        stem = f"{Path(page.file).stem}-p{page.page}"
        for suffix, image in (("", page.flattened), ("-thumb", page.thumbnail)):
            path = folder / f"{stem}{suffix}.png"
            cv2.imwrite(str(path), image)
            print(t("capture.cli.written", path=path), file=sys.stderr)

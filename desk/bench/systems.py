"""The four systems the capture benchmark compares, each run on one file with the same languages.

- desk: `desk.capture.pipeline.process_file`, in this process (multi-page files use its pool);
- tesseract: the plain `tesseract` command on the raw image (PDF pages rasterised first, untimed);
- rapidocr: raw PP-OCRv4, `rapidocr_onnxruntime.RapidOCR()` with its default settings, in this
  process on the raw image (PDF pages rasterised first, untimed; the models load untimed before
  the first item), its text segments joined one per line;
- ocrmypdf: `ocrmypdf --deskew --rotate-pages -l LANG --output-type pdf`, its text from `--sidecar`
  (OCRmyPDF's own text output) and its deskew angle and page turns from its `-v1` log; transparent
  images are flattened onto white first (untimed), as OCRmyPDF refuses an alpha channel.

Each returns a `SystemRun`: per-page outputs and the wall-clock seconds of the whole file.
Baselines run with their own default threading, not the one-thread limit desk sets for itself.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from desk.bench.materials import BenchItem
from desk.bench.metrics import id_numbers_in

SYSTEMS = ("desk", "tesseract", "rapidocr", "ocrmypdf")
_TIMEOUT_S = 900
_PDF_DPI = 300
_OCRMYPDF_DESKEW = re.compile(r"^\s*(\d+)\s+Deskew angle:\s*(-?[\d.]+)", re.M)
_OCRMYPDF_RASTER = re.compile(r"^\s*(\d+)\s+Rasterize with \S+, rotation (\d+)", re.M)


@dataclass
class PageOutput:
    """What a system says about one page; None where it does not say."""

    text: str
    skew_deg: float | None = None
    rotation: int | None = None  # clockwise turn it applied to upright the page
    corners: list[list[float]] | None = None
    found: bool | None = None
    doc_type: str | None = None
    id_numbers: set[str] = field(default_factory=set)


@dataclass
class SystemRun:
    """One system on one file."""

    system: str
    pages: list[PageOutput]
    seconds: float
    error: str | None = None


def run_desk(item: BenchItem, workers: int | None = None) -> SystemRun:
    """The desk pipeline on `item`, timed from file to results."""
    from desk.capture.options import CaptureOptions
    from desk.capture.pipeline import process_file

    options = CaptureOptions.from_settings(ocr_languages=item.lang, workers=workers)
    start = time.perf_counter()
    try:
        results = process_file(item.path, name=item.id, options=options)
    except Exception as exc:  # one failing item must not end the benchmark; the row shows why
        return SystemRun("desk", [], time.perf_counter() - start, error=f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    pages = []
    for result in results:
        ids = {entry["value"] for entry in result.fields.get("id_numbers", [])} | id_numbers_in(result.text)
        pages.append(
            PageOutput(
                text=result.text,
                skew_deg=float(result.skew_deg),
                rotation=int(result.rotation),
                corners=[[float(x), float(y)] for x, y in result.corners],
                found=bool(result.page_found),
                doc_type=result.doc_type,
                id_numbers=ids,
            )
        )
    return SystemRun("desk", pages, seconds)


def baseline_env() -> dict[str, str]:
    """The environment for baselines: ours minus the one-thread limit desk sets for its own Tesseract."""
    env = dict(os.environ)
    env.pop("OMP_THREAD_LIMIT", None)
    return env


def run_tesseract(item: BenchItem, scratch: Path) -> SystemRun:
    """Plain `tesseract IMAGE - -l LANG` on each page image; PDF pages are rasterised first (not timed)."""
    images = rasterize_pdf(item.path, scratch) if item.path.suffix.lower() == ".pdf" else [item.path]
    pages, seconds = [], 0.0
    for image in images:
        start = time.perf_counter()
        done = subprocess.run(
            ["tesseract", str(image), "-", "-l", item.lang],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            env=baseline_env(),
        )
        seconds += time.perf_counter() - start
        if done.returncode != 0:
            return SystemRun("tesseract", [], seconds, error=_last_line(done.stderr))
        # plain Tesseract never turns a page: it reads it the way it lies
        pages.append(PageOutput(text=done.stdout, rotation=0, id_numbers=id_numbers_in(done.stdout)))
    return SystemRun("tesseract", pages, seconds)


def run_rapidocr(item: BenchItem, scratch: Path) -> SystemRun:
    """Raw RapidOCR (default settings) on each page image; PDF pages are rasterised first (not timed)."""
    images = rasterize_pdf(item.path, scratch) if item.path.suffix.lower() == ".pdf" else [item.path]
    pages, seconds = [], 0.0
    for image in images:
        start = time.perf_counter()
        try:
            found, _ = raw_rapidocr()(str(image))
        except Exception as exc:  # one failing item must not end the benchmark; the row shows why
            return SystemRun(
                "rapidocr", [], seconds + time.perf_counter() - start, error=f"{type(exc).__name__}: {exc}"
            )
        seconds += time.perf_counter() - start
        text = "\n".join(segment[1] for segment in found or [])
        # like plain Tesseract, it reads the page the way it lies (its classifier only flips lines)
        pages.append(PageOutput(text=text, rotation=0, id_numbers=id_numbers_in(text)))
    return SystemRun("rapidocr", pages, seconds)


@lru_cache(maxsize=1)
def raw_rapidocr() -> Any:
    """RapidOCR as it comes: default configuration and threading (its own instance, not desk's)."""
    import logging

    from rapidocr_onnxruntime import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return RapidOCR()


def rapidocr_missing() -> str | None:
    """Why raw RapidOCR cannot run here (the missing package), or None when it can."""
    return "rapidocr-onnxruntime" if importlib.util.find_spec("rapidocr_onnxruntime") is None else None


def rasterize_pdf(path: Path, scratch: Path) -> list[Path]:
    """Each page of a PDF as a PNG at 300 dpi, as displayed (page rotation applied)."""
    import pypdfium2

    out = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            target = scratch / f"{path.stem}-p{index + 1}.png"
            document[index].render(scale=_PDF_DPI / 72).to_pil().save(target)
            out.append(target)
    finally:
        document.close()
    return out


def ocrmypdf_missing() -> str | None:
    """Why OCRmyPDF cannot run here (the missing piece), or None when it can."""
    if importlib.util.find_spec("ocrmypdf") is None:
        return "ocrmypdf"
    if shutil.which("gs") is None:
        return "ghostscript"
    return None


def run_ocrmypdf(item: BenchItem, scratch: Path) -> SystemRun:
    """`ocrmypdf --deskew --rotate-pages` on the raw file; images without a resolution are taken as 300 dpi."""
    output, sidecar = scratch / f"{item.id}.ocrmypdf.pdf", scratch / f"{item.id}.ocrmypdf.txt"
    source = _without_alpha(item.path, scratch)
    command = [
        sys.executable,
        "-m",
        "ocrmypdf",
        "-v1",
        "--deskew",
        "--rotate-pages",
        "-l",
        item.lang,
        "--output-type",
        "pdf",
        "--image-dpi",
        "300",
        "--sidecar",
        str(sidecar),
        str(source),
        str(output),
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_S, env=baseline_env())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return SystemRun("ocrmypdf", [], seconds, error=_last_line(done.stderr))
    texts = sidecar.read_text(encoding="utf-8").split("\f")
    angles = {int(p): float(a) for p, a in _OCRMYPDF_DESKEW.findall(done.stderr)}
    # OCRmyPDF names the counter-clockwise turn it rasterises with; desk names the clockwise one
    turns = {int(p): (360 - int(r)) % 360 for p, r in _OCRMYPDF_RASTER.findall(done.stderr)}
    pages = [
        PageOutput(
            text=text, skew_deg=angles.get(number), rotation=turns.get(number, 0), id_numbers=id_numbers_in(text)
        )
        for number, text in enumerate(_page_texts(texts, item), start=1)
    ]
    return SystemRun("ocrmypdf", pages, seconds)


def _without_alpha(path: Path, scratch: Path) -> Path:
    """`path`, or (untimed) a copy flattened onto white when it has transparency, which OCRmyPDF refuses.

    The benchmark compares reading, not file-format support, so OCRmyPDF gets the input it accepts.
    """
    if path.suffix.lower() == ".pdf":
        return path
    from PIL import Image

    with Image.open(path) as image:
        if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
            return path
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        target = scratch / f"{path.stem}.opaque.png"
        flat.save(target, dpi=image.info.get("dpi", (300, 300)))
    return target


def _page_texts(texts: list[str], item: BenchItem) -> list[str]:
    """Sidecar pages (form-feed separated; the last chunk after the final feed is empty)."""
    count = max(1, len(item.pages))
    texts = texts[:count] + [""] * (count - len(texts))
    return texts


def _last_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "failed"

"""What the capture benchmark runs on: the shared corpus and generated camera photos, with ground truth.

Corpus ground truth comes from `manifest.json` (angles, cardinal turns, GT text files). Generated
photos come from the repository's `tests/docgen` (the benchmark runs from a checkout), written to a
scratch folder so the command-line baselines can read them too.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import cv2

REPO_ROOT = Path(__file__).resolve().parents[2]
KINDS = ("photo", "scan", "pdf")  # camera photos, flat scans, PDFs
_KIND_OF_FOLDER = {"photos": "photo", "skew": "scan", "en": "scan", "zh": "scan", "pdf": "pdf"}


class MaterialError(Exception):
    """The benchmark cannot find its material; `key` names the message, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@dataclass
class PageTruth:
    """What is known about one page; None where the source does not say."""

    skew_deg: float | None = None  # CCW correction once upright (deskew's sign)
    skew_whole_degree: bool = False  # the source gives the angle only to the nearest degree
    rotation: int | None = None  # clockwise turn that uprights the page (desk's convention)
    corners: list[list[float]] | None = None  # clockwise from the upright top-left, input pixels
    fully_visible: bool | None = None
    doc_type: str | None = None
    id_number: str | None = None


@dataclass
class BenchItem:
    """One file to run every system on."""

    id: str
    kind: str  # photo, scan, pdf
    path: Path
    lang: str  # Tesseract languages, the same for every system
    text: str | None  # the whole file's text in reading order (pages one after another)
    pages: list[PageTruth] = field(default_factory=list)
    size: tuple[int, int] | None = None  # (width, height) of a single-image item, for corner errors
    generated: bool = False


def resolve_corpus(explicit: str | None) -> Path:
    """The corpus folder: --corpus, else DESK_CORPUS, else ../shared/corpus beside the checkout."""
    folder = Path(explicit or os.environ.get("DESK_CORPUS") or REPO_ROOT.parent / "shared" / "corpus")
    if not (folder / "manifest.json").is_file():
        raise MaterialError("bench.capture.no_corpus", folder=str(folder))
    return folder


def corpus_items(folder: Path) -> list[BenchItem]:
    """Every manifest item with the ground truth the manifest gives."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [_corpus_item(folder, entry) for entry in manifest["items"]]


def _corpus_item(folder: Path, entry: dict) -> BenchItem:
    files, truth = entry["files"], entry.get("gt", {})
    path = folder / files["file"]
    text = (folder / files["gt_text"]).read_text(encoding="utf-8") if "gt_text" in files else None
    pages = [PageTruth(skew_deg=truth.get("correction_deg"), skew_whole_degree=_whole_degree(truth))]
    if "page_content_rotation_deg" in truth:
        # content turned counter-clockwise by r is uprighted by turning it clockwise by r (mod 360)
        pages = [PageTruth(rotation=int(r) % 360) for r in truth["page_content_rotation_deg"]]
    elif truth.get("pages"):
        pages = [PageTruth() for _ in range(int(truth["pages"]))]
    kind = _KIND_OF_FOLDER[files["file"].split("/")[0]]
    lang = "chi_sim+eng" if entry["lang"].startswith("chi") else entry["lang"]
    return BenchItem(entry["id"], kind, path, lang, text, pages, size=_image_size(path))


def _whole_degree(truth: dict) -> bool:
    """Whether the manifest's angle is a regression value of the `deskew` package's tests.

    Those expected angles are whole degrees (deskew's Hough search steps by one degree), and the
    pages' real angles lie up to half a degree off: deskew-2's text rows slope −2.14°, not −2°
    (long-line fit and Tesseract's baselines agree). They test that an angle is roughly right, so
    the benchmark reports them apart from the exactly known angles the skew target is about.
    """
    return "expected_angle" in str(truth.get("angle_source", ""))


def _image_size(path: Path) -> tuple[int, int] | None:
    if path.suffix.lower() == ".pdf":
        return None
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    return None if image is None else (int(image.shape[1]), int(image.shape[0]))


def load_docgen() -> ModuleType:
    """The generator package from the checkout's tests/ folder."""
    tests = REPO_ROOT / "tests"
    if not (tests / "docgen" / "__init__.py").is_file():
        raise MaterialError("bench.capture.no_docgen", folder=str(tests))
    if str(tests) not in sys.path:
        sys.path.insert(0, str(tests))
    return importlib.import_module("docgen")


def generated_items(count: int, scratch: Path, *, seed: int = 2026, flat: bool = False) -> list[BenchItem]:
    """`count` generated photos (or flat scans) written into `scratch`, with their exact ground truth."""
    docgen = load_docgen()
    items = []
    for sample in docgen.generate(seed, count, flat=flat):
        path = scratch / sample.name
        path.write_bytes(sample.data)
        page = PageTruth(
            skew_deg=sample.skew_deg,
            rotation=sample.turned_deg,  # turned CCW in the frame, so uprighted by the same turn clockwise
            # a flat scan is the page: no outline to find on a white lid, so no corners to score
            corners=None if flat else sample.corners.tolist(),
            fully_visible=None if flat else sample.scene.fully_visible,
            doc_type=sample.doc_type,
            id_number=sample.fields.get("id_number"),
        )
        kind = "scan" if flat else "photo"
        items.append(BenchItem(path.stem, kind, path, sample.document.lang, sample.text, [page],
                               size=sample.scene.size, generated=True))
    return items

"""What the capture benchmark runs on: the shared corpus and generated camera photos, with ground truth.

Corpus ground truth comes from `manifest.json` (angles, cardinal turns, GT text files). Generated
photos come from the repository's `tests/docgen` (the benchmark runs from a checkout), written to a
scratch folder so the command-line baselines can read them too.

Kinds keep apart what the targets speak of: generated camera photos of the tuning templates
("photo"), of the held-out templates drawn with the held-out seeds ("photo-held-out", which the
capture code is never tuned on), generated flat scans ("scan"), and the corpus's photos, English
and Chinese scans and PDFs ("corpus-…").
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

from desk.bench.metrics import is_chinese

REPO_ROOT = Path(__file__).resolve().parents[2]
HELD_OUT_KIND = "photo-held-out"
GENERATED_PHOTO_KINDS = ("photo", HELD_OUT_KIND)
CORPUS_PHOTO_KIND, CORPUS_PDF_KIND = "corpus-photo", "corpus-pdf"
SCAN_KINDS = ("scan", "corpus-scan-en", "corpus-scan-zh")
KINDS = (*GENERATED_PHOTO_KINDS, "scan", CORPUS_PHOTO_KIND, "corpus-scan-en", "corpus-scan-zh", CORPUS_PDF_KIND)
_CORPUS_FOLDER_KIND = {"photos": CORPUS_PHOTO_KIND, "pdf": CORPUS_PDF_KIND}  # other folders hold scans
# desks a card is hard to tell apart from: the target of finding every page names these cards apart
_DARK_DESKS = frozenset({"dark", "wood_dark"})


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
    dark_card: bool = False  # a card photographed on a dark desk


@dataclass
class BenchItem:
    """One file to run every system on."""

    id: str
    kind: str  # one of KINDS
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
    lang = "chi_sim+eng" if entry["lang"].startswith("chi") else entry["lang"]
    kind = _corpus_kind(files["file"].split("/")[0], lang)
    return BenchItem(entry["id"], kind, path, lang, text, pages, size=_image_size(path))


def _corpus_kind(folder: str, lang: str) -> str:
    """photos/ and pdf/ by folder; every other folder holds scans, English or Chinese."""
    if folder in _CORPUS_FOLDER_KIND:
        return _CORPUS_FOLDER_KIND[folder]
    return "corpus-scan-zh" if is_chinese(lang) else "corpus-scan-en"


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
    """`count` generated photos of every tuning type (or flat scans of the classic types) written into
    `scratch`, with their exact ground truth."""
    docgen = load_docgen()
    samples = docgen.generate(seed, count, flat=True) if flat else docgen.generate(seed, count, all_types=True)
    return [_item_of(sample, scratch, "scan" if flat else "photo", docgen) for sample in samples]


def held_out_items(count: int, scratch: Path) -> list[BenchItem]:
    """`count` photos of the held-out templates, drawn with the held-out seeds, written into `scratch`.

    Each seed in turn draws one round of every held-out template before the next seed starts (so a
    small run still sees several templates, and a run of three rounds sees every template once per
    seed); past that, each seed draws further rounds.
    """
    docgen = load_docgen()
    seeds = docgen.HELD_OUT_SEEDS
    counts = per_seed(count, len(seeds), len(docgen.HELD_OUT_TEMPLATES))
    return [
        _item_of(sample, scratch, HELD_OUT_KIND, docgen)
        for seed, n in zip(seeds, counts)
        if n
        for sample in docgen.generate(seed, n, held_out=True)
    ]


def per_seed(count: int, seeds: int, round_size: int) -> list[int]:
    """How many samples each of `seeds` seeds draws: whole rounds of `round_size`, seed after seed."""
    counts, left = [0] * seeds, count
    while left > 0:
        for index in range(seeds):
            take = min(round_size, left)
            counts[index] += take
            left -= take
    return counts


def _item_of(sample, scratch: Path, kind: str, docgen: ModuleType) -> BenchItem:
    """`sample` written into `scratch` as a bench item of `kind`."""
    path = scratch / sample.name
    path.write_bytes(sample.data)
    flat = sample.options.flat
    page = PageTruth(
        skew_deg=sample.skew_deg,
        rotation=sample.turned_deg,  # turned CCW in the frame, so uprighted by the same turn clockwise
        # a flat scan is the page: no outline to find on a white lid, so no corners to score
        corners=None if flat else sample.corners.tolist(),
        fully_visible=None if flat else sample.scene.fully_visible,
        doc_type=sample.doc_type,
        id_number=sample.fields.get("id_number"),
        dark_card=docgen.is_card(sample.template) and sample.options.background in _DARK_DESKS,
    )
    return BenchItem(
        path.stem, kind, path, sample.document.lang, sample.text, [page], size=sample.scene.size, generated=True
    )

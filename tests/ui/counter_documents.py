"""Generated counter documents (tests/docgen) that carry a given customer's name and ID number,
photographed on a desk or scanned, plus the one-frame Y4M a fake Chromium camera plays.

Beside docgen's templates: an ID card's back (issuing office and validity, no name or number) and
a back whose two lines are hidden (only its title shows, so the classifier finds no type)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from docgen.content import Facts, HolderFacts
from docgen.documents import TEMPLATES, TODAY, Document, _finish, _guilloche
from docgen.ids import Person, make_address
from docgen.scene import SceneOptions, photograph
from docgen.sheet import Sheet

# which call of Facts.person() is the document's holder (a lease's first person is the landlord)
HOLDER_CALL = {
    "id_card_front": 1,
    "household_register": 1,
    "lease": 2,
    "diagnosis_certificate": 1,
    "id_card_back": 1,
    "id_card_back_hidden": 1,
    "application_form": 1,
}


def _card_back(facts: Facts, *, lines_shown: bool) -> Document:
    """居民身份证 back: the title, and (when shown) the issuing office and the validity of the holder's card."""
    person = facts.person()
    sheet = Sheet(85.6, 54.0, dpi=400, paper=(236, 241, 243))
    _guilloche(sheet, facts.rng)
    sheet.centered(8, "中华人民共和国", pt=11)
    sheet.centered(17, "居民身份证", pt=16)
    issued = TODAY.replace(year=TODAY.year - 3)
    valid = f"{issued:%Y.%m.%d}-{issued.replace(year=issued.year + 20):%Y.%m.%d}"
    fields = {"issuing_office": "大连市公安局中山分局", "validity": valid}
    if lines_shown:
        sheet.text(12, 36, f"签发机关 {fields['issuing_office']}", pt=8.5, style="sans")
        sheet.text(12, 44, f"有效期限 {valid}", pt=8.5, style="sans")
    return _finish(sheet, "id_card_back" if lines_shown else "other", "M01", {"holder": person.name, **fields})


# what photo_of can print: docgen's templates and the two backs
PRINTABLE = {
    **TEMPLATES,
    "id_card_back": lambda facts: _card_back(facts, lines_shown=True),
    "id_card_back_hidden": lambda facts: _card_back(facts, lines_shown=False),
}


@dataclass
class Photo:
    """A photographed document and what is printed on it."""

    jpeg: bytes
    document: Document

    def bgr(self) -> np.ndarray:
        """The photo as an 8-bit BGR array."""
        return cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)


def as_holder(customer) -> Person:
    """The docgen person for a customer of the records (name, sex, birth date and ID number as registered)."""
    district = customer.id_number[:6]
    return Person(
        name=customer.name,
        sex="男" if customer.sex == "M" else "女",
        ethnicity="汉",
        birth=customer.birth_date,
        district_code=district,
        address=make_address(random.Random(customer.id), district),
        id_number=customer.id_number,
    )


def photo_of(doc_type: str, holder: Person, *, seed: int = 5, options: SceneOptions | None = None) -> Photo:
    """`doc_type` printed for `holder`, photographed as `options` says (default: upright, slightly turned)."""
    rng = random.Random(seed)
    document = PRINTABLE[doc_type](HolderFacts(rng, TODAY, holder, HOLDER_CALL[doc_type]))
    scene = photograph(document.image, options or SceneOptions(angle_deg=3.0), rng)
    return Photo(scene.jpeg, document)


def fake_camera_args(y4m: Path) -> list[str]:
    """Chromium's switches for a fake document camera that plays `y4m`, granted without asking."""
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]


def write_y4m(bgr: np.ndarray, path: Path) -> Path:
    """A one-frame Y4M video of `bgr` (Chromium's fake camera loops it)."""
    height, width = bgr.shape[:2]
    yuv = cv2.cvtColor(bgr[: height - height % 2, : width - width % 2], cv2.COLOR_BGR2YUV_I420)
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{width - width % 2} H{height - height % 2} F10:1 Ip A1:1 C420jpeg\n".encode())
        fh.write(b"FRAME\n")
        fh.write(yuv.tobytes())
    return path

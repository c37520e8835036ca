"""The one-time notice (一次性告知): what the customer takes home when anything is still missing —
the case number, every material still to bring (with the promised date where one was given), the
materials data proved so the customer need not bring them, and a QR code that opens the public
progress inquiry for the case.

`build_notice` returns plain data; the UI renders and prints it. The customer's name is masked
(GB/T 35273 display limits), as on every printed page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import segno
from sqlmodel import Session

from desk.cases.catalog import Catalog, get_catalog
from desk.cases.inquiry import INQUIRY_PATH
from desk.cases.papers import Paper, papers_of
from desk.cases.to_bring import ToBring, still_to_bring
from desk.cases.workflow import get_case
from desk.i18n import current_language
from desk.records.tables import Person
from desk.security.masking import mask_card, mask_name

NoticeItem = ToBring  # the notice's name for a material still to bring


@dataclass(frozen=True)
class Notice:
    """The notice of one case, ready to render."""

    case_no: str
    business_code: str
    business_zh: str
    business_en: str
    customer: str  # masked name
    issued_on: date
    due_on: date | None
    items: tuple[NoticeItem, ...]
    inquiry_url: str
    amount_fen: int | None = None  # what the case pays (None: the business pays nothing)
    payee_card: str | None = None  # masked
    paid: bool = False  # already posted to the account (pay-first)
    avoided: tuple[Paper, ...] = ()  # materials data proved at submission: not needed on paper

    def qr_svg(self, scale: int = 4) -> str:
        """The QR code of the inquiry link as an SVG document."""
        buffer = io.BytesIO()
        segno.make(self.inquiry_url, error="m").save(buffer, kind="svg", scale=scale, xmldecl=False)
        return buffer.getvalue().decode("utf-8")

    def to_json(self, language: str | None = None) -> dict[str, Any]:
        """A JSON-ready dict with names in `language`."""
        return {
            "case_no": self.case_no,
            "business": self.business_code,
            "business_name": self.business_en if (language or current_language()) == "en" else self.business_zh,
            "customer": self.customer,
            "issued_on": self.issued_on.isoformat(),
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "inquiry_url": self.inquiry_url,
            "amount_fen": self.amount_fen,
            "payee_card": self.payee_card,
            "paid": self.paid,
            "items": [
                {
                    "material": item.material,
                    "name": item.name(language),
                    "status": item.status,
                    "promised_on": item.promised_on.isoformat() if item.promised_on else None,
                }
                for item in self.items
            ],
            "avoided": [
                {"material": item.material, "name": item.name(language), "pages": item.pages} for item in self.avoided
            ],
        }


def inquiry_url(base_url: str, case_no: str) -> str:
    """The public inquiry page for `case_no` under `base_url` (e.g. https://desk.example.cn)."""
    return f"{base_url.rstrip('/')}{INQUIRY_PATH}?{urlencode({'case': case_no})}"


def build_notice(
    session: Session, *, case_id: int, base_url: str, today: date | None = None, catalog: Catalog | None = None
) -> Notice:
    """The one-time notice of case `case_id` (raises CaseError for an unknown case)."""
    catalog = catalog or get_catalog()
    case = get_case(session, case_id)
    assert case.case_no is not None, "a notice is for a numbered case (notice_for finds it by its number)"
    business = catalog.get_business(case.business_code)
    person = session.get(Person, case.person_id)
    items = still_to_bring(session, case_id, catalog)
    return Notice(
        case.case_no,
        case.business_code,
        business.zh if business else case.business_code,
        business.en if business else case.business_code,
        mask_name(person.name) or "" if person else "",
        today or date.today(),
        case.due_on,
        items,
        inquiry_url(base_url, case.case_no),
        case.amount_fen,
        mask_card(case.payee_card),
        case.paid_at is not None,
        papers_of(session, case_id).avoided,
    )

"""Forms the desk prints for the customer to sign (`forms.toml`), such as the single-status
declaration an unmarried customer signs instead of a marriage certificate (M03 → M32).

`form_pdf` renders one form as a printable A4 PDF with the customer's own name and ID number (the
customer signs it, so nothing is masked on it); `declaration_pdf` is what the counter's route calls:
it refuses a customer the form is not for, and logs the read of the customer's name and ID number.
"""

from __future__ import annotations

import io
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.engine import Engine

from desk.cases.household import PersonFacts
from desk.cases.workflow import Actor, CaseError
from desk.cases.working_days import local_day
from desk.db import session_scope
from desk.records.profile import CustomerProfile, load_profile
from desk.records.tables import Person
from desk.security.access_log import log_access

FORMS_PATH = Path(__file__).with_name("forms.toml")
FONT = "STSong-Light"  # a CID font: every PDF reader has it, nothing to embed
PURPOSE = "counter_service"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass(frozen=True)
class Form:
    """One printable form and the customers it is not for."""

    name: str
    material: str
    not_for_marital: tuple[str, ...]
    title: str
    subtitle: str
    paragraphs: tuple[str, ...]  # with {name} and {id_number}
    signature: str
    date: str
    note: str

    def offered_to(self, marital: str | None) -> bool:
        """Whether a customer of this marriage-registry status (None: no record) may sign the form."""
        return marital not in self.not_for_marital


@lru_cache(maxsize=1)
def forms() -> dict[str, Form]:
    """Form name -> form, as `forms.toml` defines them."""
    data = tomllib.loads(FORMS_PATH.read_text(encoding="utf-8"))["forms"]
    return {
        name: Form(
            name,
            entry["material"],
            tuple(entry.get("not_for_marital", ())),
            entry["title"],
            entry.get("subtitle", ""),
            tuple(entry["paragraphs"]),
            entry["signature"],
            entry["date"],
            entry.get("note", ""),
        )
        for name, entry in data.items()
    }


def marital_status(profile: CustomerProfile) -> str | None:
    """The marriage registry's status of the customer (married, unmarried, …), None when it holds no record."""
    marriage = PersonFacts.of(profile).payload("marriage")
    return marriage.get("status") if marriage else None


def _wrap(text: str, size: float, width: float) -> list[str]:
    """`text` broken into lines of at most `width` points (Chinese breaks between any two characters)."""
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def form_pdf(form: Form, *, name: str, id_number: str, printed_on: date) -> bytes:
    """The form as a one-page A4 PDF for `name` / `id_number`, with signature and date lines."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(f"{form.title}{form.subtitle}")
    width, height = A4
    left, text_width = 28 * mm, width - 56 * mm
    canvas.setFont(FONT, 22)
    canvas.drawCentredString(width / 2, height - 45 * mm, form.title)
    canvas.setFont(FONT, 14)
    canvas.drawCentredString(width / 2, height - 55 * mm, form.subtitle)
    y = height - 78 * mm
    for paragraph in form.paragraphs:
        text = "　　" + paragraph.format(name=name, id_number=id_number)  # two full-width spaces indent
        for line in _wrap(text, 14, text_width):
            canvas.setFont(FONT, 14)
            canvas.drawString(left, y, line)
            y -= 9 * mm
        y -= 5 * mm
    y -= 20 * mm
    canvas.drawString(width / 2 - 10 * mm, y, form.signature)
    canvas.drawString(width / 2 - 10 * mm, y - 16 * mm, form.date)
    canvas.setFont(FONT, 9)
    canvas.drawString(left, 20 * mm, form.note)
    canvas.drawRightString(width - left, 20 * mm, f"打印日期 {printed_on.isoformat()}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def declaration_pdf(
    *, person_id: int, form_name: str, staff: Actor, printed_on: date | None = None, engine: Engine | None = None
) -> bytes:
    """The form `form_name` printed for the customer `person_id`; the read of their name and ID is logged.

    Raises CaseError when there is no such form or the customer may not sign it (the marriage
    registry shows them as married). Raises CustomerNotFound for an unknown person.
    """
    form = forms().get(form_name)
    if form is None:
        raise CaseError("cases.form.unknown", name=form_name)
    with session_scope(engine) as session:
        profile = load_profile(session, person_id)
        marital = marital_status(profile)
        if not form.offered_to(marital):
            raise CaseError("cases.form.not_for_customer", marital=marital)
        person = session.get(Person, person_id)
        assert person is not None, "load_profile raised CustomerNotFound otherwise"
        log_access(
            session,
            staff=staff,
            action="print_form",
            person_id=person_id,
            purpose=PURPOSE,
            fields=("name", "id_number", f"form:{form.name}"),
        )
        name, id_number = person.name, person.id_number
    return form_pdf(form, name=name, id_number=id_number, printed_on=printed_on or local_day(datetime.now(UTC)))

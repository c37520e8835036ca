"""Forms the desk prints for the customer to sign (desk/cases/forms.py), such as the single-status
declaration beside M03: the button in the material's row, and the route that serves the PDF.

`GET /counter/form/{token}/{person_id}/{form}` checks on the server the logged-in session, its
role (desk.security.roles), the per-tab token (desk.ui.capture_routes) and that the customer was
opened in that tab; desk.cases.forms refuses a customer the form is not for and logs the read.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from nicegui import app, ui

from desk.cases.catalog import get_catalog
from desk.cases.checklist import ChecklistItem
from desk.cases.forms import declaration_pdf, forms, marital_status
from desk.cases.workflow import CaseError
from desk.i18n import t
from desk.records.profile import CustomerNotFound, CustomerProfile
from desk.security.roles import may_open
from desk.ui.capture_routes import PRIVATE, tab_for
from desk.ui.route_ids import parse_id
from desk.ui.session import apply_language, session_staff


def form_url(token: str, person_id: int, form: str) -> str:
    """Where the tab `token` prints `form` for the customer `person_id`."""
    return f"/counter/form/{token}/{person_id}/{form}"


def form_buttons(item: ChecklistItem, profile: CustomerProfile, token: str) -> None:
    """A print button for each alternative of `item` that is a form the customer may sign."""
    catalog, marital = get_catalog(), marital_status(profile)
    for code in item.alternatives:
        material = catalog.materials[code]
        form = forms().get(material.form or "")
        if form is None or not form.offered_to(marital):
            continue
        url = form_url(token, profile.person.person_id, form.name)
        # a plain link in a new browser tab: the browser's PDF viewer prints it
        ui.button(t("counter.form.print", form=material.name()), icon="print").props(
            f'no-caps flat dense href="{url}" target="_blank"'
        ).classes("shrink-0").mark(f"print-form {item.material}").tooltip(t("counter.form.hint"))


def get_form(token: str, person_id: str, form: str, request: Request) -> Response:
    """The form as a PDF to print, for a customer opened in this tab by a clerk who may print it."""
    apply_language()
    staff = session_staff()
    if staff is None or not may_open(staff.role, request.url.path):
        return Response(status_code=403, headers=PRIVATE)
    tab = tab_for(token, staff)
    person = parse_id(person_id)
    if tab is None or person is None or person not in tab.opened_people:
        return Response(status_code=404, headers=PRIVATE)
    try:
        pdf = declaration_pdf(person_id=person, form_name=form, staff=staff)
    except CustomerNotFound:
        return Response(status_code=404, headers=PRIVATE)
    except CaseError as refused:
        return Response(
            t("counter.form.refused", reason=refused.message()),
            status_code=409,
            media_type="text/plain; charset=utf-8",
            headers=PRIVATE,
        )
    return Response(
        pdf, media_type="application/pdf", headers={**PRIVATE, "Content-Disposition": f'inline; filename="{form}.pdf"'}
    )


def register() -> None:
    """Add the route (from desk.ui.app.build)."""
    app.get("/counter/form/{token}/{person_id}/{form}")(get_form)

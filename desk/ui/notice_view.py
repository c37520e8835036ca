"""The printable one-time notice (一次性告知) of a case: case number, everything still to bring, the QR
code of the public progress inquiry, and a print button.

Printing uses the browser's own dialog (`window.print()`); the print stylesheet shows only the
notice, so the header, the menu and the rest of the counter screen stay off the paper.
"""

from __future__ import annotations

from nicegui import ui

from desk.cases.notice import Notice
from desk.i18n import current_language, t
from desk.money import Money
from desk.ui.formatting import day
from desk.ui.papers_view import papers_avoided

# On paper only the notice: everything that neither holds it nor lies inside it is dropped from the
# layout (so no blank pages follow), and the boxes around it lose their padding, shadow and colour.
PRINT_CSS = """
@media print {
  body *:not(:has(.desk-notice)):not(.desk-notice):not(.desk-notice *) { display: none !important; }
  body, body *:has(.desk-notice) {
    background: none !important; box-shadow: none !important; border: 0 !important;
    margin: 0 !important; padding: 0 !important; max-width: none !important; min-height: 0 !important;
  }
  .desk-notice { width: 100% !important; max-width: none !important; box-shadow: none !important; }
  @page { size: A4; margin: 18mm; }
}
"""


def use_print_styles() -> None:
    """Add the print stylesheet to the current page."""
    ui.add_css(PRINT_CSS)


def _line(label_key: str, value: str, marker: str | None = None) -> None:
    with ui.row().classes("w-full gap-3 no-wrap"):
        ui.label(t(label_key)).classes("w-32 shrink-0 text-secondary")
        text = ui.label(value).classes("font-bold")
        if marker:
            text.mark(marker)


def show_notice(notice: Notice) -> None:
    """The notice as a card, followed by its print button (which does not print itself)."""
    with ui.card().classes("desk-notice w-full max-w-3xl gap-2 p-6").mark("notice"):
        ui.label(t("cases.notice.title")).classes("text-2xl font-bold self-center")
        ui.label(t("ui.app_name")).classes("text-secondary self-center")
        _line("cases.notice.case_no", notice.case_no, "notice-case-no")
        _line("counter.notice.business", f"{notice.business_code} {notice.to_json()['business_name']}")
        _line("counter.notice.customer", notice.customer)
        _line("counter.notice.issued_on", day(notice.issued_on))
        if notice.due_on:
            _line("cases.notice.due_on", day(notice.due_on))
        if notice.amount_fen is not None:
            amount = Money(notice.amount_fen)
            # vouchers in Chinese also write the amount in capital numerals
            capital = f"（{amount.capital()}）" if current_language() != "en" else ""
            _line("cases.notice.amount", amount.format() + capital, "notice-amount")
            _line("cases.notice.payee", notice.payee_card or "—", "notice-payee")
            if notice.paid:
                _line("cases.notice.paid_label", t("cases.notice.paid"), "notice-paid")
        ui.separator()
        if notice.items:
            ui.label(t("cases.notice.intro"))
            with ui.column().classes("gap-1 pl-4").mark("notice-items"):
                for number, item in enumerate(notice.items, start=1):
                    promised = f" · {t('cases.notice.promised_on')} {day(item.promised_on)}" if item.promised_on else ""
                    ui.label(f"{number}. {item.material} {item.name()}{promised}").mark(f"notice-item {item.material}")
        else:
            ui.label(t("cases.notice.nothing_missing")).mark("notice-complete")
        papers_avoided(notice.avoided)
        ui.separator()
        with ui.row().classes("w-full items-center gap-4 no-wrap"):
            ui.html(notice.qr_svg(scale=4), sanitize=False).classes("shrink-0").mark("notice-qr")
            with ui.column().classes("gap-1"):
                ui.label(t("cases.notice.scan_to_follow"))
                ui.label(notice.inquiry_url).classes("font-mono text-xs text-secondary break-all").mark("notice-url")
    ui.button(t("counter.notice.print"), icon="print", on_click=lambda: ui.run_javascript("window.print()")).props(
        "no-caps unelevated"
    ).classes("no-print").mark("print-notice")

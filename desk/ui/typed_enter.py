"""Enter in a text field acts on the text in the box, as the browser shows it.

NiceGUI sends each keystroke's value to the server as an event. Events raised before the page's
connection is ready (a barcode scanner types the moment the page shows) each wait on their own retry
timer and reach the server out of order, so the server's copy of the field can lag behind the box
when Enter arrives. Enter therefore carries the box's text, and the field takes it before the
handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

# the Enter event's argument: the text in the box
_SEND_TEXT = "(e) => emit(e.target.value)"


def on_enter(field: ui.input, handler: Callable[[], Awaitable[None]]) -> None:
    """Run `handler` when Enter is pressed in `field`, after setting the field's value to the box's text."""

    async def entered(event: GenericEventArguments) -> None:
        if isinstance(event.args, str) and event.args != field.value:
            field.value = event.args
        await handler()

    field.on("keydown.enter", entered, js_handler=_SEND_TEXT)

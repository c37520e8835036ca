"""The document camera as a NiceGUI element (`camera.js`, after NiceGUI's examples/custom_vue_component).

The browser shows the live preview and, on `capture()` or the space bar, POSTs one JPEG frame to
`upload_url`; only the small reply comes back, as the `posted` event. Frames never travel over the
websocket (its messages are capped near 1 MB; a frame is 2–5 MB).

While the camera runs, a small preview frame goes to `preview_url` a few times a second and the
paper's outline comes back, drawn over the video: green when the page is whole, sharp and still,
amber with the reason when not. A page held still is taken by itself (auto-capture, a switch the
browser remembers); after that, only a changed outline that settles again is taken.
"""

from __future__ import annotations

from nicegui import ui
from nicegui.events import GenericEventArguments, Handler

from desk.i18n import t

# the texts the browser shows over the video (i18n key under counter.camera.)
TEXT_KEYS = {
    "hold_still": "outline.hold_still",
    "ready": "outline.ready",
    "taken": "outline.taken",
    "auto": "auto",
    "countdown": "auto_countdown",
}


class Camera(ui.element, component="camera.js"):
    """Live preview with the page outline, auto-capture, and capture-by-POST.

    Events: started, failed, capturing, posted (each with `args`)."""

    def __init__(
        self,
        upload_url: str,
        preview_url: str,
        *,
        on_started: Handler[GenericEventArguments],
        on_failed: Handler[GenericEventArguments],
        on_capturing: Handler[GenericEventArguments],
        on_posted: Handler[GenericEventArguments],
    ) -> None:
        super().__init__()
        self._props["upload_url"] = upload_url
        self._props["preview_url"] = preview_url
        self._props["texts"] = {name: t(f"counter.camera.{key}") for name, key in TEXT_KEYS.items()}
        self.on("started", on_started)
        self.on("failed", on_failed)
        self.on("capturing", on_capturing)
        self.on("posted", on_posted)

    def capture(self) -> None:
        """Take one frame now (the same as pressing the space bar)."""
        self.run_method("capture")

"""The document camera as a NiceGUI element (`camera.js`, after NiceGUI's examples/custom_vue_component).

The browser shows the live preview and, on `capture()` or the space bar, POSTs one JPEG frame to
`upload_url`; only the small reply comes back, as the `posted` event. Frames never travel over the
websocket (its messages are capped near 1 MB; a frame is 2–5 MB).
"""

from __future__ import annotations

from nicegui import ui
from nicegui.events import GenericEventArguments, Handler


class Camera(ui.element, component="camera.js"):
    """Live preview plus capture-by-POST; events: started, failed, capturing, posted (each with `args`)."""

    def __init__(self, upload_url: str, *, on_started: Handler[GenericEventArguments],
                 on_failed: Handler[GenericEventArguments], on_capturing: Handler[GenericEventArguments],
                 on_posted: Handler[GenericEventArguments]) -> None:
        super().__init__()
        self._props["upload_url"] = upload_url
        self.on("started", on_started)
        self.on("failed", on_failed)
        self.on("capturing", on_capturing)
        self.on("posted", on_posted)

    def capture(self) -> None:
        """Take one frame now (the same as pressing the space bar)."""
        self.run_method("capture")

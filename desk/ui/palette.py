"""The app's colours, shared by the NiceGUI theme, charts and the plain HTML error page."""

PRIMARY = "#0f5e9c"  # the blue of government service halls
SECONDARY = "#5b7083"
ACCENT = "#c0392b"
POSITIVE = "#2e7d32"
NEGATIVE = "#c62828"

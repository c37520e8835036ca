"""desk — the counter desk of a housing provident fund centre."""

__version__ = "0.1.0"

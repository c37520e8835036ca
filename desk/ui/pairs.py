"""Label–value lists on cards: a two-column grid, labels on the left, values right-aligned."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui


@contextmanager
def pair_grid() -> Iterator[ui.grid]:
    """The grid the `pair` rows go into."""
    with ui.grid(columns="auto minmax(0, 1fr)").classes("w-full gap-x-4 gap-y-1 items-baseline") as grid:
        yield grid


def pair(label: str, value: str, marker: str | None = None) -> None:
    """One row: the label, then the value (marked for tests when `marker` is given)."""
    ui.label(label).classes("text-secondary text-sm")
    text = ui.label(value).classes("text-right text-sm break-words")
    if marker:
        text.mark(marker)

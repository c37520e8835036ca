"""Cheap draws for the demo generator: `random.Random.randint` and `choice` cost ~1 µs each, which
adds up to minutes over a million customers; one `random()` call and a multiply cost a tenth of it."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def randint(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high], like `rng.randint`."""
    return low + int(rng.random() * (high - low + 1))


def choice(rng: random.Random, items: Sequence[T]) -> T:
    """One element of `items`, like `rng.choice`."""
    return items[int(rng.random() * len(items))]

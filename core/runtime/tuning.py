"""The one rule for choosing settings on held-out data, for every model: the
even-numbered items choose, the odd-numbered ones report. A figure measured
on the data that chose the setting flatters it; the other half does not, and
alternate items keep both halves alike when the file is ordered (by source,
by length, by date)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from core.errors import BadInput

T = TypeVar("T")
S = TypeVar("S", int, float)  # a setting tried on held-out data


def split_held_out(items: Sequence[T]) -> tuple[list[T], list[T]]:
    """(the half to choose on, the half to report on)."""
    return list(items[0::2]), list(items[1::2])


def require_two_halves(count: int, what: str) -> None:
    """Refuse held-out data too small to give each half an item."""
    if count < 2:
        raise BadInput(
            f"{count} held-out {what}: tuning needs at least 2, "
            "one half to choose on and the other to report on"
        )


def cheapest_that_pays(grid: Sequence[tuple[float, S]], margin: float) -> tuple[float, S]:
    """(score, setting) from ``grid`` ordered from the cheapest or plainest
    setting on: the first whose score is within ``margin`` of the best (for
    F1, one question's worth: more than the noise of a few boundaries moving
    by a character). A dearer setting is chosen only when everything cheaper
    falls more than that short of the best, while a steady climb over
    several settings is still followed."""
    best = max(f for f, _ in grid)
    return next((f, setting) for f, setting in grid if f >= best - margin - 1e-12)

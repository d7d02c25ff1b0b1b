"""Moving through a document's rows and through the document list, the same
way in every review panel."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Protocol


class Listed(Protocol):
    id: int
    position: int


def step_row(row: int, step: int, count: int) -> int | None:
    """The row ``step`` rows from ``row``, kept within ``count`` rows; with
    none selected (``row`` -1) the first row."""
    if count <= 0:
        return None
    return max(0, min(count - 1, (row if row >= 0 else -step) + step))


def step_document(rows: Sequence[Listed], row: int | None, position: int, step: int) -> int | None:
    """The document ``step`` rows from the shown one in the list ``rows``
    (in reading order), where it is at ``row``; when the list's filter leaves
    it out (``row`` None), its neighbour in reading order from ``position``."""
    if not rows:
        return None
    if row is None:
        after = bisect.bisect_right(rows, position, key=lambda r: r.position)
        row = after - 1 if step < 0 else after
    else:
        row += step
    return rows[max(0, min(len(rows) - 1, row))].id

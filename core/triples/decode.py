"""Turning the network's pointer probabilities into spans, and merging windows.

Pure NumPy: the decoding rules can be tested on hand-made arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.encoder.spans import TokenSpan, pointer_spans, window_starts


@dataclass(frozen=True)
class Thresholds:
    subject_start: float = 0.6
    subject_end: float = 0.5
    object_start: float = 0.6
    object_end: float = 0.5

    @classmethod
    def from_dict(cls, d: dict[str, float] | None) -> Thresholds:
        known = {k: float(v) for k, v in (d or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


def decode_subjects(
    probs: np.ndarray, first: int, last: int, th: Thresholds = Thresholds()
) -> list[TokenSpan]:
    """Subject spans from (length, 2) start / end probabilities (see
    ``pointer_spans``)."""
    return pointer_spans(probs, first, last, th.subject_start, th.subject_end)


def decode_objects(
    probs: np.ndarray, first: int, last: int, th: Thresholds = Thresholds()
) -> list[tuple[TokenSpan, int]]:
    """``probs``: (length, predicates, 2). For each (start, predicate) above the
    threshold, the nearest end of the *same* predicate at or after the start."""
    window = probs[first : last + 1]
    out = []
    start_pos, start_pred = np.where(window[:, :, 0] > th.object_start)
    for i, p in zip(start_pos, start_pred, strict=True):
        ends = np.where(window[i:, p, 1] > th.object_end)[0]
        if len(ends):
            s, e = int(i) + first, int(i + ends[0]) + first
            out.append((TokenSpan(s, e, float(probs[s, p, 0]), float(probs[e, p, 1])), int(p)))
    return out


__all__ = ["Thresholds", "TokenSpan", "decode_objects", "decode_subjects", "window_starts"]

"""Turning the network's pointer probabilities into spans, and merging windows.

Pure NumPy: the decoding rules can be tested on hand-made arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


@dataclass(frozen=True)
class TokenSpan:
    """Tokens ``start..end`` inclusive, with the probability of each pointer."""

    start: int
    end: int
    start_prob: float
    end_prob: float


def decode_subjects(
    probs: np.ndarray, first: int, last: int, th: Thresholds = Thresholds()
) -> list[TokenSpan]:
    """``probs``: (length, 2) start / end probabilities. Every start above its
    threshold pairs with the nearest end above its threshold at or after it.
    Only tokens ``first..last`` (inclusive) are considered: [CLS], [SEP] and
    padding never start or end a span."""
    starts = np.where(probs[first : last + 1, 0] > th.subject_start)[0] + first
    ends = np.where(probs[first : last + 1, 1] > th.subject_end)[0] + first
    spans = []
    for i in starts:
        later = ends[ends >= i]
        if len(later):
            j = int(later[0])
            spans.append(TokenSpan(int(i), j, float(probs[i, 0]), float(probs[j, 1])))
    return spans


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


def window_starts(n_tokens: int, size: int, stride: int) -> list[int]:
    """Start offsets of windows of ``size`` tokens covering ``n_tokens``; the last
    window ends exactly at the end, so no token is left out."""
    if n_tokens <= size:
        return [0]
    starts = list(range(0, n_tokens - size, stride))
    starts.append(n_tokens - size)
    return starts

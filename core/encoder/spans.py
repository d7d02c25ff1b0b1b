"""Spans of tokens: mapping character spans onto a tokenizer's offsets,
windows over long texts, and pointer decoding (a start probability and an end
probability per token). Shared by every model that marks spans.

Pure NumPy: the rules can be tested on hand-made arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TokenSpan:
    """Tokens ``start..end`` inclusive, with the probability of each pointer."""

    start: int
    end: int
    start_prob: float
    end_prob: float


def pointer_spans(
    probs: np.ndarray, first: int, last: int, start_threshold: float, end_threshold: float
) -> list[TokenSpan]:
    """``probs``: (length, 2) start / end probabilities. Every start above its
    threshold pairs with the nearest end above its threshold at or after it.
    Only tokens ``first..last`` (inclusive) are considered: [CLS], [SEP] and
    padding never start or end a span."""
    starts = np.where(probs[first : last + 1, 0] > start_threshold)[0] + first
    ends = np.where(probs[first : last + 1, 1] > end_threshold)[0] + first
    spans = []
    for i in starts:
        later = ends[ends >= i]
        if len(later):
            j = int(later[0])
            spans.append(TokenSpan(int(i), j, float(probs[i, 0]), float(probs[j, 1])))
    return spans


def window_starts(n_tokens: int, size: int, stride: int) -> list[int]:
    """Start offsets of windows of ``size`` tokens covering ``n_tokens``; the last
    window ends exactly at the end, so no token is left out."""
    if n_tokens <= size:
        return [0]
    starts = list(range(0, n_tokens - size, stride))
    starts.append(n_tokens - size)
    return starts


def char_to_token_span(
    offsets: Sequence[tuple[int, int]], start: int, end: int
) -> tuple[int, int] | None:
    """Token indices (inclusive) of the tokens covering characters ``[start, end)``;
    None when the span falls outside the encoded tokens."""
    first = last = None
    for i, (a, b) in enumerate(offsets):
        if a == b:
            continue
        if first is None and a <= start < b:
            first = i
        if a < end <= b:
            last = i
            break
    if first is None or last is None or last < first:
        return None
    return first, last

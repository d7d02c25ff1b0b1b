"""Unlabelled text turned into token sequences for encoder pre-training."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from core.encoder.tokenizer import Tokenizer

# Padded lengths are rounded up to this multiple: every distinct input shape
# costs TensorFlow a retrace of several seconds.
LENGTH_BUCKET = 32


def padded_length(n: int, limit: int | None = None, bucket: int = LENGTH_BUCKET) -> int:
    """``n`` rounded up to the bucket, but never beyond ``limit`` (the encoder's
    maximum number of positions)."""
    length = max(bucket, -(-n // bucket) * bucket)
    return min(length, max(n, limit)) if limit else length


def pad_ids(
    rows: Sequence[Sequence[int]], length: int | None = None, limit: int | None = None
) -> np.ndarray:
    """Right-pad id sequences with 0 ([PAD]) to one bucketed length."""
    length = length or padded_length(max(len(r) for r in rows), limit)
    out = np.zeros((len(rows), length), dtype="int32")
    for i, row in enumerate(rows):
        out[i, : len(row)] = row[:length]
    return out


def pack_token_sequences(
    texts: Iterable[str], tokenizer: Tokenizer, maxlen: int
) -> list[list[int]]:
    """``[CLS] text [SEP] text [SEP] ...`` sequences of at most ``maxlen`` ids.

    Short sentences are packed together so that batches carry little padding;
    a text longer than a sequence is cut into several."""
    room = maxlen - 2
    sequences: list[list[int]] = []
    current: list[int] = []
    for text in texts:
        ids = tokenizer.ids(tokenizer.tokenize(text))
        for begin in range(0, len(ids), room):
            piece = ids[begin : begin + room]
            if current and len(current) + len(piece) + 1 > room:
                sequences.append([tokenizer.cls_id, *current, tokenizer.sep_id])
                current = []
            current = [*current, tokenizer.sep_id, *piece] if current else list(piece)
    if current:
        sequences.append([tokenizer.cls_id, *current, tokenizer.sep_id])
    return sequences

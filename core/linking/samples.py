"""Arrays for the linker's two heads: texts with alias-match features for
mention recognition, and (text with marked mention, description) pairs for
candidate ranking."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from core.encoder.samples import pad_ids, padded_length
from core.encoder.spans import char_to_token_span, window_starts
from core.encoder.tokenizer import Encoding, Token, Tokenizer
from core.linking.candidates import AliasMatch
from core.linking.network import ALIAS_FEATURES, PRIOR_FEATURES

# The mention is marked in the ranker's input by these two characters; they are
# kept in every linker vocabulary.
MENTION_OPEN, MENTION_CLOSE = "【", "】"
CONTEXT_CHARS = 40  # text kept on each side of a mention for the ranker
# Single characters are aliases of too much (a surname, a common word) to tell
# the mention head anything; shorter matches are left to the head alone.
MIN_ALIAS_CHARS = 2


@dataclass
class MentionWindow:
    """One window of a text's tokens, encoded for the mention head."""

    text_index: int
    encoding: Encoding
    alias_features: np.ndarray  # (len(token_ids), alias feature count)


def alias_features(
    encoding: Encoding,
    matches: Sequence[AliasMatch],
    priors: Sequence[tuple[float, float]] | None = None,
) -> np.ndarray:
    """Per token: begins / ends / inside an alias match, and with ``priors``
    (one (prior, evidence) per match) the largest alias prior and its
    evidence over the matches covering it."""
    width = ALIAS_FEATURES + (PRIOR_FEATURES if priors is not None else 0)
    feats = np.zeros((len(encoding.token_ids), width), dtype="float32")
    for k, m in enumerate(matches):
        if m.end - m.start < MIN_ALIAS_CHARS:
            continue
        span = char_to_token_span(encoding.offsets, m.start, m.end)
        if span is None:
            continue
        s, e = span
        feats[s, 0] = 1
        feats[e, 1] = 1
        feats[s : e + 1, 2] = 1
        if priors is not None:
            prior, evidence = priors[k]
            feats[s : e + 1, 3] = np.maximum(feats[s : e + 1, 3], prior)
            feats[s : e + 1, 4] = np.maximum(feats[s : e + 1, 4], evidence)
    return feats


def mention_windows(
    tokenizer: Tokenizer,
    texts: Sequence[str],
    matches: Sequence[Sequence[AliasMatch]],
    maxlen: int,
    priors: Sequence[Sequence[tuple[float, float]]] | None = None,
) -> list[MentionWindow]:
    """Each text in windows of at most ``maxlen`` ids that overlap by a quarter,
    so a mention cut by one window's edge is whole in the next. ``priors``:
    per text, the alias prior of each match (models that read it)."""
    size = maxlen - 2
    out = []
    for i, text in enumerate(texts):
        tokens: list[Token] = tokenizer.tokenize(text)
        for begin in window_starts(len(tokens), size, max(1, size * 3 // 4)):
            enc = tokenizer.encode_tokens(tokens[begin : begin + size])
            feats = alias_features(enc, matches[i], None if priors is None else priors[i])
            out.append(MentionWindow(i, enc, feats))
    return out


def mention_arrays(
    windows: Sequence[MentionWindow], limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    length = padded_length(max(len(w.encoding.token_ids) for w in windows), limit)
    ids = pad_ids([w.encoding.token_ids for w in windows], length)
    width = windows[0].alias_features.shape[1]
    feats = np.zeros((len(windows), length, width), dtype="float32")
    for i, w in enumerate(windows):
        feats[i, : len(w.alias_features)] = w.alias_features[:length]
    return ids, np.zeros_like(ids), feats


def mention_labels(
    windows: Sequence[MentionWindow], spans: Sequence[Sequence[tuple[int, int]]], length: int
) -> np.ndarray:
    """(batch, length, 2) start / end labels from character spans per text."""
    labels = np.zeros((len(windows), length, 2), dtype="float32")
    for i, w in enumerate(windows):
        for start, end in spans[w.text_index]:
            tok = char_to_token_span(w.encoding.offsets, start, end)
            if tok is not None and tok[1] < length:
                labels[i, tok[0], 0] = 1
                labels[i, tok[1], 1] = 1
    return labels


def token_mask(
    windows: Sequence[MentionWindow],
    unlabelled: Sequence[Sequence[tuple[int, int]]],
    token_ids: np.ndarray,
) -> np.ndarray:
    """(batch, length): 1 where the mention head is trained, 0 on padding and
    on the tokens of spans nobody annotated."""
    mask = (token_ids > 0).astype("float32")
    for i, w in enumerate(windows):
        for start, end in unlabelled[w.text_index]:
            tok = char_to_token_span(w.encoding.offsets, start, end)
            if tok is not None:
                mask[i, tok[0] : tok[1] + 1] = 0
    return mask


def pair_ids(
    tokenizer: Tokenizer, text: str, start: int, end: int, description: str, maxlen: int
) -> tuple[list[int], list[int]]:
    """``[CLS] left 【mention】 right [SEP] description [SEP]`` with segments 0 / 1.
    The context is cut to ``CONTEXT_CHARS`` on each side; the description takes
    what room is left."""
    left = tokenizer.tokenize(text[max(0, start - CONTEXT_CHARS) : start])
    mention = tokenizer.tokenize(text[start:end])
    right = tokenizer.tokenize(text[end : end + CONTEXT_CHARS])
    room = maxlen // 2 - 4  # [CLS] 【 】 [SEP]
    mention = mention[:room]
    while len(left) + len(mention) + len(right) > room:
        if len(left) >= len(right):
            left = left[1:]
        else:
            right = right[:-1]
    open_id = tokenizer.token_to_id.get(MENTION_OPEN, tokenizer.unk_id)
    close_id = tokenizer.token_to_id.get(MENTION_CLOSE, tokenizer.unk_id)
    first = [
        tokenizer.cls_id,
        *tokenizer.ids(left),
        open_id,
        *tokenizer.ids(mention),
        close_id,
        *tokenizer.ids(right),
        tokenizer.sep_id,
    ]
    second = tokenizer.ids(tokenizer.tokenize(description))[: max(0, maxlen - len(first) - 1)]
    ids = first + second + [tokenizer.sep_id]
    return ids, [0] * len(first) + [1] * (len(second) + 1)


def pair_arrays(
    pairs: Sequence[tuple[list[int], list[int]]], limit: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    length = padded_length(max(len(ids) for ids, _ in pairs), limit)
    return pad_ids([p[0] for p in pairs], length), pad_ids([p[1] for p in pairs], length)


def batches_by_length(
    sizes: Sequence[int], batch_size: int, rng: np.random.Generator
) -> Iterator[list[int]]:
    """Indices in random batches of similar length (little padding), the order
    of the batches shuffled."""
    order = rng.permutation(len(sizes))
    pool = batch_size * 50
    batches = []
    for begin in range(0, len(order), pool):
        window = sorted(order[begin : begin + pool], key=lambda i: sizes[i])
        batches += [list(window[k : k + batch_size]) for k in range(0, len(window), batch_size)]
    for b in rng.permutation(len(batches)):
        yield batches[b]

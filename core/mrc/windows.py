"""Questions and passages as model inputs: the passage cut into overlapping
windows of tokens, each token keeping its character offsets in the passage,
and the three input layouts.

    MLM      [CLS] [MASK]×L [SEP] question [SEP] window [SEP]
    seq2seq  [CLS] window [SEP] question [SEP] answer [SEP]
    pointer  [CLS] question [SEP] window [SEP]

A pointer answerer may also read, in the segment ids of the window, which of
its tokens the question shares (``marks``, see :func:`question_marks`).

An answer found by any method is a run of a window's tokens, so its exact
characters in the passage are the first token's start and the last token's
end: answers are read back from the passage, never decoded from ids
(``[UNK]``, lower-casing and accents cannot change them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.encoder.spans import char_to_token_span, window_starts
from core.encoder.tokenizer import Token, Tokenizer

METHODS = ("mlm", "seq2seq", "pointer")


@dataclass(frozen=True)
class Layout:
    """Token budget of one input."""

    question_len: int = 32  # longer questions keep their first tokens
    passage_len: int = 100  # tokens of the passage in one window
    answer_len: int = 24  # longest answer, in tokens
    stride: int = 75  # tokens between the starts of two windows

    def input_len(self, method: str) -> int:
        if method == "mlm":
            return self.answer_len + self.question_len + self.passage_len + 4
        if method == "seq2seq":
            return self.passage_len + self.question_len + self.answer_len + 4
        return self.question_len + self.passage_len + 3


@dataclass(frozen=True)
class Window:
    """Passage tokens ``first..first+len(tokens)`` of a context."""

    first: int
    tokens: list[Token]
    ids: list[int]

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        """Characters of window tokens ``start..end`` (inclusive)."""
        return self.tokens[start].start, self.tokens[end].end


def passage_windows(tokenizer: Tokenizer, context: str, layout: Layout) -> list[Window]:
    tokens = tokenizer.tokenize(context)
    if not tokens:
        return []
    ids = tokenizer.ids(tokens)
    return [
        Window(s, tokens[s : s + layout.passage_len], ids[s : s + layout.passage_len])
        for s in window_starts(len(tokens), layout.passage_len, layout.stride)
    ]


def answer_tokens(window: Window, start: int, end: int) -> tuple[int, int] | None:
    """Window tokens (inclusive) covering characters ``[start, end)`` of the
    context; None when the answer is not wholly inside the window."""
    offsets = [(t.start, t.end) for t in window.tokens]
    span = char_to_token_span(offsets, start, end)
    if span is None:
        return None
    first, last = span
    if window.tokens[first].start > start or window.tokens[last].end < end:
        return None
    return span


def question_ids(tokenizer: Tokenizer, question: str, layout: Layout) -> list[int]:
    return tokenizer.ids(tokenizer.tokenize(question))[: layout.question_len]


@dataclass(frozen=True)
class Encoded:
    """One input; ``passage_at`` is the index of the window's first token."""

    token_ids: list[int]
    segment_ids: list[int]
    passage_at: int


# Segment ids of window tokens with question marks.
NO_MATCH, SHARED_TOKEN, SHARED_BIGRAM = 1, 2, 3
MARKED_SEGMENTS = 4


def question_marks(question: Sequence[int], passage: Sequence[int]) -> list[int]:
    """Per passage token: SHARED_BIGRAM when it and a neighbour form a pair
    of tokens the question also holds, SHARED_TOKEN when only the token
    itself occurs in the question, else NO_MATCH.

    The answer usually sits beside the words the question repeats (其父亲是
    谁？ next to 其父亲是...); an encoder pre-trained briefly on a CPU does not
    find that alignment from a few thousand questions, so it is handed over,
    as extractive readers without pre-training have long done. Bigrams, not
    single characters: 的, 是, 在 are in most questions and most sentences."""
    tokens = set(question)
    pairs = set(zip(question, question[1:], strict=False))
    out = [SHARED_TOKEN if t in tokens else NO_MATCH for t in passage]
    for i in range(len(passage) - 1):
        if (passage[i], passage[i + 1]) in pairs:
            out[i] = out[i + 1] = SHARED_BIGRAM
    return out


def encode(
    method: str,
    tokenizer: Tokenizer,
    question: list[int],
    window: Window,
    layout: Layout,
    marks: bool = False,
) -> Encoded:
    """``marks`` (pointer only): the window's segment ids are its
    :func:`question_marks` instead of all 1."""
    cls, sep = tokenizer.cls_id, tokenizer.sep_id
    p = window.ids
    if method == "mlm":
        head = [cls, *[tokenizer.mask_id] * layout.answer_len, sep, *question, sep]
        return Encoded([*head, *p, sep], [0] * len(head) + [1] * (len(p) + 1), len(head))
    if method == "seq2seq":
        ids = [cls, *p, sep, *question, sep]
        return Encoded(ids, [0] * len(ids), 1)
    head = [cls, *question, sep]
    window_segments = question_marks(question, p) if marks else [1] * len(p)
    return Encoded([*head, *p, sep], [0] * len(head) + [*window_segments, 1], len(head))

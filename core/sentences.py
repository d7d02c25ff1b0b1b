"""Cutting a document into sentences, as character spans of the original text.

Models here are trained on single sentences: a window of several sentences
is text they have never seen (a 60-sentence document extracted as windows gave
4 triples where its sentences one by one gave 68). A sentence ends after
``。！？；!?`` (with any closing quotes or brackets that follow) or at a line
break; a terminator inside quotes or brackets does not end it, so a quoted
exclamation stays inside its sentence, unless it is the last character before
the quote closes (“……。”). A mark protects a terminator only when its closing
mark follows within ``lookahead`` characters on the same line: one unclosed
``（`` or ``“`` in a sentence must not glue the next sentences to it.
"""

from __future__ import annotations

TERMINATORS = frozenset("。！？；!?")
LINE_BREAKS = frozenset("\n\r\u2028\u2029")
OPENING = {"“": "”", "‘": "’", "「": "」", "『": "』", "（": "）", "(": ")", "《": "》", "【": "】"}
CLOSING = frozenset(OPENING.values()) | {'"', "'"}


def _closes_soon(text: str, begin: int, closer: str, lookahead: int) -> bool:
    """Whether ``closer`` follows within ``lookahead`` characters, on this line."""
    for ch in text[begin : begin + lookahead]:
        if ch == closer:
            return True
        if ch in LINE_BREAKS:
            return False
    return False


def split_sentences(text: str, lookahead: int = 60) -> list[tuple[int, int]]:
    """``[start, end)`` spans of the sentences of ``text``, in order, without
    leading or trailing whitespace; pieces of only whitespace are left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    open_stack: list[str] = []
    i, n = 0, len(text)

    def emit(end: int) -> None:
        a, b = start, end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))

    while i < n:
        ch = text[i]
        ends_here = False
        if ch in LINE_BREAKS:
            emit(i)
            start, open_stack = i + 1, []
        elif ch in OPENING:
            open_stack.append(OPENING[ch])
        elif open_stack and ch == open_stack[-1]:
            open_stack.pop()
            # “……。” ends its sentence: the quote closes on a terminator.
            ends_here = not open_stack and i > start and text[i - 1] in TERMINATORS
        elif ch in TERMINATORS:
            if open_stack and not _closes_soon(text, i + 1, open_stack[-1], lookahead):
                open_stack = []  # a stray or unclosed mark: it protects nothing
            ends_here = not open_stack
        if ends_here:
            # The sentence takes the terminators and closing marks that follow.
            j = i + 1
            while j < n and (text[j] in TERMINATORS or text[j] in CLOSING):
                j += 1
            emit(j)
            start = i = j
            continue
        i += 1
    emit(n)
    return spans

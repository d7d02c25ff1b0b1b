"""WordPiece tokenisation that keeps exact character offsets into the original text.

Google's Chinese BERT tokenises CJK characters one by one, Latin words and digits
with WordPiece, and drops whitespace. bert4keras recovers offsets afterwards
(``rematch``) by searching normalised text, which loses ``[UNK]`` tokens (emoji,
rare characters) and can drift on combining marks. Here offsets are tracked
while tokenising, so every token knows the ``[start, end)`` slice of the
*original* string it came from, whatever the input contains.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import BadInput

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP, MASK)
_MAX_WORD_CHARS = 100


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Encoding:
    """Model inputs for one text; ``offsets[i]`` is the original-text slice of
    token ``i`` (``(0, 0)`` for ``[CLS]`` / ``[SEP]``)."""

    token_ids: list[int]
    segment_ids: list[int]
    offsets: list[tuple[int, int]]


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Zs", "Zl", "Zp")


def _is_standalone(ch: str) -> bool:
    """Characters that always form a token of their own: CJK, punctuation and
    symbols (emoji included, so one emoji never swallows a neighbouring word)."""
    cp = ord(ch)
    if _is_cjk(cp):
        return True
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(ch)[0] in ("P", "S")


def load_vocab(path: str | Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        tokens = [line.rstrip("\r\n") for line in f]
    while tokens and not tokens[-1]:
        tokens.pop()
    return tokens


def save_vocab(path: str | Path, tokens: Sequence[str]) -> None:
    Path(path).write_text("".join(t + "\n" for t in tokens), encoding="utf-8")


def _simplified_forms(vocabulary: dict[str, int]) -> dict[str, str]:
    """Traditional character -> its Simplified form, where the vocabulary has it."""
    from hanziconv.charmap import simplified_charmap, traditional_charmap

    return {
        t: s
        for t, s in zip(traditional_charmap, simplified_charmap, strict=True)
        if t != s and s in vocabulary
    }


class Tokenizer:
    """BERT-compatible tokenizer over a vocabulary list."""

    def __init__(
        self, vocab: Sequence[str], do_lower_case: bool = True, fold_traditional: bool = False
    ) -> None:
        """``fold_traditional``: read a Traditional character as its Simplified
        form when the vocabulary holds that (發 as 发); offsets are unchanged,
        only ids. Models trained on both scripts then learn each word once."""
        self.vocab = list(vocab)
        self.token_to_id = {t: i for i, t in enumerate(self.vocab)}
        missing = [t for t in (UNK, CLS, SEP) if t not in self.token_to_id]
        if missing:
            raise BadInput(f"vocabulary lacks the special tokens {missing}")
        self.do_lower_case = do_lower_case
        self.pad_id = self.token_to_id.get(PAD, 0)
        self.unk_id = self.token_to_id[UNK]
        self.cls_id = self.token_to_id[CLS]
        self.sep_id = self.token_to_id[SEP]
        self.mask_id = self.token_to_id.get(MASK, self.unk_id)
        self.fold_traditional = fold_traditional
        self._fold = _simplified_forms(self.token_to_id) if fold_traditional else {}

    @classmethod
    def from_file(cls, path: str | Path, do_lower_case: bool = True) -> Tokenizer:
        return cls(load_vocab(path), do_lower_case=do_lower_case)

    def __len__(self) -> int:
        return len(self.vocab)

    # -- normalisation -----------------------------------------------------------------

    def _normalise_char(self, ch: str) -> str:
        if self.do_lower_case:
            ch = ch.lower()
            ch = "".join(
                c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn"
            )
        return "".join(
            self._fold.get(c, c)
            for c in ch
            if c not in ("\x00", "\ufffd") and unicodedata.category(c) not in ("Cc", "Cf")
        )

    def _lookup_single(self, norm: str, original: str) -> int:
        """Id of a stand-alone character, trying its compatibility form (full-width
        Latin, circled digits, ...) when the plain form is not in the vocabulary."""
        tid = self.token_to_id.get(norm)
        if tid is None:
            compat = self._normalise_char(unicodedata.normalize("NFKC", original))
            tid = self.token_to_id.get(compat, self.unk_id)
        return tid

    # -- tokenisation ------------------------------------------------------------------

    def tokenize(self, text: str) -> list[Token]:
        """Tokens with their ``[start, end)`` offsets in ``text``."""
        pieces: list[Token] = []
        word: list[str] = []  # normalised characters of the current Latin/digit run
        origin: list[int] = []  # original index of each normalised character

        def flush() -> None:
            if word:
                pieces.extend(self._wordpiece(word, origin))
                word.clear()
                origin.clear()

        for i, ch in enumerate(text):
            if _is_space(ch):
                flush()
                continue
            norm = self._normalise_char(ch)
            if not norm:
                # Combining marks and format characters belong to the character
                # before them, so a span ending there still covers them.
                if word and origin[-1] == i - 1:
                    word.append("")
                    origin.append(i)
                elif not word and pieces and pieces[-1].end == i:
                    last = pieces[-1]
                    pieces[-1] = Token(last.text, last.start, i + 1)
                continue
            if _is_standalone(ch) or _is_standalone(norm[0]):
                flush()
                tid = self._lookup_single(norm, ch)
                pieces.append(Token(self.vocab[tid], i, i + 1))
                continue
            for c in norm:
                word.append(c)
                origin.append(i)
        flush()
        return pieces

    def _wordpiece(self, word: list[str], origin: list[int]) -> list[Token]:
        # `word` may hold "" placeholders for combining marks: build the matching
        # string and a per-character origin table that skips them.
        chars = [c for c in word if c]
        starts = [o for c, o in zip(word, origin, strict=True) if c]
        last_origin = origin[-1] + 1
        ends = []
        for k, o in enumerate(starts):
            nxt = starts[k + 1] if k + 1 < len(starts) else last_origin
            ends.append(nxt if nxt > o else o + 1)
        text = "".join(chars)
        if len(text) > _MAX_WORD_CHARS:
            return [Token(UNK, starts[0], last_origin)]
        out: list[Token] = []
        pos = 0
        while pos < len(text):
            end = len(text)
            found = None
            while end > pos:
                sub = text[pos:end] if pos == 0 else "##" + text[pos:end]
                if sub in self.token_to_id:
                    found = sub
                    break
                end -= 1
            if found is None:
                return [Token(UNK, starts[0], last_origin)]
            out.append(Token(found, starts[pos], ends[end - 1]))
            pos = end
        return out

    # -- encoding ----------------------------------------------------------------------

    def ids(self, tokens: Iterable[Token]) -> list[int]:
        return [self.token_to_id.get(t.text, self.unk_id) for t in tokens]

    def encode(self, text: str, maxlen: int | None = None) -> Encoding:
        """``[CLS] tokens [SEP]``, truncated to ``maxlen`` ids in total."""
        tokens = self.tokenize(text)
        if maxlen is not None:
            tokens = tokens[: max(0, maxlen - 2)]
        return self.encode_tokens(tokens)

    def encode_tokens(self, tokens: Sequence[Token]) -> Encoding:
        ids = [self.cls_id, *self.ids(tokens), self.sep_id]
        offsets = [(0, 0), *((t.start, t.end) for t in tokens), (0, 0)]
        return Encoding(ids, [0] * len(ids), offsets)

    def encode_pair(self, first: str, second: str, maxlen: int) -> Encoding:
        """``[CLS] first [SEP] second [SEP]``; the longer part is cut first.
        Offsets of the second part refer to ``second``."""
        a, b = self.tokenize(first), self.tokenize(second)
        while len(a) + len(b) > maxlen - 3:
            if len(b) >= len(a):
                b.pop()
            else:
                a.pop()
        ids = [self.cls_id, *self.ids(a), self.sep_id, *self.ids(b), self.sep_id]
        segments = [0] * (len(a) + 2) + [1] * (len(b) + 1)
        offsets = [(0, 0), *((t.start, t.end) for t in a), (0, 0)]
        offsets += [(t.start, t.end) for t in b] + [(0, 0)]
        return Encoding(ids, segments, offsets)


def cut_vocabulary(
    tokenizer: Tokenizer, texts: Iterable[str], min_count: int = 1
) -> tuple[list[str], list[int]]:
    """Keep the special tokens and every token seen in ``texts`` at least
    ``min_count`` times. Returns the new vocabulary and, for each new id, the id
    in the original vocabulary (bert4keras' ``keep_tokens``), so a pretrained
    embedding table can be sliced to match."""
    counts: dict[int, int] = {}
    for text in texts:
        for tid in tokenizer.ids(tokenizer.tokenize(text)):
            counts[tid] = counts.get(tid, 0) + 1
    special = [tokenizer.token_to_id[t] for t in SPECIAL_TOKENS if t in tokenizer.token_to_id]
    keep = list(special)
    seen = set(special)
    for tid in range(len(tokenizer.vocab)):
        if tid not in seen and counts.get(tid, 0) >= min_count:
            keep.append(tid)
            seen.add(tid)
    return [tokenizer.vocab[i] for i in keep], keep

"""Offsets into the original text survive every kind of input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.encoder.tokenizer import UNK, Tokenizer, cut_vocabulary


def test_chinese_characters_are_single_tokens(bert_tokenizer: Tokenizer) -> None:
    text = "《邪少兵王》是冰火未央写的网络小说"
    tokens = bert_tokenizer.tokenize(text)
    assert [t.text for t in tokens] == list(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_latin_words_digits_full_width_and_emoji(bert_tokenizer: Tokenizer) -> None:
    text = "Hello 2019年，ＡＢＣ\u3000周杰伦😀唱歌"
    pieces = [(t.text, text[t.start : t.end]) for t in bert_tokenizer.tokenize(text)]
    assert ("hello", "Hello") in pieces
    assert ("2019", "2019") in pieces
    assert ("ａ", "Ａ") in pieces  # full-width letter kept as written in the text
    assert (UNK, "😀") in pieces  # unknown characters still know where they are
    assert all(sliced.strip() for _, sliced in pieces)  # \u3000 is never part of a token


def test_combining_marks_stay_with_their_base_character(bert_tokenizer: Tokenizer) -> None:
    text = "cafe\u0301 乒\u0301乓"
    tokens = bert_tokenizer.tokenize(text)
    assert text[tokens[0].start : tokens[0].end] == "cafe\u0301"
    assert text[tokens[1].start : tokens[1].end] == "乒\u0301"


def test_encode_truncates_and_wraps_with_cls_sep(bert_tokenizer: Tokenizer) -> None:
    enc = bert_tokenizer.encode("一二三四五六七八", maxlen=6)
    assert enc.token_ids[0] == bert_tokenizer.cls_id and enc.token_ids[-1] == bert_tokenizer.sep_id
    assert len(enc.token_ids) == 6
    assert enc.offsets[1:-1] == [(0, 1), (1, 2), (2, 3), (3, 4)]


def test_cut_vocabulary_keeps_specials_and_seen_tokens(bert_tokenizer: Tokenizer) -> None:
    vocab, keep = cut_vocabulary(bert_tokenizer, ["周杰伦唱歌", "hello"])
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert set(vocab[5:]) == {"周", "杰", "伦", "唱", "歌", "hello"}
    assert [bert_tokenizer.vocab[i] for i in keep] == vocab


_ALPHABET = st.sampled_from(
    list("周杰伦唱歌的《》，。、")
    + list("abcXYZ019")
    + ["\u3000", " ", "\t", "😀", "\u0301", "Ａ", "１", "é", "ß", "\u200b"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_offsets_are_ordered_slices_of_the_original(bert_tokenizer: Tokenizer, text: str) -> None:
    tokens = bert_tokenizer.tokenize(text)
    previous_end = 0
    for t in tokens:
        assert 0 <= t.start < t.end <= len(text)
        assert t.start >= previous_end
        assert not text[t.start].isspace()
        previous_end = t.end
    # every visible character is covered by some token
    covered = {i for t in tokens for i in range(t.start, t.end)}
    for i, ch in enumerate(text):
        if not ch.isspace() and ch not in ("\u0301", "\u200b"):
            assert i in covered, (text, i)


def test_folding_reads_traditional_characters_as_simplified(bert_tokenizer: Tokenizer) -> None:
    folding = Tokenizer(bert_tokenizer.vocab, fold_traditional=True)
    traditional, simplified = "為什麼發生戰爭？", "为什么发生战争？"
    tokens = folding.tokenize(traditional)
    assert folding.ids(tokens) == bert_tokenizer.ids(bert_tokenizer.tokenize(simplified))
    assert [traditional[t.start : t.end] for t in tokens] == list(traditional)  # offsets kept
    # without folding the two scripts are different tokens
    assert bert_tokenizer.ids(bert_tokenizer.tokenize(traditional)) != folding.ids(tokens)

"""Cutting documents into sentences: spans of the original text."""

from __future__ import annotations

from core.sentences import split_sentences


def pieces(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_a_document_is_cut_after_each_terminator_and_at_line_breaks() -> None:
    text = "《空巢》是刘新执导的电视剧。他出生于北京！真的吗？是的；好\n第二段 "
    assert pieces(text) == [
        "《空巢》是刘新执导的电视剧。",
        "他出生于北京！",
        "真的吗？",
        "是的；",
        "好",
        "第二段",
    ]


def test_quotes_and_brackets_stay_whole_and_closing_marks_follow_their_sentence() -> None:
    text = "他说：“我来了！你呢”她笑了。（见《围城。续》。）下一句。他问：“好吗？”"
    assert pieces(text) == [
        "他说：“我来了！你呢”她笑了。",
        "（见《围城。续》。）",
        "下一句。",
        "他问：“好吗？”",
    ]
    assert pieces("真的吗？！”他问。") == ["真的吗？！”", "他问。"]


def test_an_unclosed_quote_does_not_glue_the_rest_of_the_text_together() -> None:
    text = "“" + "甲" * 400 + "。乙。丙。"
    assert len(pieces(text)) == 3
    # a bracket left open in one sentence protects nothing in the next ones
    assert pieces("他演了《红楼梦。下一句。（再下一句。") == [
        "他演了《红楼梦。",
        "下一句。",
        "（再下一句。",
    ]


def test_spans_point_into_the_original_text_and_skip_blank_pieces() -> None:
    text = "  甲。\n\n  乙！  "
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["甲。", "乙！"]
    assert split_sentences("") == [] and split_sentences(" \n ") == []
